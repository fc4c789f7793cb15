/**
 * The replicated lease state in the MVCC store (etcd's `lease` bucket): each lease's granted TTL
 * and its last checkpointed remaining TTL. Only the apply worker writes it, inside its batch
 * transaction, so a lease changes atomically with the data and the applied index. The keys attached
 * to a lease are not stored here: each kv row names its lease (lease-keys.ts). Expiry times are not here: only the leader's lessor keeps those
 * (engine/lease/lessor.ts), and an expiry becomes a replicated revoke.
 *
 *   lease       id (i64 BE) -> ttl (u64 BE) | remaining_ttl (u64 BE)     seconds; remaining 0 = none
 *
 * Ids are int64s as in etcd, negative ones included (only 0, NoLease, is no lease); i64 BE is the
 * 64-bit two's complement, as etcd's lease bucket writes it, so a positive id has the bytes it had
 * as a u64 and negative ids sort after every positive one.
 */
import { ErrLeaseExist, ErrLeaseNotFound } from '../errors.js';
import type { Backend, ReadOptions } from '../mvcc/backend.js';

/** etcd's lease.NoLease. */
export const NO_LEASE = 0;
const ID_BYTES = 8;
const TWO_POW_32 = 2 ** 32;

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

/** etcd's lessor.Grant, applied: fails when the id is taken. */
export function grantLease(backend: Backend, id: number, ttl: number): void {
  if (leaseExists(backend, id)) throw ErrLeaseExist;
  backend.lease.putSync(idBytes(id), encodeLease(ttl, 0));
}

/** What revoking needs of the write transaction (mvcc/write-txn.ts's WriteTxn, which imports this table). */
export interface LeaseKeyDeleter {
  leaseKeys(id: number): Uint8Array[];
  deleteRange(key: Uint8Array, rangeEnd: Uint8Array | undefined, withPrevKvs: boolean): unknown;
}

/**
 * etcd's lessor.Revoke, applied: deletes every attached key through `w` (one revision, a DELETE
 * event each), then the lease. Fails when the lease does not exist.
 */
export function revokeLease(backend: Backend, w: LeaseKeyDeleter, id: number): void {
  if (!leaseExists(backend, id)) throw ErrLeaseNotFound;
  // Collected first: deleting detaches, and the set must not change while it is walked.
  for (const key of w.leaseKeys(id)) w.deleteRange(key, undefined, false);
  backend.lease.removeSync(idBytes(id));
}

/** etcd's LeaseCheckpoint, applied: records remaining TTLs of leases that still exist. */
export function checkpointLeases(backend: Backend, checkpoints: readonly { ID: number; remaining_TTL: number }[]): void {
  for (const { ID, remaining_TTL } of checkpoints) {
    const lease = readLease(backend, ID, {});
    if (lease !== undefined) backend.lease.putSync(idBytes(ID), encodeLease(lease.ttl, remaining_TTL));
  }
}
