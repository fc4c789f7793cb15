/**
 * A member's simulated WAL: the LogStore port over a disk that survives the member's crashes.
 *
 * Each append or snapshot marker is one batch, as in the WAL (one record group with a commit
 * frame): it lands whole or not at all. Batches wait in the page cache until an fsync, which takes
 * a while (the seed's fsync latency, now and then a slow one) and covers every batch written before
 * it started. A crash keeps a random prefix of the unsynced batches (the kernel may have flushed
 * some, in order; a torn group is dropped) and loses the rest. A full disk fails the next write or
 * fsync, and the member must stop (fail-stop); the fault clears once it restarted.
 *
 * Replay folds the surviving batches as the WAL's replay does (engine/wal/replay.ts): a later
 * entry at an index truncates what followed it, a snapshot marker drops the entries it covers,
 * the last hard state wins.
 */
import type { LogReplay, LogStore } from '../../engine/node/ports.js';
import type { Entry, HardState, SnapshotMeta } from '../../engine/raft/types.js';
import type { MemberClock } from './scheduler.js';
import type { LogView } from './invariants.js';
import type { Prng } from './prng.js';

type BatchBody =
  | { kind: 'append'; entries: readonly Entry[]; hardState: HardState | undefined }
  | { kind: 'snapshot'; meta: SnapshotMeta };
type Batch = BatchBody & { seq: number };

/** How the disk behaves in one seed. */
export interface DiskProfile {
  fsyncMsMin: number;
  fsyncMsMax: number;
  /** Chance that one fsync is slow (a busy disk): it then takes `slowFsyncMs`. */
  slowFsyncProbability: number;
  slowFsyncMs: number;
}

/** Unsynced batches beyond this mean the member never waits for durability: stop rather than grow. */
export const UNSYNCED_BATCHES_MAX = 100_000;

/** The disk itself: outlives member incarnations. */
export class SimDisk {
  private durable: Batch[] = [];
  private unsynced: Batch[] = [];
  private nextSeq = 1;
  /** Set by the fault injector: the next write or fsync fails with ENOSPC. */
  full = false;
  writes = 0;
  fsyncs = 0;

  write(batch: BatchBody): number {
    if (this.unsynced.length >= UNSYNCED_BATCHES_MAX) throw new Error('sim disk: too many unsynced batches');
    const seq = this.nextSeq++;
    this.unsynced.push({ ...batch, seq });
    this.writes++;
    return seq;
  }

  /** Makes every batch written so far durable; returns the last seq now durable. */
  fsync(): number {
    this.durable.push(...this.unsynced);
    this.unsynced = [];
    this.fsyncs++;
    return this.nextSeq - 1;
  }

  /** Loses the page cache but a random prefix of it; the disk is no longer full. */
  crash(prng: Prng): void {
    const surviving = prng.int(this.unsynced.length + 1);
    this.durable.push(...this.unsynced.slice(0, surviving));
    this.unsynced = [];
    this.full = false;
  }

  /**
   * As the WAL releases segments: drops durable batches before the last snapshot marker below
   * `index` whose entries all lie below `index` (the hard state they carried is kept).
   */
  releaseBefore(index: number): void {
    let lastMarker = -1;
    for (let i = this.durable.length - 1; i >= 0; i--) {
      const batch = this.durable[i]!;
      if (batch.kind === 'snapshot' && batch.meta.index < index) {
        lastMarker = i;
        break;
      }
    }
    if (lastMarker <= 0) return;
    let hardState: HardState | undefined;
    const kept: Batch[] = [];
    for (const batch of this.durable.slice(0, lastMarker)) {
      if (batch.kind === 'append' && batch.hardState !== undefined) hardState = batch.hardState;
      if (batch.kind === 'append' && batch.entries.some((entry) => entry.index >= index)) kept.push(batch);
    }
    // The newest hard state before the marker, after the older ones the kept batches carry.
    if (hardState !== undefined) kept.push({ seq: 0, kind: 'append', entries: [], hardState });
    this.durable = [...kept, ...this.durable.slice(lastMarker)];
  }

  /** What a member starting now reads back. */
  replay(): LogReplay {
    return foldBatches(this.durable);
  }

  /**
   * The log as written so far, synced or not (the invariant checks' view of a member's log): its
   * first index, last index and the term at each index from the snapshot marker's on.
   */
  logView(): LogView {
    const { snapshot, entries } = foldBatches([...this.durable, ...this.unsynced]);
    const first = (snapshot?.index ?? 0) + 1;
    return {
      firstIndex: () => first,
      lastIndex: () => entries.at(-1)?.index ?? first - 1,
      term: (index) => (index === first - 1 ? snapshot?.term ?? 0 : entries[index - first]?.term ?? { code: 'Unavailable' }),
    };
  }
}

