/**
 * The key index (etcd's treeIndex): for every user key, the revisions at which it changed, oldest
 * first, each a put or a tombstone (a delete). It lives in the memory of the store's one owner
 * thread (the apply worker), as etcd's does, and is rebuilt from the kv table when the store opens
 * (the kv table is keyed by revision and each row names its key, so it holds everything the index
 * does). Keeping it out of LMDB is what lets a key be as long as a request allows: LMDB bounds its
 * keys to 1,978 bytes, etcd bounds nothing but the request.
 *
 * Keys are held as latin1 strings (one char per byte), so JavaScript's string order is byte order
 * and V8 stores them one byte per char. A key's history is a flat number array, two numbers per
 * revision: main, then sub * 2 + tombstone bit; binary search finds the revision in force at R.
 * History is bounded by compaction, which drops what etcd's keyIndex.compact drops.
 */
import BTreeModule from 'sorted-btree';
import type { Revision } from './revision.js';

const BTree = BTreeModule.default;
const SLOT = 2;

/** One revision of a key. */
export interface IndexEntry extends Revision {
  tombstone: boolean;
}

/** A key's revisions, oldest first: [main, sub * 2 + tombstone, main, ...]. */
export type KeyHistory = number[];

/** One revision as a KeyHistory holds it: main, then sub * 2 + tombstone bit. */
export function pushRevision(history: KeyHistory, entry: IndexEntry): void {
  history.push(entry.main, entry.sub * 2 + (entry.tombstone ? 1 : 0));
}

/** The keys a request names: a single key, a half-open interval, or everything from `start`. */
export interface KeyInterval {
  start: Uint8Array;
  /** Exclusive end; undefined = no end (range_end "\0"). Ignored when `single`. */
  end: Uint8Array | undefined;
  single: boolean;
}

/** A user key as the index holds it. */
export function indexKey(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

function entryAt(history: KeyHistory, position: number): IndexEntry {
  const tagged = history[position * SLOT + 1]!;
  return { main: history[position * SLOT]!, sub: Math.floor(tagged / 2), tombstone: tagged % 2 === 1 };
}

/** The newest revision recorded. */
export function lastEntry(history: KeyHistory): IndexEntry {
  return entryAt(history, history.length / SLOT - 1);
}

/** Position of the newest revision with main <= atRev, or -1. */
function positionAt(history: KeyHistory, atRev: number): number {
  let low = 0;
  let high = history.length / SLOT - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (history[middle * SLOT]! <= atRev) { found = middle; low = middle + 1; } else high = middle - 1;
  }
  return found;
}

/** The revision in force at atRev when the key existed then (not deleted), else undefined. */
export function liveRevisionAt(history: KeyHistory, atRev: number): IndexEntry | undefined {
  const position = positionAt(history, atRev);
  if (position < 0) return undefined;
  const entry = entryAt(history, position);
  return entry.tombstone ? undefined : entry;
}

/** Every recorded revision, oldest first. */
export function entries(history: KeyHistory): IndexEntry[] {
  return Array.from({ length: history.length / SLOT }, (_, position) => entryAt(history, position));
}

/** The in-memory index of every key; see the file header. */
export class KeyIndex {
  private readonly tree = new BTree<string, KeyHistory>();

  /** Number of keys with any recorded revision (live or deleted, until compaction drops them). */
  get size(): number {
    return this.tree.size;
  }

  /** The key's history, or undefined when the index holds nothing for it. */
  get(key: Uint8Array): KeyHistory | undefined {
    return this.tree.get(indexKey(key));
  }

  /** Records a new revision of `key`; it must be newer than every recorded one. */
  append(key: Uint8Array, entry: IndexEntry): void {
    const name = indexKey(key);
    let history = this.tree.get(name);
    if (history === undefined) {
      history = [];
      this.tree.set(name, history);
    } else {
      const last = lastEntry(history);
      if (last.main > entry.main || (last.main === entry.main && last.sub >= entry.sub)) {
        throw new Error(`key index must grow: ${entry.main}_${entry.sub} after ${last.main}_${last.sub}`);
      }
    }
    pushRevision(history, entry);
  }

  /**
   * Calls `visit` for every key of the interval with a revision live at `atRev`, in key order
   * (descending when `reverse`), until it returns false. With `after`, the walk resumes past that
   * key (the last one a previous walk visited), so a long walk can run in steps.
   */
  forEachLive(interval: KeyInterval, atRev: number, reverse: boolean, visit: (key: string, entry: IndexEntry) => boolean,
    after?: string): void {
    if (interval.single) {
      const history = after === undefined ? this.get(interval.start) : undefined;
      const entry = history === undefined ? undefined : liveRevisionAt(history, atRev);
      if (entry !== undefined) visit(indexKey(interval.start), entry);
      return;
    }
    const start = indexKey(interval.start);
    const end = interval.end === undefined ? undefined : indexKey(interval.end);
    if (end !== undefined && end <= start) return;
    // entriesReversed starts at its key inclusive unless told to skip it: the range end is
    // exclusive, and so is a resume point either way.
    const walk = reverse
      ? this.tree.entriesReversed(after ?? end, undefined, (after ?? end) !== undefined)
      : this.tree.entries(after ?? start);
    for (const [key, history] of walk) {
      if (!reverse && key === after) continue;
      if (reverse ? key < start : end !== undefined && key >= end) return;
      const entry = liveRevisionAt(history, atRev);
      if (entry !== undefined && !visit(key, entry)) return;
    }
  }

  /**
   * One chunk of compaction at atRev (etcd's keyIndex.compact): for up to `keysMax` keys after
   * `after` (from the first key when undefined), drops every revision older than the one in force
   * at atRev, and that one too when it is a tombstone; a key left with nothing leaves the index.
   * Returns the dropped revisions (their kv rows go too) and the last key examined, or undefined
   * when the walk reached the end.
   */
  compact(after: string | undefined, atRev: number, keysMax: number): { removed: IndexEntry[]; last: string | undefined } {
    const removed: IndexEntry[] = [];
    const emptied: string[] = [];
    let examined = 0;
    let last: string | undefined;
    for (const [key, history] of this.tree.entries(after)) {
      if (after !== undefined && key === after) continue;
      if (examined === keysMax) return this.finishCompact(removed, emptied, last);
      examined++;
      last = key;
      const position = positionAt(history, atRev);
      if (position < 0) continue;
      const keepFrom = entryAt(history, position).tombstone ? position + 1 : position;
      for (let i = 0; i < keepFrom; i++) removed.push(entryAt(history, i));
      history.splice(0, keepFrom * SLOT);
      if (history.length === 0) emptied.push(key);
    }
    return this.finishCompact(removed, emptied, undefined);
  }

  private finishCompact(removed: IndexEntry[], emptied: string[], last: string | undefined): { removed: IndexEntry[]; last: string | undefined } {
    // Removed after the walk: the tree must not change under its iterator.
    for (const key of emptied) this.tree.delete(key);
    return { removed, last };
  }

  /** Forgets everything (the store was replaced by a snapshot and is rebuilt). */
  clear(): void {
    this.tree.clear();
  }

  /**
   * Replaces the index with `histories` (each oldest first, as the kv table's revision order gives
   * them). Loaded in key order at once: cheaper than appending row by row into the tree.
   */
  load(histories: ReadonlyMap<string, KeyHistory>): void {
    const names = [...histories.keys()].sort();
    this.tree.clear();
    this.tree.setPairs(names.map((name) => [name, histories.get(name)!]));
  }
}
