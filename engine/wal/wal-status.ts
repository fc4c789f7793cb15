/**
 * The small SharedArrayBuffer through which the WAL worker tells the main thread what is durable
 * and how it got there. The worker is the only writer; the main thread reads with Atomics.load and
 * sleeps on DURABLE_SEQ with Atomics.waitAsync (the worker notifies after every fdatasync).
 *
 *   slot (BigInt64)  0: durable batch seq   1: fdatasyncs   2: batches   3: entries   4: bytes written
 */

export const DURABLE_SEQ_SLOT = 0;
export const FSYNCS_SLOT = 1;
export const BATCHES_SLOT = 2;
export const ENTRIES_SLOT = 3;
export const BYTES_WRITTEN_SLOT = 4;
const SLOTS = 5;

/** Counters of the WAL's write path since it was opened (for benchmarks and /metrics). */
export interface WalStats {
  /** fdatasync calls on segment files (one per group commit, plus one per new segment). */
  fsyncs: number;
  /** append/saveSnapshot batches made durable. */
  batches: number;
  /** Raft entries made durable. */
  entries: number;
  /** Frame bytes written to segments (entries, states, markers, headers, commit frames). */
  bytesWritten: number;
  batchesPerFsync: number;
  entriesPerFsync: number;
}

/** Allocates the status slots, all zero. */
export function createStatusBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(SLOTS * 8);
}

/** Reads one slot as a number (the counters stay far below 2^53). */
export function loadSlot(status: BigInt64Array, slot: number): number {
  return Number(Atomics.load(status, slot));
}

/** Adds to one counter slot (worker side). */
export function addToSlot(status: BigInt64Array, slot: number, amount: number): void {
  Atomics.add(status, slot, BigInt(amount));
}

/** A consistent-enough snapshot of the counters (each slot is read atomically, not all at once). */
export function readStats(status: BigInt64Array): WalStats {
  const fsyncs = loadSlot(status, FSYNCS_SLOT);
  const batches = loadSlot(status, BATCHES_SLOT);
  const entries = loadSlot(status, ENTRIES_SLOT);
  return {
    fsyncs,
    batches,
    entries,
    bytesWritten: loadSlot(status, BYTES_WRITTEN_SLOT),
    batchesPerFsync: fsyncs === 0 ? 0 : batches / fsyncs,
    entriesPerFsync: fsyncs === 0 ? 0 : entries / fsyncs,
  };
}
