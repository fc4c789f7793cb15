/**
 * The replicated lease state in the MVCC store (etcd's `lease` bucket): each lease's granted TTL
 * and its last checkpointed remaining TTL, and the keys attached to it. Only the apply worker
 * writes it, inside its batch transaction, so a lease and its keys change atomically with the
 * data and the applied index. Expiry times are not here: only the leader's lessor keeps those
 * (engine/lease/lessor.ts), and an expiry becomes a replicated revoke.
 *
 *   lease       id (i64 BE) -> ttl (u64 BE) | remaining_ttl (u64 BE)     seconds; remaining 0 = none
 *   lease_keys  id (i64 BE) | user key -> empty
 *
 * Ids are int64s as in etcd, negative ones included (only 0, NoLease, is no lease); i64 BE is the
 * 64-bit two's complement, as etcd's lease bucket writes it, so a positive id has the bytes it had
 * as a u64 and negative ids sort after every positive one.
 */
import { ErrLeaseExist, ErrLeaseNotFound } from '../errors.js';
import type { Backend, ReadOptions } from '../mvcc/backend.js';
import type { WriteTxn } from '../mvcc/write-txn.js';

/** etcd's lease.NoLease. */
export const NO_LEASE = 0;
const ID_BYTES = 8;
const TWO_POW_32 = 2 ** 32;
const EMPTY = Buffer.alloc(0);

/** One lease as the store holds it. */
export interface LeaseRecord {
  id: number;
  ttl: number;
  /** The remaining TTL of the last checkpoint (0 when none is in force). */
  remainingTtl: number;
}

function writeU64(out: Buffer, offset: number, value: number): void {
  out.writeUInt32BE(Math.floor(value / TWO_POW_32), offset);
  out.writeUInt32BE(value >>> 0, offset + 4);
}

function readU64(bytes: Buffer, offset: number): number {
  return bytes.readUInt32BE(offset) * TWO_POW_32 + bytes.readUInt32BE(offset + 4);
}

/** A safe integer as a 64-bit two's complement (i64 BE): the high word signed, the low word as is. */
function idBytes(id: number): Buffer {
  if (!Number.isSafeInteger(id) || id === NO_LEASE) throw new RangeError(`invalid lease id ${id}`);
  const out = Buffer.allocUnsafe(ID_BYTES);
  out.writeInt32BE(Math.floor(id / TWO_POW_32), 0);
  out.writeUInt32BE(id >>> 0, 4);
  return out;
}

function readId(bytes: Buffer): number {
  return bytes.readInt32BE(0) * TWO_POW_32 + bytes.readUInt32BE(4);
}

/**
 * Where lease `id`'s rows in lease_keys end: the successor of its 8 id bytes (the last byte below
 * 0xFF plus one, the bytes after it zeroed). Not idBytes(id + 1): after -1 (all 0xFF) comes 0,
 * whose bytes sort first; -1's rows run to the end of the table instead (undefined).
 */
function idBytesAfter(id: number): Buffer | undefined {
  const out = idBytes(id);
  for (let i = ID_BYTES - 1; i >= 0; i--) {
    if (out[i] !== 0xff) {
      out[i] += 1;
      return out;
    }
    out[i] = 0;
  }
  return undefined;
}

function encodeLease(ttl: number, remainingTtl: number): Buffer {
  const out = Buffer.allocUnsafe(16);
  writeU64(out, 0, ttl);
  writeU64(out, 8, remainingTtl);
  return out;
}

function decodeLease(id: number, bytes: Buffer): LeaseRecord {
  if (bytes.length !== 16) throw new Error(`corrupt lease ${id}: ${bytes.length} bytes`);
  return { id, ttl: readU64(bytes, 0), remainingTtl: readU64(bytes, 8) };
}

function leaseKeyRow(id: number, key: Uint8Array): Buffer {
  return Buffer.concat([idBytes(id), key]);
}

/** A lease id the table can hold: any safe integer but NO_LEASE. */
function isLeaseId(id: number): boolean {
  return id !== NO_LEASE && Number.isSafeInteger(id);
}

/** True when the lease exists. */
export function leaseExists(backend: Backend, id: number, read: ReadOptions = {}): boolean {
  return isLeaseId(id) && backend.lease.get(idBytes(id), read) !== undefined;
}

/** The lease, or undefined. */
export function readLease(backend: Backend, id: number, read: ReadOptions): LeaseRecord | undefined {
  if (!isLeaseId(id)) return undefined;
  const bytes = backend.lease.get(idBytes(id), read);
  return bytes === undefined ? undefined : decodeLease(id, bytes);
}

/** Every lease, in byte order of the ids: positive ids ascending, then negative ones ascending. */
export function readLeases(backend: Backend, read: ReadOptions): LeaseRecord[] {
  const leases: LeaseRecord[] = [];
  for (const { key, value } of backend.lease.getRange({ ...read })) leases.push(decodeLease(readId(key), value));
  return leases;
}

/** The keys attached to a lease, in key order. */
export function readLeaseKeys(backend: Backend, id: number, read: ReadOptions): Buffer[] {
  const start = idBytes(id);
  const end = idBytesAfter(id);
  const range = end === undefined ? { ...read, start } : { ...read, start, end };
  return Array.from(backend.leaseKeys.getKeys(range), (row) => Buffer.from(row.subarray(ID_BYTES)));
}

/** etcd's lessor.Grant, applied: fails when the id is taken. */
export function grantLease(backend: Backend, id: number, ttl: number): void {
  if (leaseExists(backend, id)) throw ErrLeaseExist;
  backend.lease.putSync(idBytes(id), encodeLease(ttl, 0));
}

/**
 * etcd's lessor.Revoke, applied: deletes every attached key through `w` (one revision, a DELETE
 * event each), then the lease. Fails when the lease does not exist.
 */
export function revokeLease(backend: Backend, w: WriteTxn, id: number): void {
  if (!leaseExists(backend, id)) throw ErrLeaseNotFound;
  // Collected first: deleting detaches, and the table must not change under the cursor.
  for (const key of readLeaseKeys(backend, id, {})) w.deleteRange(key, undefined, false);
  backend.lease.removeSync(idBytes(id));
}

/** etcd's LeaseCheckpoint, applied: records remaining TTLs of leases that still exist. */
export function checkpointLeases(backend: Backend, checkpoints: readonly { ID: number; remaining_TTL: number }[]): void {
  for (const { ID, remaining_TTL } of checkpoints) {
    const lease = readLease(backend, ID, {});
    if (lease !== undefined) backend.lease.putSync(idBytes(ID), encodeLease(lease.ttl, remaining_TTL));
  }
}

/** Moves `key` from lease `from` to lease `to` (either may be NO_LEASE). */
export function moveKeyLease(backend: Backend, key: Uint8Array, from: number, to: number): void {
  if (from === to) return;
  if (from !== NO_LEASE) backend.leaseKeys.removeSync(leaseKeyRow(from, key));
  if (to !== NO_LEASE) backend.leaseKeys.putSync(leaseKeyRow(to, key), EMPTY);
}
