/**
 * JSON bodies of etcd's KV gateway paths into the engine's request types (engine/mvcc/rpc.ts),
 * with the schemas of etcdserverpb's KV messages. Each decoder takes the raw body bytes and throws
 * the error etcd's gateway would give (see gateway-errors.ts for how it is rendered).
 */
import type {
  CompactionRequest, DeleteRangeRequest, PutRequest, RangeRequest, TxnRequest,
} from '../../../engine/mvcc/rpc.js';
import { CompareResult, CompareTarget, SortOrder, SortTarget } from '../../../engine/mvcc/rpc.js';
import { parseGoJsonStream } from './go-json.js';
import { type DecodedMessage, type FieldSpec, type MessageSchema, decodeMessage } from './json-codec.js';

/** A numeric TypeScript enum's name -> number pairs (its reverse mappings left out). */
export function enumValues(numericEnum: Record<string, string | number>): Record<string, number> {
  return Object.fromEntries(Object.entries(numericEnum).filter((entry): entry is [string, number] => typeof entry[1] === 'number'));
}

const BYTES = { type: 'bytes' } as const;
const INT64 = { type: 'int64' } as const;
const BOOL = { type: 'bool' } as const;

function field(name: string, kind: FieldSpec['kind']): FieldSpec {
  return { name, kind };
}

const RANGE_REQUEST: MessageSchema = {
  fields: [
    field('key', BYTES), field('range_end', BYTES), field('limit', INT64), field('revision', INT64),
    field('sort_order', { type: 'enum', goType: 'etcdserverpb.RangeRequest_SortOrder', values: enumValues(SortOrder) }),
    field('sort_target', { type: 'enum', goType: 'etcdserverpb.RangeRequest_SortTarget', values: enumValues(SortTarget) }),
    field('serializable', BOOL), field('keys_only', BOOL), field('count_only', BOOL),
    field('min_mod_revision', INT64), field('max_mod_revision', INT64),
    field('min_create_revision', INT64), field('max_create_revision', INT64),
  ],
  oneof: [],
};

const PUT_REQUEST: MessageSchema = {
  fields: [
    field('key', BYTES), field('value', BYTES), field('lease', INT64),
    field('prev_kv', BOOL), field('ignore_value', BOOL), field('ignore_lease', BOOL),
  ],
  oneof: [],
};

const DELETE_RANGE_REQUEST: MessageSchema = {
  fields: [field('key', BYTES), field('range_end', BYTES), field('prev_kv', BOOL)],
  oneof: [],
};

/** Compare: range_end (field 64) is a regular field, so jsonpb reads it before target_union. */
const COMPARE: MessageSchema = {
  fields: [
    field('result', { type: 'enum', goType: 'etcdserverpb.Compare_CompareResult', values: enumValues(CompareResult) }),
    field('target', { type: 'enum', goType: 'etcdserverpb.Compare_CompareTarget', values: enumValues(CompareTarget) }),
    field('key', BYTES), field('range_end', BYTES),
  ],
  oneof: [
    field('version', INT64), field('create_revision', INT64), field('mod_revision', INT64),
    field('value', BYTES), field('lease', INT64),
  ],
};

const REQUEST_OP: MessageSchema = {
  fields: [],
  oneof: [
    field('request_range', { type: 'message', schema: () => RANGE_REQUEST }),
    field('request_put', { type: 'message', schema: () => PUT_REQUEST }),
    field('request_delete_range', { type: 'message', schema: () => DELETE_RANGE_REQUEST }),
    field('request_txn', { type: 'message', schema: () => TXN_REQUEST }),
  ],
};

const TXN_REQUEST: MessageSchema = {
  fields: [
    field('compare', { type: 'repeated', schema: () => COMPARE }),
    field('success', { type: 'repeated', schema: () => REQUEST_OP }),
    field('failure', { type: 'repeated', schema: () => REQUEST_OP }),
  ],
  oneof: [],
};

const COMPACTION_REQUEST: MessageSchema = {
  fields: [field('revision', INT64), field('physical', BOOL)],
  oneof: [],
};

/** proto3 gives an absent bytes field the empty value; the engine's `key` must be present. */
function withKey<T extends { key: Uint8Array }>(message: DecodedMessage): T {
  return { key: new Uint8Array(0), ...message } as T;
}

function decodeBody(body: Uint8Array, schema: MessageSchema): DecodedMessage {
  return decodeMessage(parseGoJsonStream(body), schema);
}

/** POST /v3/kv/range. */
export function decodeRangeRequest(body: Uint8Array): RangeRequest {
  return withKey<RangeRequest>(decodeBody(body, RANGE_REQUEST));
}

/** POST /v3/kv/put. */
export function decodePutRequest(body: Uint8Array): PutRequest {
  return withKey<PutRequest>(decodeBody(body, PUT_REQUEST));
}

/** POST /v3/kv/deleterange. */
export function decodeDeleteRangeRequest(body: Uint8Array): DeleteRangeRequest {
  return withKey<DeleteRangeRequest>(decodeBody(body, DELETE_RANGE_REQUEST));
}

/** Fills the `key` every nested request and compare must carry, all the way down. */
function txnFrom(message: DecodedMessage): TxnRequest {
  const ops = (list: unknown): TxnRequest['success'] => (list as DecodedMessage[] | undefined)?.map((op) => {
    if (op.request_range !== undefined) return { request_range: withKey<RangeRequest>(op.request_range as DecodedMessage) };
    if (op.request_put !== undefined) return { request_put: withKey<PutRequest>(op.request_put as DecodedMessage) };
    if (op.request_delete_range !== undefined) {
      return { request_delete_range: withKey<DeleteRangeRequest>(op.request_delete_range as DecodedMessage) };
    }
    if (op.request_txn !== undefined) return { request_txn: txnFrom(op.request_txn as DecodedMessage) };
    return {};
  });
  const txn: TxnRequest = {};
  if (message.compare !== undefined) txn.compare = (message.compare as DecodedMessage[]).map((compare) => withKey(compare));
  if (message.success !== undefined) txn.success = ops(message.success);
  if (message.failure !== undefined) txn.failure = ops(message.failure);
  return txn;
}

/** POST /v3/kv/txn. */
export function decodeTxnRequest(body: Uint8Array): TxnRequest {
  return txnFrom(decodeBody(body, TXN_REQUEST));
}

/** POST /v3/kv/compaction. */
export function decodeCompactionRequest(body: Uint8Array): CompactionRequest {
  return { revision: 0, ...decodeBody(body, COMPACTION_REQUEST) };
}
