/**
 * Range: etcd's read of the keys in [key, range_end) at a revision, with limit, sort, revision
 * filters, keys_only and count_only (etcd's applierV3backend.Range over mvcc's rangeKeys).
 *
 * Memory stays bounded by what the response returns: the in-memory key index is walked (count
 * needs every key in the range, but only its index entry, never its value), kv rows are fetched
 * only for keys that may be returned, and a sorted request with a limit holds at most 2 x limit
 * candidates at a time.
 */
import { ErrCompacted, ErrFutureRev } from '../errors.js';
import { compareBytes, getVolatile, type Backend, type ReadOptions } from './backend.js';
import { decodeKeyValue } from './kv-codec.js';
import type { IndexEntry, KeyIndex, KeyInterval } from './key-index.js';
import { revisionToBytes } from './revision.js';
import { SortOrder, SortTarget, type KeyValue, type RangeRequest, type RangeResponse } from './rpc.js';

/** A consistent view of the store: a read transaction (or the write transaction itself). */
export interface ReadView {
  backend: Backend;
  read: ReadOptions;
  /** The key index, as of the newest revision this view sees (or newer: it is MVCC). */
  index: KeyIndex;
  /** The newest revision this view sees. */
  currentRev: number;
  /** Revisions below this one may be gone (the scheduled compaction revision). */
  compactRev: number;
}

export type { KeyInterval };

/** Interprets key/range_end as etcd does: empty = the key alone, "\0" = all keys >= key. */
export function keyInterval(key: Uint8Array, rangeEnd: Uint8Array | undefined): KeyInterval {
  if (rangeEnd === undefined || rangeEnd.length === 0) return { start: key, end: undefined, single: true };
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return { start: key, end: undefined, single: false };
  return { start: key, end: rangeEnd, single: false };
}

/**
 * The range_end that selects every key starting with `prefix` (etcd's clientv3.GetPrefixRangeEnd):
 * the prefix with its last byte below 0xff incremented and what follows dropped; "\0" (all keys
 * from `prefix` on) when every byte is 0xff.
 */
export function prefixRangeEnd(prefix: Uint8Array): Uint8Array {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i]! < 0xff) {
      const end = Uint8Array.from(prefix.subarray(0, i + 1));
      end[i]!++;
      return end;
    }
  }
  return new Uint8Array([0]);
}

/** True when the key lies in the interval. */
export function intervalContains(interval: KeyInterval, key: Uint8Array): boolean {
  if (interval.single) return compareBytes(key, interval.start) === 0;
  return compareBytes(key, interval.start) >= 0 && (interval.end === undefined || compareBytes(key, interval.end) < 0);
}

/**
 * Calls `visit` for every key of the interval that exists at `atRev`, in key order (descending
 * when `reverse`), until it returns false; with `after`, resumes past that key. Keys come as the
 * index holds them (latin1 strings).
 */
export function forEachLiveKey(view: ReadView, interval: KeyInterval, atRev: number, reverse: boolean,
  visit: (key: string, entry: IndexEntry) => boolean, after?: string): void {
  view.index.forEachLive(interval, atRev, reverse, visit, after);
}

/** The mvccpb.KeyValue bytes stored at a key's revision (a copy the caller owns). */
export function storedKeyValue(view: ReadView, entry: IndexEntry): Uint8Array {
  const bytes = view.backend.kv.get(revisionToBytes(entry.main, entry.sub), view.read);
  if (bytes === undefined) throw new Error(`corrupt store: index names revision ${entry.main}_${entry.sub}, kv has no row`);
  return bytes;
}

/**
 * The mvccpb.KeyValue bytes stored at a key's revision, without a copy: valid only until the next
 * read of the store (lmdb-js getBinaryFast), so for bytes that are copied at once (into a page).
 */
export function peekKeyValue(view: ReadView, entry: IndexEntry): Uint8Array {
  const bytes = getVolatile(view.backend.kv, revisionToBytes(entry.main, entry.sub), view.read);
  if (bytes === undefined) throw new Error(`corrupt store: index names revision ${entry.main}_${entry.sub}, kv has no row`);
  return bytes;
}

