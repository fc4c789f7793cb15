/**
 * A member's simulated disk. Two images of the Raft storage:
 *
 *     live     what the running member reads: every write lands here at once (the page cache)
 *     durable  what survives a crash: writes reach it only through fsync()
 *
 * A write is a batch: everything one Ready persists, framed as one WAL record group with a commit
 * frame (DESIGN.md: one batch, one fdatasync), so a batch survives a crash whole or not at all.
 * Batches between two fsyncs wait in `unsynced`. A crash keeps a random prefix of them (the kernel
 * may have flushed some, in order; a torn tail is truncated back to the last whole batch) and
 * throws the rest away; the restarted member then reads a fresh live image rebuilt from the
 * durable one. The driver must fsync before sending anything that depends on a write, which is
 * exactly the Ready contract the simulation exercises.
 */
import { MemoryStorage } from '../../engine/raft/memory-storage.js';
import type { Snapshot } from '../../engine/raft/message.js';
import type { ConfState, Entry, HardState } from '../../engine/raft/types.js';
import { isRaftError } from '../../engine/raft/errors.js';
import type { Prng } from './prng.js';

/** One write to the Raft storage, replayable on either image. */
export type DiskWrite =
  | { kind: 'entries'; entries: readonly Entry[] }
  | { kind: 'hardState'; hardState: HardState }
  | { kind: 'receivedSnapshot'; snapshot: Snapshot }
  | { kind: 'createSnapshot'; index: number; confState: ConfState; data: Uint8Array }
  | { kind: 'compact'; index: number };

/** Unsynced batches beyond this mean the driver forgot to fsync: stop rather than grow. */
export const UNSYNCED_BATCHES_MAX = 10_000;

function replay(storage: MemoryStorage, write: DiskWrite): void {
  let error: unknown = null;
  switch (write.kind) {
    case 'entries':
      storage.append(write.entries);
      break;
    case 'hardState':
      storage.setHardState(write.hardState);
      break;
    case 'receivedSnapshot':
      error = storage.applySnapshot(write.snapshot);
      break;
    case 'createSnapshot':
      error = storage.createSnapshot(write.index, write.confState, write.data);
      break;
    case 'compact':
      error = storage.compact(write.index);
      break;
  }
  // The driver only issues writes that make sense for the live image, and the durable image is
  // a prefix of the same writes, so a refusal here is a driver bug.
  if (isRaftError(error)) throw new Error(`disk: ${write.kind} refused: ${error.message}`);
}

/** A copy of a storage's persisted state in a new MemoryStorage. */
export function cloneStorage(source: MemoryStorage): MemoryStorage {
  const snapshot = source.snapshot();
  const copy = new MemoryStorage(snapshot.meta.confState);
  if (snapshot.meta.index > 0) copy.applySnapshot(snapshot);
  const entries = source.entries(source.firstIndex(), source.lastIndex() + 1, Infinity);
  if (isRaftError(entries)) throw new Error(`disk: cannot read entries to clone: ${entries.message}`);
  copy.append(entries);
  copy.setHardState(source.initialState().hardState);
  return copy;
}

/** A member's disk. */
export class SimDisk {
  private durableImage: MemoryStorage;
  private liveImage: MemoryStorage;
  private unsynced: (readonly DiskWrite[])[] = [];

  /** A new disk holding a freshly bootstrapped storage (the initial membership). */
  constructor(confState: ConfState) {
    this.durableImage = new MemoryStorage(confState);
    this.liveImage = cloneStorage(this.durableImage);
  }

  /** The storage the running member reads. */
  get live(): MemoryStorage {
    return this.liveImage;
  }

  /** What a crash right now would leave (read-only use: invariant checks). */
  get durable(): MemoryStorage {
    return this.durableImage;
  }

  /** Writes one batch to the page cache: visible to the member now, durable only after fsync. */
  write(batch: readonly DiskWrite[]): void {
    if (batch.length === 0) return;
    if (this.unsynced.length >= UNSYNCED_BATCHES_MAX) throw new Error('disk: too many unsynced batches');
    for (const write of batch) replay(this.liveImage, write);
    this.unsynced.push(batch);
  }

  /** Makes every batch so far durable. */
  fsync(): void {
    for (const batch of this.unsynced) for (const write of batch) replay(this.durableImage, write);
    this.unsynced = [];
  }

  /** Loses the page cache: a random prefix of the unsynced batches survives, the rest is gone. */
  crash(prng: Prng): void {
    const surviving = prng.int(this.unsynced.length + 1);
    for (const batch of this.unsynced.slice(0, surviving)) for (const write of batch) replay(this.durableImage, write);
    this.unsynced = [];
    this.liveImage = cloneStorage(this.durableImage);
  }
}