/** Folds batches as the WAL's replay does (see the file header). */
function foldBatches(batches: readonly Batch[]): LogReplay {
  let hardState: HardState = { term: 0, vote: 0, commit: 0 };
  let snapshot: SnapshotMeta | null = null;
  let entries: Entry[] = [];
  for (const batch of batches) {
    if (batch.kind === 'snapshot') {
      snapshot = batch.meta;
      entries = entries.filter((entry) => entry.index > batch.meta.index);
      continue;
    }
    for (const entry of batch.entries) {
      const first = entries[0]?.index;
      if (first === undefined || entry.index < first) entries = [entry];
      else if (entry.index > first + entries.length) throw new Error(`sim disk: entry ${entry.index} leaves a gap after ${first + entries.length - 1}`);
      else {
        entries.length = entry.index - first;
        entries.push(entry);
      }
    }
    if (batch.hardState !== undefined) hardState = batch.hardState;
  }
  const snapshotIndex = snapshot?.index ?? 0;
  entries = entries.filter((entry) => entry.index > snapshotIndex);
  if (entries.length > 0 && entries[0]!.index !== snapshotIndex + 1) {
    throw new Error(`sim disk: log starts at ${entries[0]!.index} but the snapshot covers only up to ${snapshotIndex}`);
  }
  return { hardState, snapshot, entries };
}

/** One incarnation's LogStore over the disk. */
export class SimLogStore implements LogStore {
  private durableSeq = 0;
  private syncInFlight = false;
  private readonly waiters: { seq: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  private failure: Error | null = null;
  private readonly failed: Promise<never>;
  private rejectFailed!: (error: Error) => void;
  private newestMarker = { index: 0, seq: 0 };

  constructor(private readonly disk: SimDisk, private readonly clock: MemberClock, private readonly prng: Prng,
    /** Read at each fsync: the quiet end of a run calms the disk too. */
    private readonly profile: () => DiskProfile) {
    this.failed = new Promise<never>((_, reject) => { this.rejectFailed = reject; });
    this.failed.catch(() => {});
  }

  append(entries: readonly Entry[], hardState: HardState | undefined): Promise<number> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.disk.full) return Promise.reject(this.fail('writing the WAL failed: ENOSPC: no space left on device'));
    return Promise.resolve(this.disk.write({ kind: 'append', entries: [...entries], hardState }));
  }

  /** As the WAL's: a marker below one already written is not written (the newer one's seq is returned). */
  saveSnapshot(meta: SnapshotMeta): Promise<number> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (meta.index <= this.newestMarker.index) return Promise.resolve(this.newestMarker.seq);
    const seq = this.disk.write({ kind: 'snapshot', meta });
    this.newestMarker = { index: meta.index, seq };
    return Promise.resolve(seq);
  }

  whenDurable(seq: number): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (seq <= this.durableSeq) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
    this.startSync();
    return done;
  }

  releaseBefore(index: number): Promise<void> {
    this.disk.releaseBefore(index);
    return Promise.resolve();
  }

  whenFailed(): Promise<never> {
    return this.failed;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** One fsync at a time; it covers every batch written before it started. */
  private startSync(): void {
    if (this.syncInFlight || this.failure !== null) return;
    this.syncInFlight = true;
    const profile = this.profile();
    const tookMs = this.prng.chance(profile.slowFsyncProbability) ? profile.slowFsyncMs : this.prng.between(profile.fsyncMsMin, profile.fsyncMsMax);
    this.clock.after(tookMs, () => {
      this.syncInFlight = false;
      if (this.failure !== null) return;
      if (this.disk.full) {
        this.fail('fdatasync of the WAL failed: ENOSPC: no space left on device');
        return;
      }
      this.durableSeq = this.disk.fsync();
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        const waiter = this.waiters[i]!;
        if (waiter.seq > this.durableSeq) continue;
        this.waiters.splice(i, 1);
        waiter.resolve();
      }
      if (this.waiters.length > 0) this.startSync();
    });
  }

  private fail(message: string): Error {
    const error = new Error(message);
    if (this.failure === null) {
      this.failure = error;
      this.rejectFailed(error);
      for (const waiter of this.waiters.splice(0)) waiter.reject(error);
    }
    return error;
  }
}