/** The KeyValue stored at a key's revision. */
export function keyValueAt(view: ReadView, entry: IndexEntry, withValue = true): KeyValue {
  return decodeKeyValue(storedKeyValue(view, entry), withValue);
}

/** Resolves a requested revision (<= 0 = current) and fails it as etcd does. */
export function readRevision(view: ReadView, revision: number | undefined): number {
  const rev = revision !== undefined && revision > 0 ? revision : view.currentRev;
  if (rev > view.currentRev) throw ErrFutureRev;
  if (rev < view.compactRev) throw ErrCompacted;
  return rev;
}

type KvComparator = (a: KeyValue, b: KeyValue) => number;

function comparatorFor(target: SortTarget, order: SortOrder): KvComparator {
  const ascending: KvComparator = (() => {
    switch (target) {
      case SortTarget.KEY: return (a, b) => compareBytes(a.key, b.key);
      case SortTarget.VERSION: return (a, b) => a.version - b.version;
      case SortTarget.CREATE: return (a, b) => a.create_revision - b.create_revision;
      case SortTarget.MOD: return (a, b) => a.mod_revision - b.mod_revision;
      case SortTarget.VALUE: return (a, b) => compareBytes(a.value, b.value);
    }
  })();
  return order === SortOrder.DESCEND ? (a, b) => ascending(b, a) : ascending;
}

/**
 * Where an unsorted scan puts the kvs it returns, in order, as the kv table stores them (etcd's
 * mvccpb.KeyValue bytes): a page being built (range-pages.ts). `full` asks the scan to stop after
 * the kv it just added, so a step never builds more than one page.
 */
export interface KvSink {
  /** `stored` is only valid during the call (peekKeyValue): copy what is kept. */
  add(stored: Uint8Array): void;
  readonly full: boolean;
}

/** Where a scan resumes: after `key` (the last key of what was already returned), `matched` kvs in. */
export interface ScanPosition {
  key: string;
  matched: number;
}

/**
 * etcd's range as a walk that can run in steps (a full-keyspace range must not hold the apply
 * worker for its whole length): the revision is fixed when the scan starts, and the key index and
 * kv rows at that revision do not change under it (compaction waits for scans below its revision).
 */
export class RangeScan {
  /** The revision the range reads at. */
  readonly atRev: number;
  /** True when the request sorts its results (they are then all held until the end). */
  readonly sorting: boolean;
  private readonly reverse: boolean;
  private readonly compare: KvComparator;
  private readonly limit: number;
  private readonly readValue: boolean;
  private count = 0;
  private matched = 0;
  private readonly kvs: KeyValue[] = [];
  /** The last key visited: the next step resumes after it. */
  private cursor: string | undefined;
  private finished = false;

  /**
   * Throws ErrFutureRev / ErrCompacted for an unreadable revision. With `sink`, an unsorted scan
   * hands it the kvs it returns instead of keeping them. With `from`, it goes on where another scan
   * of the same request stood, at that scan's revision (whose rows compaction keeps while the
   * reads at it run): a later page of a range whose count is already known.
   */
  constructor(view: ReadView, private readonly request: RangeRequest, private readonly sink?: KvSink,
    from?: { atRev: number; position: ScanPosition }) {
    this.atRev = from?.atRev ?? readRevision(view, request.revision);
    const target = request.sort_target ?? SortTarget.KEY;
    let order = request.sort_order ?? SortOrder.NONE;
    // As etcd: results come in ascending key order, so ASCEND by KEY needs no sort and any other
    // target without an order sorts ascending.
    if (target !== SortTarget.KEY && order === SortOrder.NONE) order = SortOrder.ASCEND;
    else if (target === SortTarget.KEY && order === SortOrder.ASCEND) order = SortOrder.NONE;
    this.reverse = target === SortTarget.KEY && order === SortOrder.DESCEND;
    this.sorting = order !== SortOrder.NONE && !this.reverse;
    this.compare = comparatorFor(target, order);
    this.limit = request.limit !== undefined && request.limit > 0 ? request.limit : Number.POSITIVE_INFINITY;
    this.readValue = request.keys_only !== true || (this.sorting && target === SortTarget.VALUE);
    if (from !== undefined) {
      this.cursor = from.position.key;
      this.matched = from.position.matched;
    }
  }

