/**
 * The LMDB backend of the MVCC store: one environment, named tables, binary keys in byte order.
 * Only the apply worker writes; any thread may open the same path and read. No table is keyed by a
 * user key (LMDB bounds keys to 1,978 bytes; etcd bounds only the request): the key index lives in
 * the apply worker's memory (key-index.ts), rebuilt from the kv table at open, as etcd rebuilds its
 * treeIndex from bbolt's `key` bucket.
 *
 *   kv     revision (etcd's 17 bytes: main BE8 '_' sub BE8, + 't' for a tombstone)
 *            -> mvccpb.KeyValue protobuf          (etcd's `key` bucket: the whole history)
 *   meta   name (ASCII) -> value:
 *            current_rev            u64  newest main revision (also kept when a compaction drops it)
 *            applied_index          u64  last Raft entry applied, written in the SAME txn as its data
 *            applied_term           u64  term of that entry
 *            scheduled_compact_rev  u64  compaction requested up to here: reads below it fail at once
 *            finished_compact_rev   u64  compaction physically complete up to here
 *            compact_cursor         bytes  last user key an unfinished compaction has processed
 *            cluster_id             u64  and member/..., member_removed/...: see members.ts
 *            alarm/...              the raised alarms: see engine/alarm/alarm-table.ts
 *   lease       lease id (i64 BE) -> ttl u64 BE | remaining ttl u64 BE (seconds; 0 = no checkpoint)
 *
 * The keys attached to each lease are not stored either: every kv row carries its lease, so the
 * apply worker rebuilds them with the index (lease-keys.ts), as etcd's lessor does.
 */
import { open, type Database, type RootDatabase, type Transaction } from 'lmdb';

/** The meta table's keys. */
export const META = {
  CURRENT_REV: Buffer.from('current_rev'),
  APPLIED_INDEX: Buffer.from('applied_index'),
  APPLIED_TERM: Buffer.from('applied_term'),
  SCHEDULED_COMPACT_REV: Buffer.from('scheduled_compact_rev'),
  FINISHED_COMPACT_REV: Buffer.from('finished_compact_rev'),
  COMPACT_CURSOR: Buffer.from('compact_cursor'),
  CLUSTER_ID: Buffer.from('cluster_id'),
} as const;

/** One named LMDB table with binary keys and values. */
export type Table = Database<Buffer, Buffer>;

/** The open environment and its tables. */
export interface Backend {
  root: RootDatabase<Buffer, Buffer>;
  kv: Table;
  meta: Table;
  lease: Table;
}

/** Read options: inside a write transaction pass {} (reads see its writes), else a read txn. */
export interface ReadOptions {
  transaction?: Transaction;
}

/** Opens (creating when absent and writable) the store at `path`. */
export function openBackend(path: string, options: { readOnly?: boolean } = {}): Backend {
  const root = open<Buffer, Buffer>({
    path,
    keyEncoding: 'binary',
    encoding: 'binary',
    compression: false,
    cache: false,
    readOnly: options.readOnly ?? false,
  });
  const table = (name: string): Table => root.openDB<Buffer, Buffer>({
    name, keyEncoding: 'binary', encoding: 'binary', compression: false, cache: false,
  });
  return { root, kv: table('kv'), meta: table('meta'), lease: table('lease') };
}

/**
 * A value without a copy: a view of lmdb-js's getBinaryFast buffer, which the next read overwrites
 * (its typings omit the read options its implementation takes). That buffer is larger than the
 * value and only its `length` property is set to the value's size, so it is cut to a true view.
 */
export function getVolatile(table: Table, key: Buffer, read: ReadOptions): Buffer | undefined {
  const bytes = (table as unknown as { getBinaryFast(key: Buffer, options: ReadOptions): Buffer | undefined }).getBinaryFast(key, read);
  return bytes?.subarray(0, bytes.length);
}

/** Reads a u64 meta value (0 when absent). */
export function getMetaNumber(backend: Backend, name: Buffer, read: ReadOptions): number {
  const bytes = backend.meta.get(name, read);
  if (bytes === undefined) return 0;
  if (bytes.length !== 8) throw new Error(`corrupt meta ${name.toString()}: ${bytes.length} bytes`);
  return bytes.readUInt32BE(0) * 2 ** 32 + bytes.readUInt32BE(4);
}

/** etcd's compacted revision before any compaction: -1, so that compacting revision 0 is allowed. */
export const NEVER_COMPACTED = -1;

/** The scheduled compaction revision, or NEVER_COMPACTED. */
export function scheduledCompactRevision(backend: Backend, read: ReadOptions): number {
  return backend.meta.get(META.SCHEDULED_COMPACT_REV, read) === undefined
    ? NEVER_COMPACTED : getMetaNumber(backend, META.SCHEDULED_COMPACT_REV, read);
}

/** Writes a u64 meta value (inside a write transaction). */
export function putMetaNumber(backend: Backend, name: Buffer, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`meta ${name.toString()} must be a safe integer, got ${value}`);
  const bytes = Buffer.allocUnsafe(8);
  bytes.writeUInt32BE(Math.floor(value / 2 ** 32), 0);
  bytes.writeUInt32BE(value >>> 0, 4);
  backend.meta.putSync(name, bytes);
}

/** Byte-wise comparison of two keys (LMDB's default order). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}
