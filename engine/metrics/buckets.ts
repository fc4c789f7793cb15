/**
 * Histogram bucket layouts. The etcd_* histograms use etcd 3.4's own upper bounds, so a dashboard
 * or alert written for etcd reads the same `le` labels (histogram_quantile over etcd's buckets).
 * Engine-level because the WAL and apply workers observe into histograms of these layouts.
 */

/** `count` upper bounds starting at `start`, each `factor` times the last (Prometheus' ExponentialBuckets). */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  if (start <= 0 || factor <= 1 || count < 1) throw new Error('exponentialBuckets needs start > 0, factor > 1, count >= 1');
  const buckets: number[] = [];
  for (let i = 0, bound = start; i < count; i++, bound *= factor) buckets.push(bound);
  return buckets;
}

/** etcd's buckets for WAL fsync, backend commit and snapshot fsync durations: 1 ms .. 8.192 s. */
export const ETCD_DISK_DURATION_BUCKETS_SECONDS = exponentialBuckets(0.001, 2, 14);
/** etcd's buckets for etcd_snap_db_save_total_duration_seconds: 100 ms .. 51.2 s. */
export const ETCD_SNAPSHOT_SAVE_BUCKETS_SECONDS = exponentialBuckets(0.1, 2, 10);
/** etcd's buckets for etcd_network_peer_round_trip_time_seconds: 100 us .. 3.2768 s. */
export const ETCD_PEER_ROUND_TRIP_BUCKETS_SECONDS = exponentialBuckets(0.0001, 2, 16);
/** client_golang's DefBuckets, which go-grpc-prometheus' grpc_server_handling_seconds uses (etcd --metrics extensive). */
export const PROMETHEUS_DEFAULT_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** cairn's own busy-time histograms (a worker's time on one batch): 10 us .. 1.31 s. */
export const WORKER_BUSY_BUCKETS_SECONDS = exponentialBuckets(0.00001, 2, 18);
/** cairn's own size histograms (entries per group commit, per apply batch; ring depth in records): 1 .. 32768. */
export const BATCH_SIZE_BUCKETS = exponentialBuckets(1, 2, 16);
