/**
 * One MVCC write transaction (etcd's storeTxnWrite): every change it makes carries the same main
 * revision (beginRev + 1) and the next sub revision; reads through it see its own changes; the
 * store's revision advances only if it changed something. It runs inside an LMDB write
 * transaction that the caller opens and commits.
 */
import { type Backend } from './backend.js';
import type { LeaseKeys } from '../lease/lease-keys.js';
import { leaseExists } from '../lease/lease-table.js';
import { encodeKeyValue } from './kv-codec.js';
import { indexKey, lastEntry, type KeyIndex } from './key-index.js';
import { forEachLiveKey, keyInterval, keyValueAt, type KeyInterval, type ReadView } from './range.js';
import { revisionToBytes } from './revision.js';
import { EventType, type Event, type KeyValue } from './rpc.js';
import { newOpTally, type OpCounts } from './op-counts.js';

/** Which change events a write records (for watch). */
export enum EventsMode {
  NONE = 0,
  /** The changed kv only. */
  KV = 1,
  /** The changed kv and the kv it replaced (costs one extra read per delete). */
  KV_AND_PREV = 2,
}

/** What the store keeps in memory beside LMDB; a write transaction updates both. */
export interface StoreMemory {
  index: KeyIndex;
  leaseKeys: LeaseKeys;
  /** Keys whose newest revision is not a tombstone (etcd_debugging_mvcc_keys_total). */
  liveKeys: number;
  /** Puts, ranges, deletes and txns since the store opened (etcd_mvcc_*_total). */
  ops: OpCounts;
}

const EMPTY = new Uint8Array(0);
const ZERO_BYTE = Buffer.from([0]);
/** Keys a delete_range collects before deleting them: bounds its memory. */
export const DELETE_CHUNK_KEYS = 1024;

/** A write transaction over the store; see the file header. */
export class WriteTxn {
  private changes = 0;
  /** Change events, in sub-revision order, when the events mode asks for them. */
  readonly events: Event[] = [];
  /** The ops this txn did, added to the store's counts by end(). */
  readonly tally = newOpTally();

  constructor(private readonly backend: Backend, private readonly memory: StoreMemory, readonly beginRev: number,
    readonly compactRev: number, private readonly eventsMode: EventsMode) {}

  /** The revision reads inside the txn see, and the one its changes get. */
  get rev(): number {
    return this.changes > 0 ? this.beginRev + 1 : this.beginRev;
  }

  /** True once the txn has changed something (it will consume a revision). */
  get changed(): boolean {
    return this.changes > 0;
  }

  /** Counts the txn's ops into the store's totals; call once, when the request is done. */
  end(): void {
    this.memory.ops.add(this.tally);
  }

  /** A read view over the txn's current state (its own writes included). */
  view(): ReadView {
    return { backend: this.backend, read: {}, index: this.memory.index, currentRev: this.rev, compactRev: this.compactRev };
  }

  /** True when lease `id` exists (a put may attach only an existing lease). */
  leaseExists(id: number): boolean {
    return leaseExists(this.backend, id);
  }

  /** The keys attached to lease `id`, in byte order. */
  leaseKeys(id: number): Buffer[] {
    return this.memory.leaseKeys.keysOf(id);
  }

  /** The key's current kv (as of this txn's own writes), or undefined when absent. */
  current(key: Uint8Array): KeyValue | undefined {
    const history = this.memory.index.get(key);
    if (history === undefined) return undefined;
    const last = lastEntry(history);
    return last.tombstone ? undefined : keyValueAt(this.view(), last);
  }