  /** Where the scan stands: after the last key it visited, with the kvs it matched so far. */
  get position(): ScanPosition | undefined {
    return this.cursor === undefined ? undefined : { key: this.cursor, matched: this.matched };
  }

  /** The kvs the response returns so far (unsorted: all of them once the scan is done). */
  get returned(): number {
    return Math.min(this.matched, this.limit);
  }

  /**
   * Visits up to `keysMax` more keys of the range (fewer when the sink fills up); true once the
   * whole range is done.
   */
  step(view: ReadView, keysMax: number): boolean {
    if (this.finished) return true;
    let visited = 0;
    let stopped = false;
    forEachLiveKey(view, keyInterval(this.request.key, this.request.range_end), this.atRev, this.reverse, (key, entry) => {
      if (visited === keysMax || this.sink?.full === true) {
        stopped = true;
        return false;
      }
      visited++;
      this.cursor = key;
      this.visit(view, entry);
      return true;
    }, this.cursor);
    this.finished = !stopped;
    return this.finished;
  }

  private visit(view: ReadView, entry: IndexEntry): void {
    const request = this.request;
    this.count++;
    if (request.count_only === true) return;
    // Past the limit an unsorted read only needs to know that one more key matched.
    if (!this.sorting && this.matched > this.limit) return;
    const minMod = request.min_mod_revision ?? 0;
    const maxMod = request.max_mod_revision ?? 0;
    if ((minMod > 0 && entry.main < minMod) || (maxMod > 0 && entry.main > maxMod)) return;
    // A sink copies the bytes at once; kvs kept as objects are views of the bytes, which must stay.
    const stored = this.sink !== undefined && !this.sorting ? peekKeyValue(view, entry) : storedKeyValue(view, entry);
    const minCreate = request.min_create_revision ?? 0;
    const maxCreate = request.max_create_revision ?? 0;
    if (minCreate > 0 || maxCreate > 0) {
      const created = decodeKeyValue(stored, false).create_revision;
      if ((minCreate > 0 && created < minCreate) || (maxCreate > 0 && created > maxCreate)) return;
    }
    this.matched++;
    if (!this.sorting) {
      if (this.matched > this.limit) return;
      if (this.sink !== undefined) this.sink.add(stored);
      else this.kvs.push(decodeKeyValue(stored, this.readValue));
      return;
    }
    this.kvs.push(decodeKeyValue(stored, this.readValue));
    // Keep at most 2 x limit candidates: sort, keep the best `limit`, go on. Array#sort is stable
    // and candidates arrive in key order, so ties keep key order.
    if (this.kvs.length >= 2 * this.limit) {
      this.kvs.sort(this.compare);
      this.kvs.length = this.limit;
    }
  }

  /** The response, once step returned true (its kvs are empty when a sink took them). */
  response(): RangeResponse {
    const kvs = this.kvs;
    if (this.sorting) {
      kvs.sort(this.compare);
      if (kvs.length > this.limit) kvs.length = this.limit;
    }
    if (this.request.keys_only === true && this.readValue) for (const kv of kvs) kv.value = new Uint8Array(0);
    return { kvs, more: this.matched > this.limit, count: this.count };
  }
}

/** etcd's range in one go (inside a write transaction): throws ErrFutureRev / ErrCompacted. */
export function range(view: ReadView, request: RangeRequest): RangeResponse {
  const scan = new RangeScan(view, request);
  scan.step(view, Number.POSITIVE_INFINITY);
  return scan.response();
}
