/**
 * Rebuilds the Raft log from verified segments, oldest first, as etcd's WAL ReadAll does:
 * - the latest HARD_STATE frame wins;
 * - the latest SNAPSHOT frame wins, and entries at or below its index are dropped;
 * - an entry at index i supersedes every earlier-written entry with index >= i
 *   (a follower overwriting a conflicting suffix: truncate, then append).
 * The result is the log contiguous from snapshot.index + 1; anything else is corruption.
 */
import { basename } from 'node:path';
import type { Entry, HardState, SnapshotMeta } from '../raft/types.js';
import { EMPTY_HARD_STATE } from '../raft/types.js';
import { WalCorruptionError } from './errors.js';
import { FrameType, readEntry, readHardState, readSegmentHeader, readSnapshot } from './frame.js';
import { hasCommittedGroupAfter, type SegmentScan, scanSegment } from './segment-scan.js';

/** What the WAL held when it was opened. */
export interface WalReplay {
  /** The latest hard state written (EMPTY_HARD_STATE for a new WAL). */
  hardState: HardState;
  /** The latest snapshot marker written, or null. */
  snapshot: SnapshotMeta | null;
  /** The log after the snapshot: contiguous, starting at snapshot.index + 1 (or 1). */
  entries: Entry[];
}

/** What the WAL worker keeps about each segment it replayed. */
export interface SegmentSummary {
  segmentNumber: number;
  file: string;
  /** The highest entry index written into the segment, 0 when none; decides when it may be released. */
  maxEntryIndex: number;
}

/** Feeds segments in order through `replaySegment`, then calls `finish`. */
export class LogReplayer {
  private hardState: HardState = { ...EMPTY_HARD_STATE };
  private snapshot: SnapshotMeta | null = null;
  /** The log is entries[first..]; dropping a prefix moves `first` instead of shifting the array. */
  private entries: Entry[] = [];
  private first = 0;
  /** Where the current log's first entry was read, to name it if the log turns out not to start right. */
  private logStartedAt: { path: string; offset: number } | null = null;
  private lastBatchSeq: number | null = null;
  readonly segments: SegmentSummary[] = [];

  /** The batch sequence number of the last verified group, 0 for an empty WAL. */
  get lastSeq(): number {
    return this.lastBatchSeq ?? 0;
  }

  /**
   * Verifies and applies one segment read from `path` (named in errors). `isLast` allows a torn tail (returned in the scan for the
   * caller to truncate); anywhere else, damage throws WalCorruptionError.
   */
  replaySegment(path: string, segmentNumber: number, bytes: Uint8Array, isLast: boolean): SegmentScan {
    const scan = scanSegment(bytes);
    if (scan.damage !== null && (!isLast || hasCommittedGroupAfter(bytes, scan.damage.offset + 8, scan.dirtyEnd))) {
      throw new WalCorruptionError(path, scan.damage.offset,
        `${scan.damage.reason}${isLast ? ', followed by committed data' : ' (not the last segment)'}`);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const headerOffset = scan.frameOffsets[0];
    if (headerOffset === undefined || bytes[headerOffset] !== FrameType.SegmentHeader) {
      throw new WalCorruptionError(path, 0, 'segment does not start with a committed segment header');
    }
    const header = readSegmentHeader(view, headerOffset);
    if (header === null || header.segmentNumber !== segmentNumber) {
      throw new WalCorruptionError(path, 0, `segment header does not name segment ${segmentNumber}`);
    }
    if (this.lastBatchSeq !== null && scan.firstCommitSeq !== this.lastBatchSeq) {
      throw new WalCorruptionError(path, 0,
        `segment starts after batch ${scan.firstCommitSeq} but the previous segment ends at batch ${this.lastBatchSeq}`);
    }
    const summary: SegmentSummary = { segmentNumber, file: basename(path), maxEntryIndex: 0 };
    for (let i = 1; i < scan.frameOffsets.length; i++) {
      const offset = scan.frameOffsets[i]!;
      switch (bytes[offset]) {
        case FrameType.Entry: {
          const entry = readEntry(bytes, view, offset);
          this.appendEntry(entry, path, offset);
          summary.maxEntryIndex = Math.max(summary.maxEntryIndex, entry.index);
          break;
        }
        case FrameType.HardState: this.hardState = readHardState(view, offset); break;
        case FrameType.Snapshot: this.applySnapshot(readSnapshot(view, offset)); break;
        default: throw new WalCorruptionError(path, offset, `unexpected frame type ${bytes[offset]} after the segment header`);
      }
    }
    this.lastBatchSeq = scan.lastCommitSeq;
    this.segments.push(summary);
    return scan;
  }

  private appendEntry(entry: Entry, path: string, offset: number): void {
    const length = this.entries.length - this.first;
    if (length === 0) {
      this.entries = [entry];
      this.first = 0;
      this.logStartedAt = { path, offset };
      return;
    }
    const firstIndex = this.entries[this.first]!.index;
    const lastIndex = firstIndex + length - 1;
    if (entry.index > lastIndex + 1) {
      throw new WalCorruptionError(path, offset, `entry ${entry.index} leaves a gap after entry ${lastIndex}`);
    }
    if (entry.index < firstIndex) {
      this.entries = [entry];
      this.first = 0;
      this.logStartedAt = { path, offset };
      return;
    }
    this.entries.length = this.first + (entry.index - firstIndex);
    this.entries.push(entry);
  }

  private applySnapshot(meta: SnapshotMeta): void {
    this.snapshot = meta;
    while (this.first < this.entries.length && this.entries[this.first]!.index <= meta.index) this.first++;
    // Compact now and then so a long replay does not keep every dropped entry alive.
    if (this.first > 1024 && this.first * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.first);
      this.first = 0;
    }
  }

  /** The replayed state; throws WalCorruptionError when the log does not start right after the snapshot. */
  finish(): WalReplay {
    const snapshotIndex = this.snapshot?.index ?? 0;
    const entries = this.entries.slice(this.first).filter((entry) => entry.index > snapshotIndex);
    if (entries.length > 0 && entries[0]!.index !== snapshotIndex + 1) {
      const at = this.logStartedAt!;
      throw new WalCorruptionError(at.path, at.offset,
        `log starts at entry ${entries[0]!.index} but the snapshot covers only up to ${snapshotIndex}`);
    }
    return { hardState: this.hardState, snapshot: this.snapshot, entries };
  }
}
