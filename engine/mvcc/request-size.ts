/**
 * The size etcd measures a request by against --max-request-bytes: its InternalRaftRequest as
 * gogo-protobuf marshals it (zero values left out), with the RequestHeader etcd adds (field 100,
 * carrying the request id). cairn's log entries are msgpack and a little larger, so measuring
 * those would refuse requests etcd accepts just under the limit; this counts what etcd counts.
 */
import type { InternalRequest } from './request.js';
import type { Compare, DeleteRangeRequest, PutRequest, RangeRequest, RequestOp, TxnRequest } from './rpc.js';
import {
  boolFieldBytes as boolField, bytesFieldBytes as bytesField, messageFieldBytes as messageField, tagBytes, VARINT_BYTES_MAX,
  varintFieldBytes as varintField,
} from '../wire/protobuf-size.js';

/** InternalRaftRequest's field numbers (etcd's raft_internal.proto). */
const FIELD = { header: 100, put: 4, delete_range: 5, txn: 6, compaction: 7, lease_grant: 8, lease_revoke: 9, lease_checkpoint: 11 } as const;

function rangeBytes(r: RangeRequest): number {
  return bytesField(1, r.key.length) + bytesField(2, r.range_end?.length) + varintField(3, r.limit) + varintField(4, r.revision) +
    varintField(5, r.sort_order) + varintField(6, r.sort_target) + boolField(7, r.serializable) + boolField(8, r.keys_only) +
    boolField(9, r.count_only) + varintField(10, r.min_mod_revision) + varintField(11, r.max_mod_revision) +
    varintField(12, r.min_create_revision) + varintField(13, r.max_create_revision);
}

function putBytes(r: PutRequest): number {
  return bytesField(1, r.key.length) + bytesField(2, r.value?.length) + varintField(3, r.lease) + boolField(4, r.prev_kv) +
    boolField(5, r.ignore_value) + boolField(6, r.ignore_lease);
}

function deleteRangeBytes(r: DeleteRangeRequest): number {
  return bytesField(1, r.key.length) + bytesField(2, r.range_end?.length) + boolField(3, r.prev_kv);
}

function compareBytes(c: Compare): number {
  return varintField(1, c.result) + varintField(2, c.target) + bytesField(3, c.key.length) + varintField(4, c.version) +
    varintField(5, c.create_revision) + varintField(6, c.mod_revision) + bytesField(7, c.value?.length) +
    varintField(8, c.lease) + bytesField(64, c.range_end?.length);
}

function requestOpBytes(op: RequestOp): number {
  if (op.request_range !== undefined) return messageField(1, rangeBytes(op.request_range));
  if (op.request_put !== undefined) return messageField(2, putBytes(op.request_put));
  if (op.request_delete_range !== undefined) return messageField(3, deleteRangeBytes(op.request_delete_range));
  if (op.request_txn !== undefined) return messageField(4, txnBytes(op.request_txn));
  return 0;
}

function txnBytes(r: TxnRequest): number {
  let total = 0;
  for (const c of r.compare ?? []) total += messageField(1, compareBytes(c));
  for (const op of r.success ?? []) total += messageField(2, requestOpBytes(op));
  for (const op of r.failure ?? []) total += messageField(3, requestOpBytes(op));
  return total;
}

/** The request's size as etcd measures it, or undefined for one etcd has no limit for (member attributes). */
export function etcdRequestBytes(request: InternalRequest): number | undefined {
  // etcd's header: an 8-byte-ish id; counted at its widest, so cairn never accepts what etcd refuses by more.
  const header = messageField(FIELD.header, tagBytes(1) + VARINT_BYTES_MAX);
  if ('put' in request) return header + messageField(FIELD.put, putBytes(request.put));
  if ('delete_range' in request) return header + messageField(FIELD.delete_range, deleteRangeBytes(request.delete_range));
  if ('txn' in request) return header + messageField(FIELD.txn, txnBytes(request.txn));
  if ('compaction' in request) {
    return header + messageField(FIELD.compaction, varintField(1, request.compaction.revision) + boolField(2, request.compaction.physical));
  }
  if ('lease_grant' in request) {
    return header + messageField(FIELD.lease_grant, varintField(1, request.lease_grant.TTL) + varintField(2, request.lease_grant.ID));
  }
  if ('lease_revoke' in request) return header + messageField(FIELD.lease_revoke, varintField(1, request.lease_revoke.ID));
  if ('lease_checkpoint' in request) {
    let checkpoints = 0;
    for (const c of request.lease_checkpoint.checkpoints) checkpoints += messageField(1, varintField(1, c.ID) + varintField(2, c.remaining_TTL));
    return header + messageField(FIELD.lease_checkpoint, checkpoints);
  }
  return undefined;
}
