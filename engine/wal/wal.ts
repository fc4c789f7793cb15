/**
 * The write-ahead log, main-thread side. Raft hands it entries, hard states and snapshot markers;
 * a dedicated worker makes them durable.
 *
 * Data path (no postMessage): `append` encodes the batch into a ring record and publishes it
 * (one Atomics.store + notify). The worker takes everything pending, writes it as one group and
 * issues ONE fdatasync for the lot, then stores the highest durable batch seq in a shared slot
 * and notifies. `whenDurable` sleeps on that slot with Atomics.waitAsync. A full ring is
 * backpressure: `append` returns null and the caller awaits `whenWritable`.
 *
 * Ordering: batch seqs are assigned in append order, the worker writes batches in ring order,
 * and a seq is published only after the fdatasync covering it returns. So `durableSeq >= s`
 * means batch s and every batch before it are on disk. Raft's rule "persist before you send"
 * is `await wal.whenDurable(seq)` before sending the messages of that Ready.
 *
 * Control (open, release, close, failures) uses postMessage. See frame.ts for the on-disk format,
 * replay.ts for the replay rules, segment-writer.ts for segments and what survives a release.
 */
import { Worker } from 'node:worker_threads';
import type { Entry, HardState, SnapshotMeta } from '../raft/types.js';
import { createRingBuffer, RingWriter } from '../ring/byte-ring.js';
import { batchBytes, encodeAppend, encodeSnapshot, snapshotBatchBytes } from './batch.js';
import { errorFromWire, WalFailedError } from './errors.js';
import type { WalReplay } from './replay.js';
import { createStatusBuffer, DURABLE_SEQ_SLOT, loadSlot, readStats, type WalStats } from './wal-status.js';
import type { WalCommand, WalEvent, WalWorkerData } from './wal-protocol.js';
import { SharedMetrics } from '../metrics/shared-metrics.js';
import { WAL_METRICS_SPEC, type WalMetrics } from './wal-metrics.js';

export type { WalReplay } from './replay.js';
export type { WalStats } from './wal-status.js';
export { batchBytes, snapshotBatchBytes } from './batch.js';
export { WalCorruptionError, WalFailedError } from './errors.js';

/** 64 MiB, as etcd: ~260 ms of sequential writing per segment at 245 MB/s. */
export const SEGMENT_BYTES_DEFAULT = 64 * 1024 * 1024;
/** Small enough for tests of rollover, large enough for a header group with a full snapshot marker. */
export const SEGMENT_BYTES_MIN = 128 * 1024;
/** 16 MiB of batches in flight: ~65 ms of disk bandwidth, and batches up to 8 MiB. */
export const RING_BYTES_DEFAULT = 4 * 1024 * 1024;
const RING_HEADER_BYTES = 4;

/** Where and how big. `ringBytes` must be a power of two. */
export interface WalOptions {
  dir: string;
  segmentBytes?: number;
  ringBytes?: number;
  /** A group fdatasync slower than this is reported to onSlowSync; etcd's warnSyncDuration, 1 s, by default. */
  slowSyncMs?: number;
  /** Hears of each slow fdatasync (etcd logs "slow fdatasync"). */
  onSlowSync?: (tookMs: number, expectedMs: number) => void;
}

/** etcd's warnSyncDuration: an fdatasync slower than this is worth a warning. */
export const SLOW_SYNC_MS_DEFAULT = 1000;

