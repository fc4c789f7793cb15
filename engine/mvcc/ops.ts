/**
 * Put, DeleteRange and Range applied through a write transaction, with etcd's semantics
 * (etcdserver's applierV3backend): ignore_value / ignore_lease reuse the current value / lease and
 * need the key to exist; prev_kv returns what the write replaced; a delete that matches nothing
 * consumes no revision.
 */
import { ErrKeyNotFound, ErrLeaseNotFound } from '../errors.js';
import { range } from './range.js';
import type { DeleteRangeRequest, DeleteRangeResponse, PutRequest, PutResponse, RangeRequest, RangeResponse } from './rpc.js';
import type { WriteTxn } from './write-txn.js';

const EMPTY = new Uint8Array(0);

/**
 * Fails a put whose ignore_value / ignore_lease has no existing key to take them from, or that
 * attaches a lease that does not exist (etcd's checkRequestPut).
 */
export function checkPutTarget(w: WriteTxn, request: PutRequest): void {
  if ((request.ignore_value === true || request.ignore_lease === true) && w.current(request.key) === undefined) {
    throw ErrKeyNotFound;
  }
  checkPutLease(w, request);
}

function checkPutLease(w: WriteTxn, request: PutRequest): void {
  const lease = request.lease ?? 0;
  if (request.ignore_lease !== true && lease !== 0 && !w.leaseExists(lease)) throw ErrLeaseNotFound;
}

/**
 * etcd's Put. Alone, a put checks its lease before the key ignore_value / ignore_lease need (etcd's
 * applierV3backend.Put); inside a txn, checkPutTarget has checked both, key first, before any op ran.
 */
export function applyPut(w: WriteTxn, request: PutRequest): PutResponse {
  checkPutLease(w, request);
  const ignoring = request.ignore_value === true || request.ignore_lease === true;
  const existing = ignoring ? w.current(request.key) : undefined;
  if (ignoring && existing === undefined) throw ErrKeyNotFound;
  const value = request.ignore_value === true ? existing!.value : (request.value ?? EMPTY);
  const lease = request.ignore_lease === true ? existing!.lease : (request.lease ?? 0);
  const prev = w.put(request.key, value, lease);
  return request.prev_kv === true && prev !== undefined ? { prev_kv: prev } : {};
}

/** etcd's DeleteRange. */
export function applyDeleteRange(w: WriteTxn, request: DeleteRangeRequest): DeleteRangeResponse {
  const { deleted, prevKvs } = w.deleteRange(request.key, request.range_end, request.prev_kv === true);
  return { deleted, prev_kvs: prevKvs };
}

/** etcd's Range inside a write transaction: it sees the transaction's own earlier writes. */
export function applyRange(w: WriteTxn, request: RangeRequest): RangeResponse {
  w.tally.ranges++;
  return range(w.view(), request);
}
