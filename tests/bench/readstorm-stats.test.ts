/** The read-storm benchmark's percentiles and probe summary: a timed-out probe counts as the whole timeout. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callLatency, percentile, summarizeProbes, type Probe } from '../../bench/readstorm/readstorm-stats.js';

test('percentiles are nearest-rank: p50 of 1..100 is 50, p99 is 99, and an empty list gives 0', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 50), 50);
  assert.equal(percentile(sorted, 99), 99);
  assert.equal(percentile(sorted, 100), 100);
  assert.equal(percentile([7], 99), 7);
  assert.equal(percentile([], 50), 0);
});

test('call latencies are sorted before ranking, whatever order they finished in', () => {
  assert.deepEqual(callLatency([30, 10, 20]), { count: 3, p50_ms: 20, p99_ms: 30, max_ms: 30 });
  assert.deepEqual(callLatency([]), { count: 0, p50_ms: 0, p99_ms: 0, max_ms: 0 });
});

test('probes that timed out or answered unhealthy are failures; only the unanswered ones at the timeout are timeouts', () => {
  const probes: Probe[] = [
    ...Array.from({ length: 97 }, (_, i): Probe => ({ t: i / 10, latency_ms: 2, ok: true, status: 200 })),
    { t: 9.7, latency_ms: 1000, ok: false, status: 503 },
    { t: 9.8, latency_ms: 5000, ok: false, status: null },
    { t: 9.9, latency_ms: 3, ok: false, status: null },
  ];
  const summary = summarizeProbes(probes, 5000);
  assert.equal(summary.count, 100);
  assert.equal(summary.failures, 3);
  assert.equal(summary.timeouts, 1);
  assert.equal(summary.p50_ms, 2);
  assert.equal(summary.p99_ms, 1000);
  assert.equal(summary.max_ms, 5000);
});
