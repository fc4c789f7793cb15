/**
 * What the apply worker measures, in shared memory (engine/metrics/shared-metrics.ts): LMDB commit
 * durations, its busy time and ring depth per batch, and etcd's MVCC op counts and live keys,
 * published once per batch. /metrics reads them at scrape time.
 */
import { BATCH_SIZE_BUCKETS, ETCD_DISK_DURATION_BUCKETS_SECONDS, WORKER_BUSY_BUCKETS_SECONDS } from '../metrics/buckets.js';
import { COUNT_SUM_SCALE, SECONDS_SUM_SCALE, SharedMetrics } from '../metrics/shared-metrics.js';

/** etcd's warnApplyDuration: an apply slower than this is "slow" (etcd logs "apply request took too long"). */
export const SLOW_APPLY_SECONDS = 0.1;

export const APPLY_METRICS_SPEC = {
  /**
   * etcd_mvcc_{put,range,delete,txn}_total (op-counts.ts), etcd_debugging_mvcc_keys_total (a gauge),
   * and etcd_server_slow_apply_total: batches that took longer than SLOW_APPLY_SECONDS.
   */
  counters: ['puts', 'ranges', 'deletes', 'txns', 'liveKeys', 'slowApplies'],
  histograms: {
    /** Each LMDB write transaction's commit (etcd_disk_backend_commit_duration_seconds). */
    commitSeconds: { upperBounds: ETCD_DISK_DURATION_BUCKETS_SECONDS, sumScale: SECONDS_SUM_SCALE },
    /** Records (entries, reads) waiting in the entry ring when the worker drained it. */
    ringDepthRecords: { upperBounds: BATCH_SIZE_BUCKETS, sumScale: COUNT_SUM_SCALE },
    /** The worker's time applying one batch of entries and reporting it (LMDB transaction included). */
    busySeconds: { upperBounds: WORKER_BUSY_BUCKETS_SECONDS, sumScale: SECONDS_SUM_SCALE },
  },
} as const;

export type ApplyMetrics = SharedMetrics<(typeof APPLY_METRICS_SPEC.counters)[number], keyof typeof APPLY_METRICS_SPEC.histograms>;
