package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Workloads: "range" reads one key, linearizable or serializable (--consistency); "txn" is a
// compare-and-swap put (compare the key's mod_revision, put if it matches); "preload" puts every
// key of the key space once, in Txns of txnOpsMax puts, before a measured workload reads them.
var workloads = []string{"put", "range", "txn", "preload"}

// txnOpsMax is etcd's default --max-txn-ops: the most puts one preload Txn carries.
const txnOpsMax = 128

// usageText is printed by --help and after a usage error. The flag names are those of etcd's own
// `benchmark` tool where it has the same knob (--endpoints, --clients, --conns, --key-size,
// --val-size, --key-space-size, --total, --consistency).
const usageText = `usage: clientv3-load WORKLOAD [flags]

Drives an etcd v3 cluster (etcd or cairn) with etcd's Go client (clientv3) and prints one JSON
line: ops/s, latency percentiles, errors.

WORKLOAD
  put       put a random key of the key space
  range     get a random key (--consistency l: linearizable, s: serializable)
  txn       compare-and-swap put: if mod_revision(key) == the revision last seen, put, else read
            the key and retry; the revisions are read from the whole key space before the clock starts
  preload   put every key of the key space once (Txns of 128 puts), then report the time it took

FLAGS
  --endpoints 127.0.0.1:2379   comma-separated; every connection balances over all of them
  --clients 1                  goroutines, each with one request in flight
  --conns 1                    clientv3 clients (gRPC connections); goroutine i uses conn i % conns
  --key-size 8                 keys are the zero-padded decimal index in the key space
  --val-size 256
  --key-space-size 100000
  --consistency l              l or s (range only)
  --duration 10s               measured time after the warm-up (ignored with --total)
  --warmup 2s                  requests before the measurement, not counted
  --total 0                    requests to measure after the warm-up (0: run for --duration)
  --request-timeout 10s        each request's deadline
  --dial-timeout 5s            each connection's deadline to connect
  --seed 1                     the random key sequence (goroutine i uses seed + i)
`

type config struct {
	workload       string
	endpoints      []string
	clients        int
	conns          int
	keySize        int
	valueSize      int
	keySpace       int
	consistency    string
	duration       time.Duration
	warmup         time.Duration
	total          int
	requestTimeout time.Duration
	dialTimeout    time.Duration
	seed           int64
}

// errHelp says --help was asked for: the usage goes to stdout and the exit status is 0.
var errHelp = errors.New("help requested")

// parseArgs reads WORKLOAD [flags]; flags may also come before the workload.
func parseArgs(args []string) (config, error) {
	cfg := config{}
	flags := flag.NewFlagSet("clientv3-load", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	endpoints := flags.String("endpoints", "127.0.0.1:2379", "")
	flags.IntVar(&cfg.clients, "clients", 1, "")
	flags.IntVar(&cfg.conns, "conns", 1, "")
	flags.IntVar(&cfg.keySize, "key-size", 8, "")
	flags.IntVar(&cfg.valueSize, "val-size", 256, "")
	flags.IntVar(&cfg.keySpace, "key-space-size", 100000, "")
	flags.StringVar(&cfg.consistency, "consistency", "l", "")
	flags.DurationVar(&cfg.duration, "duration", 10*time.Second, "")
	flags.DurationVar(&cfg.warmup, "warmup", 2*time.Second, "")
	flags.IntVar(&cfg.total, "total", 0, "")
	flags.DurationVar(&cfg.requestTimeout, "request-timeout", 10*time.Second, "")
	flags.DurationVar(&cfg.dialTimeout, "dial-timeout", 5*time.Second, "")
	flags.Int64Var(&cfg.seed, "seed", 1, "")
	var positional []string
	for len(args) > 0 {
		if err := flags.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return cfg, errHelp
			}
			return cfg, err
		}
		args = flags.Args()
		if len(args) > 0 {
			positional = append(positional, args[0])
			args = args[1:]
		}
	}
	if len(positional) != 1 {
		return cfg, fmt.Errorf("expected one workload (%s), got %d arguments", strings.Join(workloads, ", "), len(positional))
	}
	cfg.workload = positional[0]
	for _, endpoint := range strings.Split(*endpoints, ",") {
		if endpoint = strings.TrimSpace(endpoint); endpoint != "" {
			cfg.endpoints = append(cfg.endpoints, endpoint)
		}
	}
	return cfg, cfg.validate()
}

func (cfg config) validate() error {
	known := false
	for _, workload := range workloads {
		known = known || cfg.workload == workload
	}
	switch {
	case !known:
		return fmt.Errorf("unknown workload %q (expected %s)", cfg.workload, strings.Join(workloads, ", "))
	case len(cfg.endpoints) == 0:
		return errors.New("--endpoints is empty")
	case cfg.clients < 1 || cfg.conns < 1:
		return fmt.Errorf("--clients (%d) and --conns (%d) must be at least 1", cfg.clients, cfg.conns)
	case cfg.conns > cfg.clients:
		return fmt.Errorf("--conns (%d) cannot exceed --clients (%d): a connection without a client would stay idle", cfg.conns, cfg.clients)
	case cfg.keySize < 1 || cfg.valueSize < 0 || cfg.keySpace < 1:
		return errors.New("--key-size and --key-space-size must be at least 1, --val-size at least 0")
	case len(strconv.Itoa(cfg.keySpace-1)) > cfg.keySize:
		return fmt.Errorf("--key-space-size %d needs keys longer than --key-size %d", cfg.keySpace, cfg.keySize)
	case cfg.consistency != "l" && cfg.consistency != "s":
		return fmt.Errorf("--consistency is l or s, got %q", cfg.consistency)
	case cfg.duration <= 0 || cfg.warmup < 0 || cfg.total < 0:
		return errors.New("--duration must be positive, --warmup and --total at least 0")
	case cfg.requestTimeout <= 0 || cfg.dialTimeout <= 0:
		return errors.New("--request-timeout and --dial-timeout must be positive")
	}
	return nil
}

// keyOf is the key of index i: its decimal digits, zero-padded to keySize bytes, so the key
// space is one contiguous range in key order.
func keyOf(i int, keySize int) string {
	digits := strconv.Itoa(i)
	return strings.Repeat("0", keySize-len(digits)) + digits
}
