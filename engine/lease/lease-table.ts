/**
 * The replicated lease state in the MVCC store (etcd's `lease` bucket): each lease's granted TTL
 * and its last checkpointed remaining TTL, and the keys attached to it. Only the apply worker
 * writes it, inside its batch transaction, so a lease and its keys change atomically with the
 * data and the applied index. Expiry times are not here: only the leader's lessor keeps those
 * (engine/lease/lessor.ts), and an expiry becomes a replicated revoke.
 *
 *   lease       id (u64 BE) -> ttl (u64 BE) | remaining_ttl (u64 BE)     seconds; remaining 0 = none
 *   lease_keys  id (u64 BE) | user key -> empty
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

function idBytes(id: number): Buffer {
  if (!Number.isSafeInteger(id) || id <= 0) throw new RangeError(`invalid lease id ${id}`);
  const out = Buffer.allocUnsafe(ID_BYTES);
  writeU64(out, 0, id);
  return out;
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

/** True when the lease exists. */
export function leaseExists(backend: Backend, id: number, read: ReadOptions = {}): boolean {
  return id > 0 && Number.isSafeInteger(id) && backend.lease.get(idBytes(id), read) !== undefined;
}

/** The lease, or undefined. */
export function readLease(backend: Backend, id: number, read: ReadOptions): LeaseRecord | undefined {
  if (id <= 0 || !Number.isSafeInteger(id)) return undefined;
  const bytes = backend.lease.get(idBytes(id), read);
  return bytes === undefined ? undefined : decodeLease(id, bytes);
}

/** Every lease, in id order. */
export function readLeases(backend: Backend, read: ReadOptions): LeaseRecord[] {
  const leases: LeaseRecord[] = [];
  for (const { key, value } of backend.lease.getRange({ ...read })) leases.push(decodeLease(readU64(key, 0), value));
  return leases;
}

/** The keys attached to a lease, in key order. */
export function readLeaseKeys(backend: Backend, id: number, read: ReadOptions): Buffer[] {
  const start = idBytes(id);
  const end = idBytes(id + 1);
  return Array.from(backend.leaseKeys.getKeys({ ...read, start, end }), (row) => Buffer.from(row.subarray(ID_BYTES)));
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
