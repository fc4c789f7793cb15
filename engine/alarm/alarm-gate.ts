/**
 * What a raised alarm refuses, decided where etcd decides it: when the entry applies (etcd swaps
 * in its corrupt or capped applier), so every member refuses the same entries, whatever member
 * proposed them. Reads are never refused: etcd serves them (and read-only transactions) without
 * its applier, so a transaction that writes nothing passes here.
 *
 * - CORRUPT (applierV3Corrupt): put, delete, a transaction that writes, compaction, lease grant
 *   and revoke fail with "etcdserver: corrupt cluster".
 * - NOSPACE (applierV3Capped): put, a transaction that puts, and lease grant fail with
 *   "etcdserver: mvcc: database space exceeded"; deletes and compactions still free space.
 * CORRUPT is checked first, as etcd wraps the corrupt applier outermost when it restarts with both
 * raised (while it runs, etcd 3.4 lets the alarm raised last decide; here it never depends on that).
 */
import { ErrCorrupt, ErrNoSpace, type EtcdError } from '../errors.js';
import type { InternalRequest } from '../mvcc/request.js';
import type { RequestOp } from '../mvcc/rpc.js';
import { AlarmType } from './alarm-rpc.js';

/** Does any branch of the transaction (nested ones included) hold an op of this kind? */
function txnHas(ops: readonly RequestOp[] | undefined, kind: 'request_put' | 'request_delete_range'): boolean {
  return (ops ?? []).some((op) => op[kind] !== undefined ||
    (op.request_txn !== undefined && (txnHas(op.request_txn.success, kind) || txnHas(op.request_txn.failure, kind))));
}

function txnPuts(request: InternalRequest): boolean {
  return 'txn' in request && (txnHas(request.txn.success, 'request_put') || txnHas(request.txn.failure, 'request_put'));
}

function txnWrites(request: InternalRequest): boolean {
  return txnPuts(request) ||
    ('txn' in request && (txnHas(request.txn.success, 'request_delete_range') || txnHas(request.txn.failure, 'request_delete_range')));
}

/** The error an active alarm answers `request` with, or undefined when the request may apply. */
export function alarmRefusal(request: InternalRequest, isRaised: (type: AlarmType) => boolean): EtcdError | undefined {
  if (isRaised(AlarmType.CORRUPT) && ('put' in request || 'delete_range' in request || txnWrites(request) ||
    'compaction' in request || 'lease_grant' in request || 'lease_revoke' in request)) {
    return ErrCorrupt;
  }
  if (isRaised(AlarmType.NOSPACE) && ('put' in request || txnPuts(request) || 'lease_grant' in request)) return ErrNoSpace;
  return undefined;
}
