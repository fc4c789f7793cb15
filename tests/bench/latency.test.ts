/** Latency histograms merged across processes hold every request; the open-loop schedule counts queueing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLatencyHistogram, encodeHistogram, mergeHistograms, recordLatencyMs, summarize } from '../../bench/load/latency.js';
import { dueCount, indexesBefore, intendedSendMs, openLoopLatencyMs } from '../../bench/load/open-loop.js';

test('merging encoded histograms gives the percentiles of all their values together', () => {
  const fast = createLatencyHistogram();
  const slow = createLatencyHistogram();
  for (let i = 1; i <= 900; i++) recordLatencyMs(fast, 1);
  for (let i = 1; i <= 100; i++) recordLatencyMs(slow, 100);
  const merged = summarize(mergeHistograms([encodeHistogram(fast), encodeHistogram(slow)]));
  assert.equal(merged.count, 1000);
  // 90% of requests took 1 ms: p50 and p90 are 1 ms, p99 is in the slow process's 100 ms.
  assert.ok(Math.abs(merged.p50_ms - 1) < 0.01, `p50 ${merged.p50_ms}`);
  assert.ok(Math.abs(merged.p90_ms - 1) < 0.01, `p90 ${merged.p90_ms}`);
  assert.ok(Math.abs(merged.p99_ms - 100) < 0.1, `p99 ${merged.p99_ms}`);
  assert.ok(Math.abs(merged.max_ms - 100) < 0.1, `max ${merged.max_ms}`);
  // An average of per-process p99s would have said ~50 ms: merging is not averaging.
});

test('an empty run summarizes to zeros, and sub-microsecond latencies count as 1 us', () => {
  assert.deepEqual(summarize(createLatencyHistogram()), { count: 0, mean_ms: 0, p50_ms: 0, p90_ms: 0, p99_ms: 0, p999_ms: 0, max_ms: 0 });
  const histogram = createLatencyHistogram();
  recordLatencyMs(histogram, 0.0001);
  assert.equal(histogram.maxValue, 1);
});

test('the open-loop schedule spaces requests 1000/rate ms apart from the start', () => {
  assert.equal(intendedSendMs(1000, 100, 0), 1000);
  assert.equal(intendedSendMs(1000, 100, 5), 1050);
  assert.equal(dueCount(1000, 100, 999), 0);
  assert.equal(dueCount(1000, 100, 1000), 1);
  assert.equal(dueCount(1000, 100, 1049.9), 5);
  assert.equal(dueCount(1000, 100, 1050), 6);
  assert.equal(indexesBefore(1000, 100, 1050), 5);
  assert.equal(indexesBefore(1000, 100, 1000), 0);
});

test('a stall is charged to every request that should have been sent during it (coordinated omission)', () => {
  // 1000 req/s; the server stalls from 0 to 100 ms and then answers everything instantly.
  const rate = 1000;
  const stallEndMs = 100;
  const histogram = createLatencyHistogram();
  for (let index = 0; index < indexesBefore(0, rate, stallEndMs); index++) {
    const intended = intendedSendMs(0, rate, index);
    // The client could not send before the stall ended (no free slot), yet latency counts from the intended time.
    recordLatencyMs(histogram, openLoopLatencyMs(intended, stallEndMs));
  }
  const summary = summarize(histogram);
  assert.equal(summary.count, 100);
  // A closed-loop view would have recorded one 100 ms request; here half the requests waited 50 ms or more.
  assert.ok(Math.abs(summary.p50_ms - 50) <= 1, `p50 ${summary.p50_ms}`);
  assert.ok(Math.abs(summary.max_ms - 100) <= 0.1, `max ${summary.max_ms}`);
});
