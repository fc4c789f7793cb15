/**
 * Request checks etcd makes before a request reaches the store (etcdserver/api/v3rpc/key.go):
 * empty keys, ignore_value/ignore_lease misuse, sort options, the txn operation limit and keys
 * written twice in one txn. The server runs them before proposing; the store runs them again when
 * applying, so a bad entry in the log fails the same way on every member.
 */
import {
  ErrDuplicateKey, ErrEmptyKey, ErrInvalidSortOption, ErrLeaseProvided, ErrTooManyOps, ErrValueProvided,
} from '../errors.js';
import { intervalContains, type KeyInterval } from './range.js';
import {
  SortOrder, SortTarget, type DeleteRangeRequest, type PutRequest, type RangeRequest, type RequestOp, type TxnRequest,
} from './rpc.js';

/** etcd's --max-txn-ops default. */
export const MAX_TXN_OPS_DEFAULT = 128;

/** A key may be as long as the request allows (--max-request-bytes bounds it before Raft), as in etcd. */
function checkKey(key: Uint8Array | undefined): void {
  if (key === undefined || key.length === 0) throw ErrEmptyKey;
}

/** etcd's checkRangeRequest. */
export function checkRangeRequest(request: RangeRequest): void {
  if (request.key === undefined || request.key.length === 0) throw ErrEmptyKey;
  const order = request.sort_order ?? SortOrder.NONE;
  const target = request.sort_target ?? SortTarget.KEY;
  if (!(order in SortOrder) || !(target in SortTarget)) throw ErrInvalidSortOption;
}

/** etcd's checkPutRequest. */
export function checkPutRequest(request: PutRequest): void {
  checkKey(request.key);
  if (request.ignore_value === true && request.value !== undefined && request.value.length !== 0) throw ErrValueProvided;
  if (request.ignore_lease === true && request.lease !== undefined && request.lease !== 0) throw ErrLeaseProvided;
}

/** etcd's checkDeleteRequest. */
export function checkDeleteRangeRequest(request: DeleteRangeRequest): void {
  if (request.key === undefined || request.key.length === 0) throw ErrEmptyKey;
}

function checkRequestOp(op: RequestOp, maxTxnOps: number): void {
  if (op.request_range !== undefined) checkRangeRequest(op.request_range);
  else if (op.request_put !== undefined) checkPutRequest(op.request_put);
  else if (op.request_delete_range !== undefined) checkDeleteRangeRequest(op.request_delete_range);
  else if (op.request_txn !== undefined) checkTxnOps(op.request_txn, maxTxnOps);
}

/** etcd's checkTxnRequest: the widest of compare/success/failure counts against the limit. */
function checkTxnOps(request: TxnRequest, maxTxnOps: number): void {
  const compare = request.compare ?? [];
  const success = request.success ?? [];
  const failure = request.failure ?? [];
  const ops = Math.max(compare.length, success.length, failure.length);
  if (ops > maxTxnOps) throw ErrTooManyOps;
  for (const c of compare) if (c.key === undefined || c.key.length === 0) throw ErrEmptyKey;
  for (const op of success) checkRequestOp(op, maxTxnOps - ops);
  for (const op of failure) checkRequestOp(op, maxTxnOps - ops);
}

/** The keys one branch may put and the ranges it may delete. */
interface BranchWrites {
  puts: Set<string>;
  deletes: KeyInterval[];
}

function deletesContain(deletes: KeyInterval[], key: string): boolean {
  const bytes = Buffer.from(key, 'latin1');
  return deletes.some((interval) => intervalContains(interval, bytes));
}

/**
 * A delete's interval as etcd's checkIntervals reads it: the key alone, or [key, range_end) taken
 * literally. etcd does not read "\0" as "to the end" there, so a delete from a key to "\0"
 * conflicts with no put in its txn (the delete itself still deletes to the end).
 */
function literalInterval(key: Uint8Array, rangeEnd: Uint8Array | undefined): KeyInterval {
  return rangeEnd === undefined || rangeEnd.length === 0 ? { start: key, end: undefined, single: true } : { start: key, end: rangeEnd, single: false };
}

/**
 * etcd's checkIntervals: a key may be put once per txn path and never inside a range the same path
 * deletes. The two branches of a nested txn are exclusive, so a key put in both is allowed.
 */
function checkIntervals(ops: RequestOp[]): BranchWrites {
  const deletes: KeyInterval[] = [];
  for (const op of ops) {
    const d = op.request_delete_range;
    if (d !== undefined) deletes.push(literalInterval(d.key, d.range_end));
  }
  const puts = new Set<string>();
  for (const op of ops) {
    if (op.request_txn === undefined) continue;
    const then = checkIntervals(op.request_txn.success ?? []);
    const otherwise = checkIntervals(op.request_txn.failure ?? []);
    for (const key of then.puts) {
      if (puts.has(key) || deletesContain(deletes, key)) throw ErrDuplicateKey;
      puts.add(key);
    }
    for (const key of otherwise.puts) {
      if ((puts.has(key) && !then.puts.has(key)) || deletesContain(deletes, key)) throw ErrDuplicateKey;
      puts.add(key);
    }
    deletes.push(...then.deletes, ...otherwise.deletes);
  }
  for (const op of ops) {
    if (op.request_put === undefined) continue;
    const key = Buffer.from(op.request_put.key).toString('latin1');
    if (puts.has(key) || deletesContain(deletes, key)) throw ErrDuplicateKey;
    puts.add(key);
  }
  return { puts, deletes };
}

/** etcd's checkTxnRequest plus its duplicate-key check on both branches. */
export function checkTxnRequest(request: TxnRequest, maxTxnOps = MAX_TXN_OPS_DEFAULT): void {
  checkTxnOps(request, maxTxnOps);
  checkIntervals(request.success ?? []);
  checkIntervals(request.failure ?? []);
}
