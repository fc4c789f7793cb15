/** Worker-side metrics in shared memory: what one thread observes, another reads, in etcd's bucket layout. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { COUNT_SUM_SCALE, SECONDS_SUM_SCALE, SharedMetrics, bucketIndex } from '../../engine/metrics/shared-metrics.js';
import { ETCD_DISK_DURATION_BUCKETS_SECONDS } from '../../engine/metrics/buckets.js';

const SPEC = {
  counters: ['puts', 'keys'],
  histograms: {
    fsync: { upperBounds: ETCD_DISK_DURATION_BUCKETS_SECONDS, sumScale: SECONDS_SUM_SCALE },
    size: { upperBounds: [1, 2, 4], sumScale: COUNT_SUM_SCALE },
  },
} as const;

test('a value goes to the first bucket whose bound holds it; above every bound it is +Inf', () => {
  assert.equal(bucketIndex([1, 2, 4], 0), 0);
  assert.equal(bucketIndex([1, 2, 4], 1), 0);
  assert.equal(bucketIndex([1, 2, 4], 1.5), 1);
  assert.equal(bucketIndex([1, 2, 4], 4), 2);
  assert.equal(bucketIndex([1, 2, 4], 4.1), 3);
});

test('counters and histograms observed on one thread are read on another through the same buffer', async () => {
  const metrics = SharedMetrics.create(SPEC);
  // The worker builds its own view from the spec and the buffer, as the WAL and apply workers do.
  const worker = new Worker(`
    const { workerData } = require('node:worker_threads');
    const slots = new BigInt64Array(workerData);
    Atomics.add(slots, 0, 3n);
    Atomics.store(slots, 1, 42n);
  `, { eval: true, workerData: metrics.buffer });
  await new Promise((resolve) => worker.once('exit', resolve));
  assert.equal(metrics.get('puts'), 3);
  assert.equal(metrics.get('keys'), 42);
  for (const seconds of [0.0004, 0.0015, 0.0015, 9]) metrics.observe('fsync', seconds);
  const fsync = metrics.snapshot('fsync');
  assert.equal(fsync.count, 4);
  assert.equal(fsync.bucketCounts.length, ETCD_DISK_DURATION_BUCKETS_SECONDS.length + 1);
  assert.equal(fsync.bucketCounts[0], 1);
  assert.equal(fsync.bucketCounts[1], 2);
  assert.equal(fsync.bucketCounts.at(-1), 1);
  assert.ok(Math.abs(fsync.sum - 9.0034) < 1e-9);
  metrics.observe('size', 3);
  assert.deepEqual(metrics.snapshot('size'), { upperBounds: [1, 2, 4], bucketCounts: [0, 0, 1, 0], sum: 3, count: 1 });
});

test('a view over a buffer of another layout is refused', () => {
  const metrics = SharedMetrics.create(SPEC);
  assert.throws(() => new SharedMetrics({ counters: ['puts'], histograms: {} }, metrics.buffer), /does not match/);
});
