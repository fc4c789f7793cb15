/**
 * Txn: compare, then run the success or failure ops (etcd's applierV3backend.Txn). Every compare of
 * the whole nested tree is evaluated against the state before the txn writes anything (etcd's
 * compareToPath), the ops on the chosen path are checked before any of them runs (so a failing
 * txn writes nothing), and all writes share one main revision with increasing sub revisions.
 */
import { ErrCompacted, ErrFutureRev } from '../errors.js';
import { compareBytes } from './backend.js';
import { forEachLiveKey, keyInterval, keyValueAt, type ReadView } from './range.js';
import { applyDeleteRange, applyPut, applyRange, checkPutTarget } from './ops.js';
import {
  CompareResult, CompareTarget, type Compare, type KeyValue, type RequestOp, type ResponseOp, type TxnRequest,
  type TxnResponse,
} from './rpc.js';
import type { WriteTxn } from './write-txn.js';
import type { OpTally } from './op-counts.js';

const EMPTY = new Uint8Array(0);
const ABSENT_KV: KeyValue = { key: EMPTY, create_revision: 0, mod_revision: 0, version: 0, value: EMPTY, lease: 0 };

/** etcd's compareKV: the compare's target field of `kv` against the compare's operand. */
function compareKeyValue(c: Compare, kv: KeyValue): boolean {
  let result: number;
  switch (c.target ?? CompareTarget.VERSION) {
    case CompareTarget.VALUE: result = compareBytes(kv.value, c.value ?? EMPTY); break;
    case CompareTarget.CREATE: result = Math.sign(kv.create_revision - (c.create_revision ?? 0)); break;
    case CompareTarget.MOD: result = Math.sign(kv.mod_revision - (c.mod_revision ?? 0)); break;
    case CompareTarget.VERSION: result = Math.sign(kv.version - (c.version ?? 0)); break;
    case CompareTarget.LEASE: result = Math.sign(kv.lease - (c.lease ?? 0)); break;
    default: return true;
  }
  switch (c.result ?? CompareResult.EQUAL) {
    case CompareResult.EQUAL: return result === 0;
    case CompareResult.NOT_EQUAL: return result !== 0;
    case CompareResult.GREATER: return result > 0;
    case CompareResult.LESS: return result < 0;
    default: return true;
  }
}

/**
 * etcd's applyCompare: true when every key of the compare's range passes. A missing key compares
 * as a zero KeyValue (version 0, create 0, ...), except that a VALUE compare on no key fails.
 */
export function applyCompare(view: ReadView, c: Compare): boolean {
  let found = false;
  let passed = true;
  const withValue = c.target === CompareTarget.VALUE;
  forEachLiveKey(view, keyInterval(c.key, c.range_end), view.currentRev, false, (_key, entry) => {
    found = true;
    passed = compareKeyValue(c, keyValueAt(view, entry, withValue));
    return passed;
  });
  if (!found) return c.target === CompareTarget.VALUE ? false : compareKeyValue(c, ABSENT_KV);
  return passed;
}

/** etcd's compareToPath: the branch taken by this txn and, depth first, by each nested txn on it. */
function compareToPath(view: ReadView, request: TxnRequest, path: boolean[], tally: OpTally): void {
  // Each compare evaluated is a Range in etcd's counts (it stops at the first that fails, as here).
  const succeeded = (request.compare ?? []).every((c) => {
    tally.ranges++;
    return applyCompare(view, c);
  });
  path.push(succeeded);
  for (const op of (succeeded ? request.success : request.failure) ?? []) {
    if (op.request_txn !== undefined) compareToPath(view, op.request_txn, path, tally);
  }
}

/** Walks the ops on the chosen path, as etcd's checkRequests does, failing before any write. */
function checkPath(w: WriteTxn, view: ReadView, request: TxnRequest, path: boolean[], cursor: { at: number }): void {
  const succeeded = path[cursor.at++]!;
  for (const op of (succeeded ? request.success : request.failure) ?? []) {
    if (op.request_txn !== undefined) checkPath(w, view, op.request_txn, path, cursor);
    else if (op.request_put !== undefined) checkPutTarget(w, op.request_put);
    else if (op.request_range !== undefined) {
      const revision = op.request_range.revision ?? 0;
      if (revision > 0 && revision > view.currentRev) throw ErrFutureRev;
      if (revision > 0 && revision < view.compactRev) throw ErrCompacted;
    }
  }
}

/**
 * One op of the chosen path. As in etcd, each op's response carries a header holding only the
 * revision the op saw: the txn's revision so far (the store's until the txn's first write, then
 * the txn's own), read after the op ran. A nested txn's header is empty: etcd sets the revision on
 * the outermost txn only.
 */
function applyOp(w: WriteTxn, op: RequestOp, path: boolean[], cursor: { at: number }): ResponseOp {
  if (op.request_range !== undefined) return { response_range: { header: { revision: w.rev }, ...applyRange(w, op.request_range) } };
  if (op.request_put !== undefined) {
    const response = applyPut(w, op.request_put);
    return { response_put: { header: { revision: w.rev }, ...response } };
  }
  if (op.request_delete_range !== undefined) {
    const response = applyDeleteRange(w, op.request_delete_range);
    return { response_delete_range: { header: { revision: w.rev }, ...response } };
  }
  if (op.request_txn !== undefined) return { response_txn: { header: { revision: 0 }, ...applyPath(w, op.request_txn, path, cursor) } };
  return {};
}

function applyPath(w: WriteTxn, request: TxnRequest, path: boolean[], cursor: { at: number }): TxnResponse {
  const succeeded = path[cursor.at++]!;
  const responses = ((succeeded ? request.success : request.failure) ?? []).map((op) => applyOp(w, op, path, cursor));
  return { succeeded, responses };
}

/** etcd's Txn. The caller has validated the request (checkTxnRequest). */
export function applyTxn(w: WriteTxn, request: TxnRequest): TxnResponse {
  const before = w.view();
  const path: boolean[] = [];
  compareToPath(before, request, path, w.tally);
  checkPath(w, before, request, path, { at: 0 });
  return applyPath(w, request, path, { at: 0 });
}
