/**
 * What the WAL worker measures about its write path, in shared memory (engine/metrics/shared-metrics.ts):
 * one set of observations per group commit, never per entry, read by /metrics at scrape time.
 */
import { BATCH_SIZE_BUCKETS, ETCD_DISK_DURATION_BUCKETS_SECONDS, WORKER_BUSY_BUCKETS_SECONDS } from '../metrics/buckets.js';
import { COUNT_SUM_SCALE, SECONDS_SUM_SCALE, SharedMetrics } from '../metrics/shared-metrics.js';

export const WAL_METRICS_SPEC = {
  counters: [],
  histograms: {
    /** Each fdatasync of a segment (etcd_disk_wal_fsync_duration_seconds: etcd times its fsync alone too). */
    fsyncSeconds: { upperBounds: ETCD_DISK_DURATION_BUCKETS_SECONDS, sumScale: SECONDS_SUM_SCALE },
    /** Raft entries made durable by one group commit (one fdatasync). */
    groupCommitEntries: { upperBounds: BATCH_SIZE_BUCKETS, sumScale: COUNT_SUM_SCALE },
    /** Batches waiting in the ring when the worker drained it: how far the main thread ran ahead. */
    ringDepthRecords: { upperBounds: BATCH_SIZE_BUCKETS, sumScale: COUNT_SUM_SCALE },
    /** The worker's time from draining the ring to publishing the group durable (seal, write, fdatasync). */
    busySeconds: { upperBounds: WORKER_BUSY_BUCKETS_SECONDS, sumScale: SECONDS_SUM_SCALE },
  },
} as const;

export type WalMetrics = SharedMetrics<never, keyof typeof WAL_METRICS_SPEC.histograms>;
