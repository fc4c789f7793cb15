/**
 * The WAL as the member's LogStore port (engine/node/ports.ts): a Ready's writes go into the WAL
 * worker's ring, split into batches the ring takes and waiting for room when it is full.
 */
import type { LogStore } from '../node/ports.js';
import type { Entry, HardState, SnapshotMeta } from '../raft/types.js';
import { entryFrameBytes } from './frame.js';
import { batchBytes, type Wal } from './wal.js';
import type { WalMetrics } from './wal-metrics.js';
import type { WalStats } from './wal-status.js';

/** Room asked for before a snapshot marker is written again into a full ring. */
const SNAPSHOT_MARKER_ROOM_BYTES = 1024;

export class WalLogStore implements LogStore {
  /** The newest snapshot marker written: an older one must never follow it (replay takes the last). */
  private newestMarker = { index: 0, seq: 0 };

  constructor(private readonly wal: Wal) {}

  /**
   * Appends entries in WAL-sized batches (the hard state rides with the last); resolves with the
   * last batch's seq. A Ready normally fits one batch; only a very large one is split.
   */
  async append(entries: readonly Entry[], hardState: HardState | undefined): Promise<number> {
    const wal = this.wal;
    const fixedBytes = batchBytes([], hardState);
    let start = 0;
    let lastSeq = 0;
    do {
      let end = start;
      let bytes = fixedBytes;
      while (end < entries.length) {
        const entryBytes = entryFrameBytes(entries[end]!);
        if (end > start && bytes + entryBytes > wal.batchBytesMax) break;
        bytes += entryBytes;
        end++;
      }
      const batch = start === 0 && end === entries.length ? entries : entries.slice(start, end);
      const withHardState = end === entries.length ? hardState : undefined;
      let seq = wal.append(batch, withHardState);
      while (seq === null) {
        await wal.whenWritable(bytes);
        seq = wal.append(batch, withHardState);
      }
      lastSeq = seq;
      start = end;
    } while (start < entries.length);
    return lastSeq;
  }

  /**
   * Writes a snapshot marker, waiting for room. A marker below one already written (a snapshot
   * taken here that a newer one from the leader overtook while it waited) is not written: the
   * newer marker's seq is returned instead.
   */
  async saveSnapshot(meta: SnapshotMeta): Promise<number> {
    for (;;) {
      if (meta.index <= this.newestMarker.index) return this.newestMarker.seq;
      const seq = this.wal.saveSnapshot(meta);
      if (seq !== null) {
        this.newestMarker = { index: meta.index, seq };
        return seq;
      }
      await this.wal.whenWritable(SNAPSHOT_MARKER_ROOM_BYTES);
    }
  }

  whenDurable(seq: number): Promise<void> {
    return this.wal.whenDurable(seq);
  }

  releaseBefore(index: number): Promise<number> {
    return this.wal.releaseBefore(index);
  }

  whenFailed(): Promise<never> {
    return this.wal.whenFailed();
  }

  close(): Promise<void> {
    return this.wal.close();
  }

  /** What the WAL worker measures: fsync durations, group-commit sizes (for /metrics). */
  get metrics(): WalMetrics {
    return this.wal.metrics;
  }

  /** The write path's counters: fsyncs, batches, entries. */
  stats(): WalStats {
    return this.wal.stats();
  }
}