interface DurableWaiter {
  seq: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class Wal {
  /** The largest ring record (batchBytes) one append or snapshot marker may take. */
  readonly batchBytesMax: number;
  private readonly writer: RingWriter;
  private readonly status: BigInt64Array;
  private readonly ringCapacityBytes: number;
  private scratch = new Uint8Array(4096);
  private nextSeq: number;
  private lastIndex: number;
  private snapshotIndex: number;
  private snapshotSeq = 0;
  /** Sorted by seq. */
  private readonly waiters: DurableWaiter[] = [];
  private watching = false;
  private readonly releases = new Map<number, { resolve: (segments: number) => void; reject: (error: Error) => void }>();
  private nextReleaseId = 1;
  private failure: Error | null = null;
  private closing: Promise<void> | null = null;
  private closed = false;
  private onClosed: { resolve: () => void; reject: (error: Error) => void } | null = null;
  /** Rejects when the WAL fails, so anything waiting on the ring stops waiting. */
  private readonly failed: Promise<never>;
  private rejectFailed!: (error: Error) => void;

  private constructor(private readonly worker: Worker, private readonly onSlowSync: ((tookMs: number) => void) | null,
    ring: SharedArrayBuffer, status: SharedArrayBuffer, readonly metrics: WalMetrics,
    opened: Extract<WalEvent, { type: 'opened' }>, segmentBytes: number) {
    this.writer = new RingWriter(ring);
    this.status = new BigInt64Array(status);
    // The ring is still empty here, so its free space is its whole data capacity.
    this.ringCapacityBytes = this.writer.freeBytes();
    // Frames are 8-byte multiples, so is every batch: a limit that is not would be unreachable.
    this.batchBytesMax = Math.floor(Math.min(this.writer.recordBytesMax, segmentBytes / 2) / 8) * 8;
    this.nextSeq = opened.lastBatchSeq + 1;
    const { entries, snapshot } = opened.replay;
    this.snapshotIndex = snapshot?.index ?? 0;
    this.lastIndex = entries.at(-1)?.index ?? this.snapshotIndex;
    worker.on('message', (event: WalEvent) => this.onEvent(event));
    worker.on('error', (error) => this.fail(new WalFailedError(`worker crashed: ${error.message}`)));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(new WalFailedError(`worker exited with code ${code}`));
    });
    this.failed = new Promise<never>((_, reject) => { this.rejectFailed = reject; });
    this.failed.catch(() => {});
  }

  /**
   * Opens (or creates) the WAL in `options.dir`, verifies and replays every segment, truncates a
   * torn tail, and starts the worker. Rejects with WalCorruptionError when a segment is damaged
   * anywhere but its unsynced tail.
   */
  static async open(options: WalOptions): Promise<{ wal: Wal; replay: WalReplay }> {
    const segmentBytes = options.segmentBytes ?? SEGMENT_BYTES_DEFAULT;
    if (!Number.isInteger(segmentBytes) || segmentBytes < SEGMENT_BYTES_MIN || segmentBytes % 8 !== 0) {
      throw new RangeError(`segmentBytes must be a multiple of 8 of at least ${SEGMENT_BYTES_MIN}, got ${segmentBytes}`);
    }
    const ring = createRingBuffer(options.ringBytes ?? RING_BYTES_DEFAULT);
    const status = createStatusBuffer();
    const metrics = SharedMetrics.create(WAL_METRICS_SPEC);
    const slowSyncMs = options.slowSyncMs ?? SLOW_SYNC_MS_DEFAULT;
    const workerData: WalWorkerData = { dir: options.dir, segmentBytes, ring, status, metrics: metrics.buffer, slowSyncMs };
    const worker = new Worker(new URL('./wal-worker.js', import.meta.url), { workerData });
    const opened = await new Promise<WalEvent>((resolve, reject) => {
      const onExit = (code: number): void => reject(new WalFailedError(`worker exited with code ${code} while opening`));
      worker.once('message', (event: WalEvent) => {
        // Only our own listeners: Worker keeps internal ones that must stay.
        worker.off('error', reject);
        worker.off('exit', onExit);
        resolve(event);
      });
      worker.once('error', reject);
      worker.once('exit', onExit);
    });
    if (opened.type !== 'opened') {
      await worker.terminate();
      throw opened.type === 'failed' ? errorFromWire(opened.error) : new WalFailedError(`unexpected ${opened.type} on open`);
    }
    const onSlowSync = options.onSlowSync === undefined ? null : (tookMs: number) => options.onSlowSync!(tookMs, slowSyncMs);
    const wal = new Wal(worker, onSlowSync, ring, status, metrics, opened, segmentBytes);
    return { wal, replay: opened.replay };
  }

  /**
   * Queues a batch: `entries` (contiguous indexes; the first may overwrite a suffix, i.e. it must
   * lie in (snapshot index, last index + 1]) then `hardState`. Returns the batch seq to pass to
   * whenDurable, or null when the ring is full: await whenWritable(batchBytes(entries, hardState))
   * and call again, before appending anything else, to keep the order.
   */
  append(entries: readonly Entry[], hardState?: HardState): number | null {
    this.checkOpen();
    if (entries.length === 0 && hardState === undefined) throw new RangeError('wal: append of nothing');
    if (entries.length > 0) this.checkEntries(entries);
    const bytes = batchBytes(entries, hardState);
    if (!this.reserve(bytes)) return null;
    const seq = this.nextSeq;
    encodeAppend(this.scratch, seq, entries, hardState);
    if (!this.publish(bytes)) return null;
    if (entries.length > 0) this.lastIndex = entries.at(-1)!.index;
    return seq;
  }

  /**
   * Queues a snapshot marker: replay will drop entries at or below meta.index and report meta.
   * Returns the batch seq, or null when the ring is full (as append).
   */
  saveSnapshot(meta: SnapshotMeta): number | null {
    this.checkOpen();
    if (meta.index < this.snapshotIndex) {
      throw new RangeError(`wal: snapshot at ${meta.index} is older than the saved one at ${this.snapshotIndex}`);
    }
    const bytes = snapshotBatchBytes(meta);
    if (!this.reserve(bytes)) return null;
    const seq = this.nextSeq;
    encodeSnapshot(this.scratch, seq, meta);
    if (!this.publish(bytes)) return null;
    this.snapshotIndex = meta.index;
    this.snapshotSeq = seq;
    this.lastIndex = Math.max(this.lastIndex, meta.index);
    return seq;
  }

  /** Resolves once a ring record of `bytes` (batchBytes / snapshotBatchBytes) can be appended. */
  async whenWritable(bytes: number): Promise<void> {
    const needed = Math.min(this.ringCapacityBytes, 2 * (Math.ceil((RING_HEADER_BYTES + bytes) / 8) * 8));
    while (this.writer.freeBytes() < needed) {
      this.checkOpen();
      await Promise.race([this.writer.waitForSpaceAsync(needed), this.failed]);
    }
  }

  /** The highest batch seq known durable: it and every earlier batch survive a crash. */
  get durableSeq(): number {
    return loadSlot(this.status, DURABLE_SEQ_SLOT);
  }

  /** Resolves when batch `seq` is durable; rejects if the WAL fails first. Throws for a seq never handed out. */
  whenDurable(seq: number): Promise<void> {
    if (seq >= this.nextSeq) throw new RangeError(`wal: batch ${seq} was never appended`);
    const durable = this.durableSeq;
    if (seq <= durable) {
      // Earlier waiters may be durable but not yet settled: settle them first, so callers always
      // learn of durability in seq order.
      this.settleUpTo(durable);
      return Promise.resolve();
    }
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      let at = this.waiters.length;
      while (at > 0 && this.waiters[at - 1]!.seq > seq) at--;
      this.waiters.splice(at, 0, { seq, resolve, reject });
      void this.watchDurable();
    });
  }

  /**
   * Deletes the oldest segments whose entries all lie below `index`, once the latest snapshot
   * marker is durable. `index` may be at most the snapshot index + 1: entries after the snapshot
   * are never released. Resolves to the number of segments deleted.
   */
  async releaseBefore(index: number): Promise<number> {
    this.checkOpen();
    if (index > this.snapshotIndex + 1) {
      throw new RangeError(`wal: cannot release before ${index}: the latest snapshot covers only up to ${this.snapshotIndex}`);
    }
    if (this.snapshotSeq > 0) await this.whenDurable(this.snapshotSeq);
    const id = this.nextReleaseId++;
    return new Promise<number>((resolve, reject) => {
      this.releases.set(id, { resolve, reject });
      this.command({ type: 'release', id, index });
    });
  }

  /** Makes everything appended durable, closes the segment and stops the worker. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve, reject) => {
      if (this.failure !== null) { reject(this.failure); return; }
      this.onClosed = { resolve, reject };
      this.command({ type: 'close' });
    }).then(() => this.worker.terminate()).then(() => {});
    return this.closing;
  }

  /**
   * Rejects with the WAL's failure (a write, fsync or worker failure) whenever it happens, also if
   * it already did; never settles while the WAL works. A clean close is not a failure.
   */
  whenFailed(): Promise<never> {
    return this.failed;
  }

  /** Write-path counters since open. */
  stats(): WalStats {
    return readStats(this.status);
  }

  private checkOpen(): void {
    if (this.failure !== null) throw this.failure;
    if (this.closing !== null) throw new WalFailedError('closed');
  }

  private checkEntries(entries: readonly Entry[]): void {
    const first = entries[0]!.index;
    if (first <= this.snapshotIndex || first > this.lastIndex + 1) {
      throw new RangeError(`wal: entry ${first} must follow the snapshot (${this.snapshotIndex}) and the log (last ${this.lastIndex})`);
    }
    for (let i = 1; i < entries.length; i++) {
      if (entries[i]!.index !== first + i) throw new RangeError(`wal: entry ${entries[i]!.index} is not contiguous in its batch`);
    }
  }

  /** Checks the batch is allowed and the ring has room, and sizes the scratch buffer for it. */
  private reserve(bytes: number): boolean {
    if (bytes > this.batchBytesMax) throw new RangeError(`wal: batch of ${bytes} bytes exceeds the limit of ${this.batchBytesMax}`);
    if (this.writer.freeBytes() < RING_HEADER_BYTES + bytes) return false;
    if (this.scratch.length < bytes) this.scratch = new Uint8Array(Math.min(this.batchBytesMax, 2 ** Math.ceil(Math.log2(bytes))));
    return true;
  }

  /** Copies the encoded batch into the ring and publishes it; false when a wrap leaves too little room. */
  private publish(bytes: number): boolean {
    if (!this.writer.tryWrite(this.scratch.subarray(0, bytes))) return false;
    this.writer.publish();
    this.nextSeq++;
    return true;
  }

  private command(command: WalCommand): void {
    this.worker.postMessage(command);
  }

  /** One loop at a time sleeps on the durable slot and settles waiters as it advances. */
  private async watchDurable(): Promise<void> {
    if (this.watching) return;
    this.watching = true;
    try {
      while (this.waiters.length > 0 && this.failure === null) {
        const durable = Atomics.load(this.status, DURABLE_SEQ_SLOT);
        this.settleUpTo(Number(durable));
        if (this.waiters.length === 0) break;
        const wait = Atomics.waitAsync(this.status, DURABLE_SEQ_SLOT, durable);
        if (wait.async) await wait.value;
      }
    } finally {
      this.watching = false;
    }
  }

  private settleUpTo(durableSeq: number): void {
    let count = 0;
    while (count < this.waiters.length && this.waiters[count]!.seq <= durableSeq) this.waiters[count++]!.resolve();
    this.waiters.splice(0, count);
  }

  private onEvent(event: WalEvent): void {
    switch (event.type) {
      case 'slow-sync': this.onSlowSync?.(event.tookMs); break;
      case 'released': this.releases.get(event.id)?.resolve(event.segments); this.releases.delete(event.id); break;
      case 'release-failed': this.releases.get(event.id)?.reject(errorFromWire(event.error)); this.releases.delete(event.id); break;
      case 'closed':
        this.closed = true;
        this.settleUpTo(this.durableSeq);
        this.onClosed?.resolve();
        break;
      case 'failed': this.fail(errorFromWire(event.error)); break;
      case 'opened': this.fail(new WalFailedError('worker opened twice')); break;
    }
  }

  /** Stops the WAL for good: every waiter and pending release is rejected. */
  private fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
    for (const release of this.releases.values()) release.reject(error);
    this.releases.clear();
    this.onClosed?.reject(error);
    this.rejectFailed(error);
    // Wake the watch loop's pending waitAsync so it sees the failure and ends.
    Atomics.notify(this.status, DURABLE_SEQ_SLOT);
    void this.worker.terminate();
  }
}
