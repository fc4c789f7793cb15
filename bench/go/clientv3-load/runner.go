package main

import (
	"context"
	"math/rand"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.etcd.io/etcd/clientv3"
)

// errorKindsMax bounds the distinct error messages one goroutine keeps; the rest count as "other".
const errorKindsMax = 16

// errorMessageBytesMax bounds one kept error message.
const errorMessageBytesMax = 200

// window is when requests count. Duration mode: a request counts when it ends inside
// [start, end] (completions over a fixed time are the throughput; a request still in flight at
// the end is cancelled and not counted). Total mode (end is zero): a request counts when it
// starts at or after start, and exactly `total` are started then.
type window struct {
	begin time.Time
	start time.Time
	end   time.Time
}

// recorder is one goroutine's counters; goroutines share nothing while the clock runs.
type recorder struct {
	latencies   []time.Duration
	lastEnd     time.Time
	errors      int64
	errorKinds  map[string]int64
	perSecond   []int64
	emptyRanges int64
	casRetries  int64
}

func (r *recorder) record(w window, started, ended time.Time, result outcome, err error) {
	counted := !started.Before(w.start)
	if !w.end.IsZero() {
		counted = !ended.Before(w.start) && !ended.After(w.end)
	}
	if err == nil {
		second := int(ended.Sub(w.begin) / time.Second)
		for len(r.perSecond) <= second {
			r.perSecond = append(r.perSecond, 0)
		}
		r.perSecond[second]++
	}
	if !counted {
		return
	}
	if ended.After(r.lastEnd) {
		r.lastEnd = ended
	}
	if err != nil {
		r.errors++
		r.noteError(err)
		return
	}
	r.latencies = append(r.latencies, ended.Sub(started))
	if result.emptyRange {
		r.emptyRanges++
	}
	r.casRetries += int64(result.casRetries)
}

func (r *recorder) noteError(err error) {
	message := err.Error()
	if len(message) > errorMessageBytesMax {
		message = message[:errorMessageBytesMax]
	}
	if _, known := r.errorKinds[message]; !known && len(r.errorKinds) >= errorKindsMax {
		message = "other"
	}
	r.errorKinds[message]++
}

// loadResult is the JSON line a measured workload prints.
type loadResult struct {
	Workload    string           `json:"workload"`
	Consistency string           `json:"consistency,omitempty"`
	Endpoints   []string         `json:"endpoints"`
	Clients     int              `json:"clients"`
	Conns       int              `json:"conns"`
	KeySize     int              `json:"key_size"`
	ValueSize   int              `json:"value_size"`
	KeySpace    int              `json:"key_space"`
	WarmupS     float64          `json:"warmup_s"`
	MeasuredS   float64          `json:"measured_s"`
	Ops         int64            `json:"ops"`
	OpsPerSec   float64          `json:"ops_per_sec"`
	Errors      int64            `json:"errors"`
	ErrorKinds  map[string]int64 `json:"error_kinds"`
	Latency     latencySummary   `json:"latency"`
	// PerSecond: successful answers per second since the first request, warm-up included.
	PerSecond   []int64 `json:"per_second"`
	EmptyRanges int64   `json:"empty_ranges"`
	CasRetries  int64   `json:"cas_retries"`
	// PrimeS: seconds spent reading the key space's revisions before the clock started (txn).
	PrimeS float64 `json:"prime_s"`
	// ClientCores: this process's CPU over the measured window (1.0 = one core busy).
	ClientCores float64 `json:"client_cores"`
}

// runLoad runs cfg's measured workload with cfg.clients goroutines over conns.
func runLoad(cfg config, conns []*clientv3.Client) (loadResult, error) {
	space := newKeySpace(cfg)
	result := loadResult{
		Workload: cfg.workload, Endpoints: cfg.endpoints, Clients: cfg.clients, Conns: cfg.conns,
		KeySize: cfg.keySize, ValueSize: cfg.valueSize, KeySpace: cfg.keySpace, WarmupS: cfg.warmup.Seconds(),
	}
	if cfg.workload == "range" {
		result.Consistency = cfg.consistency
	}
	if cfg.workload == "txn" {
		primeStart := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), cfg.requestTimeout)
		err := space.primeRevisions(ctx, conns[0])
		cancel()
		if err != nil {
			return result, err
		}
		result.PrimeS = time.Since(primeStart).Seconds()
	}
	operate := space.operation(cfg)
	begin := time.Now()
	w := window{begin: begin, start: begin.Add(cfg.warmup)}
	runCtx, stop := context.WithCancel(context.Background())
	defer stop()
	if cfg.total == 0 {
		w.end = w.start.Add(cfg.duration)
		// Requests in flight at the end would not count: cancel them so the run ends on time.
		timer := time.AfterFunc(time.Until(w.end), stop)
		defer timer.Stop()
	}
	var started int64
	cpuAtStart := make(chan time.Duration, 1)
	time.AfterFunc(time.Until(w.start), func() { cpuAtStart <- cpuTime() })
	recorders := make([]*recorder, cfg.clients)
	var group sync.WaitGroup
	for i := range recorders {
		recorders[i] = &recorder{errorKinds: map[string]int64{}}
		group.Add(1)
		go func(r *recorder, client *clientv3.Client, rng *rand.Rand) {
			defer group.Done()
			for runCtx.Err() == nil {
				now := time.Now()
				if cfg.total > 0 && !now.Before(w.start) && atomic.AddInt64(&started, 1) > int64(cfg.total) {
					return
				}
				ctx, cancel := context.WithTimeout(runCtx, cfg.requestTimeout)
				result, err := operate(ctx, client, rng)
				cancel()
				r.record(w, now, time.Now(), result, err)
			}
		}(recorders[i], conns[i%len(conns)], rand.New(rand.NewSource(cfg.seed+int64(i))))
	}
	group.Wait()
	cpuAtEnd := cpuTime()
	merge(&result, recorders, w)
	select {
	case cpu := <-cpuAtStart:
		if result.MeasuredS > 0 {
			result.ClientCores = (cpuAtEnd - cpu).Seconds() / result.MeasuredS
		}
	default:
	}
	return result, nil
}

// merge adds up the goroutines' counters into result.
func merge(result *loadResult, recorders []*recorder, w window) {
	var latencies []time.Duration
	lastEnd := w.start
	result.ErrorKinds = map[string]int64{}
	for _, r := range recorders {
		latencies = append(latencies, r.latencies...)
		result.Errors += r.errors
		result.EmptyRanges += r.emptyRanges
		result.CasRetries += r.casRetries
		for message, count := range r.errorKinds {
			result.ErrorKinds[message] += count
		}
		for second, count := range r.perSecond {
			for len(result.PerSecond) <= second {
				result.PerSecond = append(result.PerSecond, 0)
			}
			result.PerSecond[second] += count
		}
		if r.lastEnd.After(lastEnd) {
			lastEnd = r.lastEnd
		}
	}
	result.Ops = int64(len(latencies))
	result.Latency = summarizeLatencies(latencies)
	if w.end.IsZero() {
		result.MeasuredS = lastEnd.Sub(w.start).Seconds()
	} else {
		result.MeasuredS = w.end.Sub(w.start).Seconds()
	}
	if result.MeasuredS > 0 {
		result.OpsPerSec = float64(result.Ops) / result.MeasuredS
	}
}

// cpuTime is this process's user + system CPU so far.
func cpuTime() time.Duration {
	var usage syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &usage) != nil {
		return 0
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}
