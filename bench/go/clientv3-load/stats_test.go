package main

import (
	"testing"
	"time"
)

func TestPercentilesAreNearestRank(t *testing.T) {
	var latencies []time.Duration
	// 1..100 ms, shuffled order: the summary sorts them.
	for i := 100; i >= 1; i-- {
		latencies = append(latencies, time.Duration(i)*time.Millisecond)
	}
	summary := summarizeLatencies(latencies)
	want := latencySummary{Count: 100, MeanMs: 50.5, P50Ms: 50, P90Ms: 90, P99Ms: 99, P999Ms: 100, MaxMs: 100}
	if summary != want {
		t.Fatalf("got %+v, want %+v", summary, want)
	}
}

func TestOneLatencyIsEveryPercentile(t *testing.T) {
	summary := summarizeLatencies([]time.Duration{1500 * time.Microsecond})
	if summary.P50Ms != 1.5 || summary.P999Ms != 1.5 || summary.MaxMs != 1.5 || summary.Count != 1 {
		t.Fatalf("got %+v", summary)
	}
}

func TestNoLatencyIsAllZero(t *testing.T) {
	if summary := summarizeLatencies(nil); summary != (latencySummary{}) {
		t.Fatalf("got %+v", summary)
	}
}