  /** Writes a new version of `key`; returns the kv it replaced. */
  put(key: Uint8Array, value: Uint8Array, lease: number): KeyValue | undefined {
    const main = this.beginRev + 1;
    const sub = this.changes;
    const keyBytes = Buffer.from(key);
    const history = this.memory.index.get(keyBytes);
    const last = history === undefined ? undefined : lastEntry(history);
    const prev = last === undefined || last.tombstone ? undefined : keyValueAt(this.view(), last);
    const kv: KeyValue = {
      key: keyBytes,
      create_revision: prev === undefined ? main : prev.create_revision,
      mod_revision: main,
      version: prev === undefined ? 1 : prev.version + 1,
      value,
      lease,
    };
    this.backend.kv.putSync(revisionToBytes(main, sub), encodeKeyValue(kv));
    this.tally.puts++;
    if (prev === undefined) this.memory.liveKeys++;
    this.memory.index.append(keyBytes, { main, sub, tombstone: false });
    this.memory.leaseKeys.move(indexKey(keyBytes), prev?.lease ?? 0, lease);
    this.changes++;
    if (this.eventsMode !== EventsMode.NONE) {
      this.events.push(this.eventsMode === EventsMode.KV_AND_PREV && prev !== undefined
        ? { type: EventType.PUT, kv, prev_kv: prev } : { type: EventType.PUT, kv });
    }
    return prev;
  }

  /**
   * Deletes every key of [key, rangeEnd) that exists now (etcd's deleteRange). Returns the deleted
   * kvs when `withPrevKvs`, else only their number. Deleting nothing changes nothing. The range is
   * walked DELETE_CHUNK_KEYS keys at a time, so without prev_kvs memory stays bounded however
   * many keys it holds.
   */
  deleteRange(key: Uint8Array, rangeEnd: Uint8Array | undefined, withPrevKvs: boolean): { deleted: number; prevKvs: KeyValue[] } {
    const interval = keyInterval(key, rangeEnd);
    const prevKvs: KeyValue[] = [];
    let deleted = 0;
    this.tally.deletes++;
    for (;;) {
      // The previous kv is always read: its lease must let go of the key.
      const chunk = this.collectLive(interval);
      for (const { key: doomed, prev } of chunk) {
        this.writeTombstone(doomed, prev);
        if (withPrevKvs) prevKvs.push(prev);
      }
      deleted += chunk.length;
      this.memory.liveKeys -= chunk.length;
      if (chunk.length < DELETE_CHUNK_KEYS || interval.single) return { deleted, prevKvs };
      // Everything up to the last deleted key is gone now; go on after it.
      interval.start = Buffer.concat([chunk[chunk.length - 1]!.key, ZERO_BYTE]);
    }
  }

  /** Up to DELETE_CHUNK_KEYS live keys of the interval (collected first: the index must not change under the cursor). */
  private collectLive(interval: KeyInterval): { key: Buffer; prev: KeyValue }[] {
    const view = this.view();
    const found: { key: Buffer; prev: KeyValue }[] = [];
    forEachLiveKey(view, interval, view.currentRev, false, (_key, entry) => {
      const prev = keyValueAt(view, entry);
      found.push({ key: Buffer.from(prev.key), prev });
      return found.length < DELETE_CHUNK_KEYS;
    });
    return found;
  }

  private writeTombstone(key: Buffer, prev: KeyValue): void {
    const main = this.beginRev + 1;
    const sub = this.changes;
    this.backend.kv.putSync(revisionToBytes(main, sub, true), encodeKeyValue({
      key, create_revision: 0, mod_revision: 0, version: 0, value: EMPTY, lease: 0,
    }));
    this.memory.index.append(key, { main, sub, tombstone: true });
    this.memory.leaseKeys.move(indexKey(key), prev.lease, 0);
    this.changes++;
    if (this.eventsMode === EventsMode.NONE) return;
    const kv: KeyValue = { key, create_revision: 0, mod_revision: main, version: 0, value: EMPTY, lease: 0 };
    this.events.push(this.eventsMode === EventsMode.KV_AND_PREV ? { type: EventType.DELETE, kv, prev_kv: prev } : { type: EventType.DELETE, kv });
  }
}
