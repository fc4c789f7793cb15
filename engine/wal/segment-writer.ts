/**
 * The WAL worker's view of the segments on disk: it appends commit groups to the current segment
 * (one positioned writev + one fdatasync each), rolls over to a prepared segment when one is full,
 * publishes the durable batch seq, and releases old segments.
 *
 * Every segment begins with a header group: SEGMENT_HEADER, the latest HARD_STATE, the latest
 * SNAPSHOT marker (if any), COMMIT. So the newest snapshot marker and hard state survive the
 * release of every older segment, as in etcd, where each new WAL file starts with the snapshot
 * record and the hard state.
 */
import { closeSync, fdatasyncSync, openSync, renameSync, rmSync, unlinkSync, writeSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import { EMPTY_HARD_STATE, type HardState, type SnapshotMeta } from '../raft/types.js';
import { WalFailedError } from './errors.js';
import {
  chainGroupCrc, COMMIT_FRAME_BYTES, frameBytes, HARD_STATE_FRAME_BYTES, putCommit, putHardState, putSegmentHeader,
  putSnapshot, sealFrame, SEGMENT_HEADER_PAYLOAD_BYTES, snapshotFrameBytes,
} from './frame.js';
import type { SegmentSummary } from './replay.js';
import { prepareSegmentFile, preparingPath, segmentFileName, syncDirectory } from './segment-files.js';
import type { WalMetrics } from './wal-metrics.js';
import { addToSlot, BATCHES_SLOT, BYTES_WRITTEN_SLOT, DURABLE_SEQ_SLOT, ENTRIES_SLOT, FSYNCS_SLOT } from './wal-status.js';

/** Where the WAL stands after replay, to resume writing. */
export interface ResumePoint {
  segments: SegmentSummary[];
  /** Offset in the last segment where its verified data ends. */
  validEnd: number;
  /** End of non-zero bytes after validEnd (a torn tail to wipe), or validEnd. */
  dirtyEnd: number;
  /** The last segment's size: groups must fit in it. */
  segmentSize: number;
  hardState: HardState;
  snapshot: SnapshotMeta | null;
  lastBatchSeq: number;
}

interface CurrentSegment {
  summary: SegmentSummary;
  fd: number;
  sizeBytes: number;
  writeOffset: number;
}

/** Owns the segment files while the WAL is open (worker thread only). */
export class SegmentWriter {
  private readonly segments: SegmentSummary[];
  private current: CurrentSegment;
  private hardState: HardState;
  private snapshot: SnapshotMeta | null;
  private lastBatchSeq: number;
  private next: { segmentNumber: number; fd: Promise<number> } | null = null;
  private readonly commitFrame = new Uint8Array(COMMIT_FRAME_BYTES);
  private readonly commitView = new DataView(this.commitFrame.buffer);

  /** A group fdatasync slower than this is reported to onSlowSync (etcd warns above 1 s). */
  slowSyncMs = Number.POSITIVE_INFINITY;
  onSlowSync: ((tookMs: number) => void) | null = null;

  private constructor(private readonly dir: string, private readonly segmentBytes: number,
    private readonly status: BigInt64Array, private readonly metrics: WalMetrics, resume: ResumePoint, fd: number) {
    this.segments = resume.segments;
    this.hardState = resume.hardState;
    this.snapshot = resume.snapshot;
    this.lastBatchSeq = resume.lastBatchSeq;
    this.current = { summary: this.segments.at(-1)!, fd, sizeBytes: resume.segmentSize, writeOffset: resume.validEnd };
    Atomics.store(status, DURABLE_SEQ_SLOT, BigInt(this.lastBatchSeq));
  }

  /** Continues the last replayed segment, first wiping any torn tail so it can never be misread later. */
  static resume(dir: string, segmentBytes: number, status: BigInt64Array, metrics: WalMetrics, resume: ResumePoint): SegmentWriter {
    const last = resume.segments.at(-1);
    if (last === undefined) throw new WalFailedError('resume needs at least one segment');
    const fd = openSync(join(dir, last.file), 'r+');
    if (resume.dirtyEnd > resume.validEnd) {
      const dirtyBytes = resume.dirtyEnd - resume.validEnd;
      const written = writeSync(fd, new Uint8Array(dirtyBytes), 0, dirtyBytes, resume.validEnd);
      if (written !== dirtyBytes) throw new WalFailedError(`short write of ${written} of ${dirtyBytes} bytes wiping the torn tail of ${last.file}`);
      fdatasyncSync(fd);
    }
    return new SegmentWriter(dir, segmentBytes, status, metrics, resume, fd);
  }

  /** Starts a new WAL in an empty directory: segment 1 holding only its header group. */
  static async create(dir: string, segmentBytes: number, status: BigInt64Array, metrics: WalMetrics): Promise<SegmentWriter> {
    const fd = await prepareSegmentFile(preparingPath(dir, 1), segmentBytes);
    const summary: SegmentSummary = { segmentNumber: 1, file: segmentFileName(1), maxEntryIndex: 0 };
    const writer = new SegmentWriter(dir, segmentBytes, status, metrics, {
      segments: [summary], validEnd: 0, dirtyEnd: 0, segmentSize: segmentBytes, hardState: { ...EMPTY_HARD_STATE }, snapshot: null, lastBatchSeq: 0,
    }, fd);
    writer.installCurrent(writer.current);
    return writer;
  }

  /** True when a group of `groupBytes` (without its commit frame) still fits in the current segment. */
  fits(groupBytes: number): boolean {
    return this.current.writeOffset + groupBytes + COMMIT_FRAME_BYTES <= this.current.sizeBytes;
  }

  /** The most a batch may take so that it fits in a fresh segment after the header group. */
  batchBytesMax(): number {
    return this.segmentBytes - this.headerGroupBytes() - COMMIT_FRAME_BYTES;
  }

  /** Records what a batch placed in the current segment holds, for headers and release. */
  noteEntry(index: number): void {
    if (index > this.current.summary.maxEntryIndex) this.current.summary.maxEntryIndex = index;
  }

  noteHardState(hardState: HardState): void {
    this.hardState = hardState;
  }

  noteSnapshot(snapshot: SnapshotMeta): void {
    this.snapshot = snapshot;
  }

  /** The latest snapshot index written, 0 when none. */
  get snapshotIndex(): number {
    return this.snapshot?.index ?? 0;
  }

  /**
   * Appends frames [start, end) of `buffer` (sealed, checksums chained into `groupCrc`) plus their
   * commit frame to the current segment, makes them durable with ONE fdatasync, and publishes
   * `lastBatchSeq` as durable.
   */
  writeGroup(buffer: Uint8Array, start: number, end: number, groupCrc: number, lastBatchSeq: number,
    batches: number, entries: number): void {
    const groupBytes = end - start;
    if (groupBytes <= 0 || !this.fits(groupBytes) || lastBatchSeq < this.lastBatchSeq) {
      throw new WalFailedError(`invalid group: ${groupBytes} bytes at ${this.current.writeOffset}, seq ${lastBatchSeq}`);
    }
    putCommit(this.commitFrame, this.commitView, 0, groupBytes, groupCrc, lastBatchSeq);
    const written = writevSync(this.current.fd, [buffer.subarray(start, end), this.commitFrame], this.current.writeOffset);
    if (written !== groupBytes + COMMIT_FRAME_BYTES) throw new WalFailedError(`short write of ${written} bytes`);
    this.timedFdatasync(this.current.fd);
    this.metrics.observe('groupCommitEntries', entries);
    this.current.writeOffset += written;
    this.lastBatchSeq = lastBatchSeq;
    addToSlot(this.status, FSYNCS_SLOT, 1);
    addToSlot(this.status, BATCHES_SLOT, batches);
    addToSlot(this.status, ENTRIES_SLOT, entries);
    addToSlot(this.status, BYTES_WRITTEN_SLOT, written);
    Atomics.store(this.status, DURABLE_SEQ_SLOT, BigInt(lastBatchSeq));
    Atomics.notify(this.status, DURABLE_SEQ_SLOT);
  }

  /** Starts zero-filling the next segment in the background, so a rollover rarely waits. */
  prepareNext(): void {
    if (this.next !== null) return;
    const segmentNumber = this.current.summary.segmentNumber + 1;
    const fd = prepareSegmentFile(preparingPath(this.dir, segmentNumber), this.segmentBytes);
    // A failure surfaces when the rollover awaits it; this only keeps it from being "unhandled" meanwhile.
    fd.catch(() => {});
    this.next = { segmentNumber, fd };
  }

  /** Closes the full current segment and continues in the next one (already durable and renamed on return). */
  async rollover(): Promise<void> {
    this.prepareNext();
    const next = this.next!;
    this.next = null;
    const fd = await next.fd;
    const summary: SegmentSummary = { segmentNumber: next.segmentNumber, file: segmentFileName(next.segmentNumber), maxEntryIndex: 0 };
    closeSync(this.current.fd);
    this.segments.push(summary);
    this.installCurrent({ summary, fd, sizeBytes: this.segmentBytes, writeOffset: 0 });
    this.prepareNext();
  }

  /** Writes the header group into a prepared file, syncs it, renames it into place and syncs the directory. */
  private installCurrent(current: CurrentSegment): void {
    const bytes = new Uint8Array(this.headerGroupBytes());
    const view = new DataView(bytes.buffer);
    let at = putSegmentHeader(view, 0, current.summary.segmentNumber);
    at = putHardState(view, at, this.hardState);
    if (this.snapshot !== null) at = putSnapshot(view, at, this.snapshot);
    let groupCrc = 0;
    for (let frame = 0; frame < at;) {
      const size = sealFrame(bytes, view, frame);
      groupCrc = chainGroupCrc(groupCrc, bytes, frame);
      frame += size;
    }
    putCommit(bytes, view, at, at, groupCrc, this.lastBatchSeq);
    const written = writeSync(current.fd, bytes, 0, bytes.length, 0);
    if (written !== bytes.length) throw new WalFailedError(`short write of ${written} of ${bytes.length} header bytes in ${current.summary.file}`);
    this.timedFdatasync(current.fd);
    addToSlot(this.status, FSYNCS_SLOT, 1);
    addToSlot(this.status, BYTES_WRITTEN_SLOT, bytes.length);
    renameSync(preparingPath(this.dir, current.summary.segmentNumber), join(this.dir, current.summary.file));
    syncDirectory(this.dir);
    current.writeOffset = bytes.length;
    this.current = current;
  }

  /**
   * fdatasync, timed for etcd_disk_wal_fsync_duration_seconds (etcd times each WAL fsync alone),
   * and reported when slower than etcd's warning threshold ("slow fdatasync").
   */
  private timedFdatasync(fd: number): void {
    const start = performance.now();
    fdatasyncSync(fd);
    const syncMs = performance.now() - start;
    this.metrics.observe('fsyncSeconds', syncMs / 1000);
    if (syncMs > this.slowSyncMs) this.onSlowSync?.(syncMs);
  }

  private headerGroupBytes(): number {
    return frameBytes(SEGMENT_HEADER_PAYLOAD_BYTES) + HARD_STATE_FRAME_BYTES +
      (this.snapshot === null ? 0 : snapshotFrameBytes(this.snapshot)) + COMMIT_FRAME_BYTES;
  }

  /**
   * Deletes the oldest segments while every entry in them lies below `index`, never the current
   * one. Returns how many were deleted. The caller guarantees a durable snapshot covers index - 1.
   */
  releaseBefore(index: number): number {
    if (index > this.snapshotIndex + 1) {
      throw new WalFailedError(`cannot release before ${index}: the latest snapshot covers only up to ${this.snapshotIndex}`);
    }
    let released = 0;
    while (this.segments.length > 1 && this.segments[0]!.maxEntryIndex < index) {
      unlinkSync(join(this.dir, this.segments[0]!.file));
      this.segments.shift();
      released++;
    }
    if (released > 0) syncDirectory(this.dir);
    return released;
  }

  /** Closes the current segment and drops the prepared one. */
  async close(): Promise<void> {
    closeSync(this.current.fd);
    if (this.next === null) return;
    const next = this.next;
    this.next = null;
    const fd = await next.fd.catch(() => null);
    if (fd !== null) closeSync(fd);
    rmSync(preparingPath(this.dir, next.segmentNumber), { force: true });
  }
}
