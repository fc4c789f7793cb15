/** Buckets, label values as etcd prints them, and leader changes and failed proposals counted the way etcd counts them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterVersion, memberIdHex } from '../../net/http/metrics/member-metrics.js';
import { ServerMetrics } from '../../engine/node/server-metrics.js';
import { ErrKeyNotFound, ErrNoLeader, ErrTimeout } from '../../engine/errors.js';
import { ETCD_DISK_DURATION_BUCKETS_SECONDS, exponentialBuckets } from '../../engine/metrics/buckets.js';
import { Histogram } from '../../engine/metrics/histogram.js';

test('etcd\'s disk duration buckets run from 1 ms to 8.192 s, doubling', () => {
  assert.deepEqual(ETCD_DISK_DURATION_BUCKETS_SECONDS.map(String),
    ['0.001', '0.002', '0.004', '0.008', '0.016', '0.032', '0.064', '0.128', '0.256', '0.512', '1.024', '2.048', '4.096', '8.192']);
  assert.throws(() => exponentialBuckets(0, 2, 3));
  assert.throws(() => exponentialBuckets(1, 1, 3));
});

test('histogram buckets must increase', () => {
  assert.throws(() => new Histogram([0.1, 0.1]), /must increase/);
  assert.throws(() => new Histogram([0.2, 0.1]), /must increase/);
});

test('a leader change is counted each time a known leader differs from the last one seen, losing one included', () => {
  const metrics = new ServerMetrics();
  // none, then 1 (counted), 1 again, none (election), 1 again (counted: etcd counts it too), then 2 (counted).
  for (const leader of [0, 1, 1, 0, 1, 2, 2]) metrics.observeLeader(leader);
  assert.equal(metrics.leaderChanges, 3);
});

test('a proposal that timed out or found no leader is a failed proposal; one its apply refused is not', () => {
  const metrics = new ServerMetrics();
  for (const error of [ErrTimeout, ErrNoLeader, ErrKeyNotFound, new Error('other')]) metrics.observeProposalError(error);
  assert.equal(metrics.proposalsFailed, 2);
});

test('the cluster version label is the API version\'s major.minor, as etcd shows it', () => {
  assert.equal(clusterVersion('3.4.0'), '3.4');
});

test('member ids print as 16 hex digits, as etcd labels them', () => {
  assert.equal(memberIdHex(0x12a2ed4f459e98), '0012a2ed4f459e98');
});
