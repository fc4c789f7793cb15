package main

import (
	"math"
	"sort"
	"time"
)

// latencySummary has the fields of bench/load/latency.ts's LatencySummary, so the TypeScript
// side reads this program's latencies and its own load generator's alike.
type latencySummary struct {
	Count  int     `json:"count"`
	MeanMs float64 `json:"mean_ms"`
	P50Ms  float64 `json:"p50_ms"`
	P90Ms  float64 `json:"p90_ms"`
	P99Ms  float64 `json:"p99_ms"`
	P999Ms float64 `json:"p999_ms"`
	MaxMs  float64 `json:"max_ms"`
}

// summarizeLatencies sorts latencies (in place) and takes nearest-rank percentiles: the
// percentile p is the smallest latency that at least p% of the requests did not exceed.
func summarizeLatencies(latencies []time.Duration) latencySummary {
	if len(latencies) == 0 {
		return latencySummary{}
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	var total time.Duration
	for _, latency := range latencies {
		total += latency
	}
	at := func(percentile float64) float64 {
		rank := int(math.Ceil(percentile / 100 * float64(len(latencies))))
		if rank < 1 {
			rank = 1
		}
		return milliseconds(latencies[rank-1])
	}
	return latencySummary{
		Count:  len(latencies),
		MeanMs: milliseconds(total) / float64(len(latencies)),
		P50Ms:  at(50),
		P90Ms:  at(90),
		P99Ms:  at(99),
		P999Ms: at(99.9),
		MaxMs:  milliseconds(latencies[len(latencies)-1]),
	}
}

func milliseconds(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}
