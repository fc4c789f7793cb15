/** Client processes' reports add up into one result: counts, per-second series with holes, CPU, errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLatencyHistogram, encodeHistogram, recordLatencyMs } from '../../bench/load/latency.js';
import type { ProcessResult } from '../../bench/load/load-process.js';
import { mergeProcessResults } from '../../bench/load/load-runner.js';

function processResult(overrides: Partial<ProcessResult>, latenciesMs: number[]): ProcessResult {
  const histogram = createLatencyHistogram();
  for (const latency of latenciesMs) recordLatencyMs(histogram, latency);
  return {
    processIndex: 0, ops: latenciesMs.length, errors: 0, errorKinds: {}, histogram: encodeHistogram(histogram),
    perSecond: [], measuredSeconds: 2, cpuSeconds: 0, cpuWallSeconds: 0, ...overrides,
  };
}

test('ops, errors, error kinds, latencies and per-second answers add up across processes', () => {
  // Sparse per-second arrays: process 1 answered nothing in second 1.
  const sparse: number[] = [];
  sparse[0] = 5;
  sparse[2] = 7;
  const merged = mergeProcessResults([
    processResult({ errors: 1, errorKinds: { 'etcdserver: too many requests': 1 }, perSecond: [10, 20, 30], cpuSeconds: 1, cpuWallSeconds: 2 }, [1, 2, 3]),
    processResult({ processIndex: 1, errors: 2, errorKinds: { 'etcdserver: too many requests': 2 }, perSecond: sparse, cpuSeconds: 1.5, cpuWallSeconds: 3 }, [4]),
  ]);
  assert.equal(merged.ops, 4);
  assert.equal(merged.errors, 3);
  assert.deepEqual(merged.errorKinds, { 'etcdserver: too many requests': 3 });
  assert.deepEqual(merged.perSecond, [15, 20, 37]);
  assert.equal(merged.latency.count, 4);
  assert.ok(Math.abs(merged.latency.max_ms - 4) < 0.01);
  assert.equal(merged.ops_per_sec, 2);
  // Each process kept half a core busy: one core in all.
  assert.equal(merged.generator.cores, 1);
  assert.equal(merged.generator.cpuSeconds, 2.5);
  assert.equal(merged.generator.processes, 2);
});

test('in count mode the run lasts as long as its slowest process', () => {
  const merged = mergeProcessResults([
    processResult({ measuredSeconds: 1 }, [1, 1]),
    processResult({ processIndex: 1, measuredSeconds: 4 }, [1, 1, 1, 1, 1, 1]),
  ]);
  assert.equal(merged.measuredSeconds, 4);
  assert.equal(merged.ops_per_sec, 2);
});
