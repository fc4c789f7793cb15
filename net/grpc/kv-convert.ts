/**
 * gRPC KV requests (as proto-loader decodes them: keepCase, int64 as strings, enums as numbers,
 * defaults filled, oneofs named) into the engine's request types. Responses need no conversion:
 * the engine's types already carry the proto's field names, numbers and byte arrays.
 */
import type {
  Compare, CompactionRequest, DeleteRangeRequest, PutRequest, RangeRequest, RequestOp, TxnRequest,
} from '../../engine/mvcc/rpc.js';
import { int64 } from './int64.js';

type Int64 = string | number;

interface GrpcRangeRequest {
  key: Uint8Array; range_end: Uint8Array; limit: Int64; revision: Int64; sort_order: number; sort_target: number;
  serializable: boolean; keys_only: boolean; count_only: boolean; min_mod_revision: Int64; max_mod_revision: Int64;
  min_create_revision: Int64; max_create_revision: Int64;
}
interface GrpcPutRequest {
  key: Uint8Array; value: Uint8Array; lease: Int64; prev_kv: boolean; ignore_value: boolean; ignore_lease: boolean;
}
interface GrpcDeleteRangeRequest { key: Uint8Array; range_end: Uint8Array; prev_kv: boolean }
interface GrpcCompare {
  result: number; target: number; key: Uint8Array; range_end: Uint8Array;
  version?: Int64; create_revision?: Int64; mod_revision?: Int64; value?: Uint8Array; lease?: Int64;
}
interface GrpcRequestOp {
  request?: 'request_range' | 'request_put' | 'request_delete_range' | 'request_txn';
  request_range?: GrpcRangeRequest; request_put?: GrpcPutRequest;
  request_delete_range?: GrpcDeleteRangeRequest; request_txn?: GrpcTxnRequest;
}
interface GrpcTxnRequest { compare: GrpcCompare[]; success: GrpcRequestOp[]; failure: GrpcRequestOp[] }
interface GrpcCompactionRequest { revision: Int64; physical: boolean }

export function rangeRequestFrom(g: GrpcRangeRequest): RangeRequest {
  return {
    key: g.key, range_end: g.range_end, limit: int64(g.limit, 'limit'), revision: int64(g.revision, 'revision'),
    sort_order: g.sort_order, sort_target: g.sort_target, serializable: g.serializable,
    keys_only: g.keys_only, count_only: g.count_only,
    min_mod_revision: int64(g.min_mod_revision, 'min_mod_revision'),
    max_mod_revision: int64(g.max_mod_revision, 'max_mod_revision'),
    min_create_revision: int64(g.min_create_revision, 'min_create_revision'),
    max_create_revision: int64(g.max_create_revision, 'max_create_revision'),
  };
}

export function putRequestFrom(g: GrpcPutRequest): PutRequest {
  return {
    key: g.key, value: g.value, lease: int64(g.lease, 'lease'),
    prev_kv: g.prev_kv, ignore_value: g.ignore_value, ignore_lease: g.ignore_lease,
  };
}

export function deleteRangeRequestFrom(g: GrpcDeleteRangeRequest): DeleteRangeRequest {
  return { key: g.key, range_end: g.range_end, prev_kv: g.prev_kv };
}

function compareFrom(g: GrpcCompare): Compare {
  const compare: Compare = { result: g.result, target: g.target, key: g.key, range_end: g.range_end };
  if (g.version !== undefined) compare.version = int64(g.version, 'version');
  if (g.create_revision !== undefined) compare.create_revision = int64(g.create_revision, 'create_revision');
  if (g.mod_revision !== undefined) compare.mod_revision = int64(g.mod_revision, 'mod_revision');
  if (g.value !== undefined) compare.value = g.value;
  if (g.lease !== undefined) compare.lease = int64(g.lease, 'lease');
  return compare;
}

function requestOpFrom(g: GrpcRequestOp): RequestOp {
  switch (g.request) {
    case 'request_range': return { request_range: rangeRequestFrom(g.request_range!) };
    case 'request_put': return { request_put: putRequestFrom(g.request_put!) };
    case 'request_delete_range': return { request_delete_range: deleteRangeRequestFrom(g.request_delete_range!) };
    case 'request_txn': return { request_txn: txnRequestFrom(g.request_txn!) };
    default: return {};
  }
}

export function txnRequestFrom(g: GrpcTxnRequest): TxnRequest {
  return {
    compare: g.compare.map(compareFrom),
    success: g.success.map(requestOpFrom),
    failure: g.failure.map(requestOpFrom),
  };
}

export function compactionRequestFrom(g: GrpcCompactionRequest): CompactionRequest {
  return { revision: int64(g.revision, 'revision'), physical: g.physical };
}
