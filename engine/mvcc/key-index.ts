/**
 * The key index: for one user key, every revision at which it changed, oldest first, each marked
 * as a put or a tombstone (a delete). This is etcd's keyIndex with its generations flattened: a
 * generation is the run of puts up to and including a tombstone.
 *
 * Encoding (the value of the index table under the user key), ENTRY_BYTES per revision:
 *   main (u64, big-endian) | sub (u32) | flags (u32: bit 0 = tombstone)
 * Fixed-size entries allow a binary search for "the revision in force at revision R". The history
 * of a key is bounded by compaction, which rewrites the entry without the revisions it drops.
 */
import type { Revision } from './revision.js';

const ENTRY_BYTES = 16;
const FLAG_TOMBSTONE = 1;
const TWO_POW_32 = 2 ** 32;

/** One revision of a key. */
export interface IndexEntry extends Revision {
  tombstone: boolean;
}

function checkEncoded(index: Buffer): void {
  if (index.length === 0 || index.length % ENTRY_BYTES !== 0) throw new Error(`corrupt key index of ${index.length} bytes`);
}

// Buffer's own readers: no DataView to allocate on the per-key read path.
function mainAt(index: Buffer, position: number): number {
  const offset = position * ENTRY_BYTES;
  return index.readUInt32BE(offset) * TWO_POW_32 + index.readUInt32BE(offset + 4);
}

function entryAt(index: Buffer, position: number): IndexEntry {
  const offset = position * ENTRY_BYTES;
  return {
    main: index.readUInt32BE(offset) * TWO_POW_32 + index.readUInt32BE(offset + 4),
    sub: index.readUInt32BE(offset + 8),
    tombstone: (index.readUInt32BE(offset + 12) & FLAG_TOMBSTONE) !== 0,
  };
}

/** Number of revisions recorded for the key. */
export function entryCount(index: Buffer): number {
  checkEncoded(index);
  return index.length / ENTRY_BYTES;
}

/** Every recorded revision, oldest first. */
export function entries(index: Buffer): IndexEntry[] {
  const count = entryCount(index);
    return Array.from({ length: count }, (_, position) => entryAt(index, position));
}

/** The newest revision recorded. */
export function lastEntry(index: Buffer): IndexEntry {
  return entryAt(index, entryCount(index) - 1);
}

/** A new index with one more revision appended; it must be newer than every recorded one. */
export function appendEntry(index: Buffer | undefined, entry: IndexEntry): Buffer {
  if (!Number.isSafeInteger(entry.main) || entry.main < 1 || !Number.isInteger(entry.sub) || entry.sub < 0 || entry.sub >= TWO_POW_32) {
    throw new RangeError(`invalid index revision ${entry.main}_${entry.sub}`);
  }
  const previousBytes = index?.length ?? 0;
  if (index !== undefined) {
    const last = lastEntry(index);
    if (last.main > entry.main || (last.main === entry.main && last.sub >= entry.sub)) {
      throw new Error(`key index must grow: ${entry.main}_${entry.sub} after ${last.main}_${last.sub}`);
    }
  }
  const out = Buffer.allocUnsafe(previousBytes + ENTRY_BYTES);
  if (index !== undefined) out.set(index, 0);
  out.writeUInt32BE(Math.floor(entry.main / TWO_POW_32), previousBytes);
  out.writeUInt32BE(entry.main >>> 0, previousBytes + 4);
  out.writeUInt32BE(entry.sub, previousBytes + 8);
  out.writeUInt32BE(entry.tombstone ? FLAG_TOMBSTONE : 0, previousBytes + 12);
  return out;
}

/** Position of the newest revision with main <= atRev, or -1. */
function positionAt(index: Buffer, atRev: number): number {
    let low = 0;
  let high = entryCount(index) - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (mainAt(index, middle) <= atRev) { found = middle; low = middle + 1; } else high = middle - 1;
  }
  return found;
}

/** The revision in force at atRev when the key existed then (not deleted), else undefined. */
export function liveRevisionAt(index: Buffer, atRev: number): IndexEntry | undefined {
  const position = positionAt(index, atRev);
  if (position < 0) return undefined;
  const entry = entryAt(index, position);
  return entry.tombstone ? undefined : entry;
}

/**
 * What compacting at atRev does to this key (etcd's keyIndex.compact): the newest revision at or
 * below atRev is kept unless it is a tombstone; everything older goes. Returns the revisions to
 * delete from the kv table and the rewritten index (undefined when nothing is left).
 */
export function compactIndex(index: Buffer, atRev: number): { removed: IndexEntry[]; index: Buffer | undefined } {
  const position = positionAt(index, atRev);
  if (position < 0) return { removed: [], index: Buffer.from(index) };
    const keepFrom = entryAt(index, position).tombstone ? position + 1 : position;
  const removed = Array.from({ length: keepFrom }, (_, i) => entryAt(index, i));
  const rest = index.subarray(keepFrom * ENTRY_BYTES);
  return { removed, index: rest.length === 0 ? undefined : Buffer.from(rest) };
}
