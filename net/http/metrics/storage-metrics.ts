/**
 * The disk, MVCC and snapshot metrics of one member: etcd's (wal/metrics.go, mvcc/backend/metrics.go,
 * mvcc/metrics.go, snap/metrics.go) where cairn has the same event, and cairn's own for what only
 * its workers have (group commit, ring depth, busy time). The WAL and apply workers keep theirs in
 * shared memory (engine/wal/wal-metrics.ts, engine/mvcc/apply-metrics.ts), so a scrape reads a
 * few hundred bytes and the write path never sends a message for them.
 *
 * Absent, because cairn has no such event: etcd_snap_fsync_duration_seconds (a Raft snapshot is a
 * marker in the WAL, not a .snap file: its fsync is a WAL fsync) and the defrag and hash timings.
 */
import { dbSizeBytes } from '../../../engine/server/maintenance.js';
import type { Member } from '../../../engine/node/member.js';
import type { WalLogStore } from '../../../engine/wal/wal-log-store.js';
import type { Registry } from 'prom-client';
import { counterFunc, gaugeFunc } from './collected-metrics.js';
import { SnapshotHistogram } from './snapshot-histogram.js';

export function registerStorageMetrics(registry: Registry, member: Member, log: WalLogStore): void {
  const wal = log.metrics;
  const apply = member.applier.metrics;
  SnapshotHistogram.registerOne(registry, 'etcd_disk_wal_fsync_duration_seconds', 'The latency distributions of fsync called by WAL.',
    () => wal.snapshot('fsyncSeconds'));
  SnapshotHistogram.registerOne(registry, 'etcd_disk_backend_commit_duration_seconds', 'The latency distributions of commit called by backend.',
    () => apply.snapshot('commitSeconds'));
  gaugeFunc(registry, 'etcd_disk_wal_write_bytes_total', 'Total number of bytes written in WAL.', () => log.stats().bytesWritten);
  SnapshotHistogram.registerOne(registry, 'etcd_snap_db_fsync_duration_seconds', 'The latency distributions of fsyncing .snap.db file',
    () => member.snapshotSaveMetrics().dbFsyncSeconds);
  SnapshotHistogram.registerOne(registry, 'etcd_snap_db_save_total_duration_seconds', 'The total latency distributions of v3 snapshot save',
    () => member.snapshotSaveMetrics().dbSaveSeconds);

  counterFunc(registry, 'etcd_mvcc_put_total', 'Total number of puts seen by this member.', () => apply.get('puts'));
  counterFunc(registry, 'etcd_mvcc_range_total', 'Total number of ranges seen by this member.', () => apply.get('ranges'));
  counterFunc(registry, 'etcd_mvcc_delete_total', 'Total number of deletes seen by this member.', () => apply.get('deletes'));
  counterFunc(registry, 'etcd_mvcc_txn_total', 'Total number of txns seen by this member.', () => apply.get('txns'));
  gaugeFunc(registry, 'etcd_debugging_mvcc_keys_total', 'Total number of keys.', () => apply.get('liveKeys'));
  gaugeFunc(registry, 'etcd_debugging_mvcc_current_revision', 'The current revision of store.', () => member.status().revision);
  gaugeFunc(registry, 'etcd_mvcc_db_total_size_in_bytes', 'Total size of the underlying database physically allocated in bytes.',
    () => dbSizeBytes(member));
  gaugeFunc(registry, 'etcd_mvcc_db_total_size_in_use_in_bytes', 'Total size of the underlying database logically in use in bytes.',
    () => dbSizeBytes(member));

  counterFunc(registry, 'cairn_wal_fsyncs_total', 'fdatasync calls on WAL segment files (one per group commit, one per new segment).',
    () => log.stats().fsyncs);
  counterFunc(registry, 'cairn_wal_batches_total', 'Append batches the WAL made durable.', () => log.stats().batches);
  counterFunc(registry, 'cairn_wal_entries_total', 'Raft entries the WAL made durable.', () => log.stats().entries);
  counterFunc(registry, 'cairn_wal_bytes_written_total', 'Frame bytes written to WAL segments.', () => log.stats().bytesWritten);
  SnapshotHistogram.registerOne(registry, 'cairn_wal_group_commit_entries', 'Raft entries made durable by one group commit (one fdatasync).',
    () => wal.snapshot('groupCommitEntries'));
  SnapshotHistogram.registerOne(registry, 'cairn_wal_ring_depth_records', 'Append batches waiting in the ring each time the WAL worker drained it.',
    () => wal.snapshot('ringDepthRecords'));
  SnapshotHistogram.registerOne(registry, 'cairn_wal_busy_seconds', "The WAL worker's time per group commit: sealing, writing and fdatasync.",
    () => wal.snapshot('busySeconds'));
  SnapshotHistogram.registerOne(registry, 'cairn_apply_ring_depth_records', 'Entries and reads waiting in the ring each time the apply worker drained it.',
    () => apply.snapshot('ringDepthRecords'));
  SnapshotHistogram.registerOne(registry, 'cairn_apply_busy_seconds', "The apply worker's time per batch of entries, its LMDB transaction included.",
    () => apply.snapshot('busySeconds'));
}
