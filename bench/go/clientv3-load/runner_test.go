package main

import (
	"errors"
	"testing"
	"time"
)

var epoch = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)

func at(ms int) time.Time {
	return epoch.Add(time.Duration(ms) * time.Millisecond)
}

func newRecorder() *recorder {
	return &recorder{errorKinds: map[string]int64{}}
}

func TestDurationModeCountsRequestsThatEndInsideTheWindow(t *testing.T) {
	w := window{begin: at(0), start: at(1000), end: at(3000)}
	r := newRecorder()
	r.record(w, at(900), at(999), outcome{}, nil)   // warm-up: not counted
	r.record(w, at(990), at(1010), outcome{}, nil)  // began in the warm-up, ended inside: counted
	r.record(w, at(2990), at(3000), outcome{}, nil) // ends on the last instant: counted
	r.record(w, at(2995), at(3001), outcome{}, nil) // ended after the window: not counted
	r.record(w, at(1500), at(1600), outcome{}, errors.New("etcdserver: request timed out"))
	if len(r.latencies) != 2 || r.errors != 1 {
		t.Fatalf("latencies %v, errors %d", r.latencies, r.errors)
	}
	if r.latencies[0] != 20*time.Millisecond {
		t.Fatalf("latency of the request that straddled the warm-up: %v", r.latencies[0])
	}
	// Every success lands in its second since the first request, warm-up and overrun included.
	if want := []int64{1, 1, 0, 2}; !equalCounts(r.perSecond, want) {
		t.Fatalf("per second %v, want %v", r.perSecond, want)
	}
}

func TestTotalModeCountsRequestsThatBeginAfterTheWarmup(t *testing.T) {
	w := window{begin: at(0), start: at(1000)}
	r := newRecorder()
	r.record(w, at(990), at(1010), outcome{}, nil)
	r.record(w, at(1000), at(5000), outcome{casRetries: 2}, nil)
	r.record(w, at(5000), at(5001), outcome{emptyRange: true}, nil)
	if len(r.latencies) != 2 || r.casRetries != 2 || r.emptyRanges != 1 || !r.lastEnd.Equal(at(5001)) {
		t.Fatalf("%+v", r)
	}
}

func TestErrorKindsAreBounded(t *testing.T) {
	w := window{begin: at(0), start: at(0), end: at(1000)}
	r := newRecorder()
	for i := 0; i < errorKindsMax+5; i++ {
		r.record(w, at(1), at(2), outcome{}, errors.New(keyOf(i, 8)))
	}
	r.record(w, at(1), at(2), outcome{}, errors.New(keyOf(0, 8)))
	if len(r.errorKinds) != errorKindsMax+1 || r.errorKinds["other"] != 5 || r.errorKinds[keyOf(0, 8)] != 2 {
		t.Fatalf("%v", r.errorKinds)
	}
}

func TestMergeAddsUpGoroutines(t *testing.T) {
	w := window{begin: at(0), start: at(0), end: at(2000)}
	a, b := newRecorder(), newRecorder()
	a.record(w, at(0), at(10), outcome{}, nil)
	a.record(w, at(1000), at(1010), outcome{}, errors.New("etcdserver: too many requests"))
	b.record(w, at(0), at(30), outcome{}, nil)
	b.record(w, at(1500), at(1520), outcome{}, errors.New("etcdserver: too many requests"))
	var result loadResult
	merge(&result, []*recorder{a, b}, w)
	if result.Ops != 2 || result.Errors != 2 || result.OpsPerSec != 1 || result.MeasuredS != 2 ||
		result.ErrorKinds["etcdserver: too many requests"] != 2 || result.Latency.MaxMs != 30 || !equalCounts(result.PerSecond, []int64{2}) {
		t.Fatalf("%+v", result)
	}
}

func equalCounts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
