/**
 * The KV request and response messages of etcd's rpc.proto (etcdserverpb) and kv.proto (mvccpb),
 * with the proto's snake_case field names, so a gRPC adapter (proto-loader keepCase) and the JSON
 * gateway map onto them with almost no code. bytes are Uint8Array (Buffer on the way out), int64 is
 * number (revisions, versions and lease ids stay below 2^53), enums are numbered as in the proto.
 * Response headers are left out: the server fills them; every store call returns the revision the
 * header must carry beside the response instead.
 */

/** mvccpb.KeyValue. */
export interface KeyValue {
  key: Uint8Array;
  create_revision: number;
  mod_revision: number;
  version: number;
  value: Uint8Array;
  lease: number;
}

/** mvccpb.Event.EventType. */
export enum EventType {
  PUT = 0,
  DELETE = 1,
}

/** mvccpb.Event: one change, as the watch stream reports it. */
export interface Event {
  type: EventType;
  /** For DELETE: only key and mod_revision (the deletion's revision) are set, as etcd does. */
  kv: KeyValue;
  prev_kv?: KeyValue;
}

/** RangeRequest.SortOrder. */
export enum SortOrder {
  NONE = 0,
  ASCEND = 1,
  DESCEND = 2,
}

/** RangeRequest.SortTarget. */
export enum SortTarget {
  KEY = 0,
  VERSION = 1,
  CREATE = 2,
  MOD = 3,
  VALUE = 4,
}

export interface RangeRequest {
  key: Uint8Array;
  /** Empty: the single key. "\0": every key >= key. Otherwise the half-open range [key, range_end). */
  range_end?: Uint8Array;
  /** 0 = no limit. */
  limit?: number;
  /** <= 0 = the current revision. */
  revision?: number;
  sort_order?: SortOrder;
  sort_target?: SortTarget;
  /** Read locally without a linearizability barrier; the store serves both the same way. */
  serializable?: boolean;
  keys_only?: boolean;
  count_only?: boolean;
  min_mod_revision?: number;
  max_mod_revision?: number;
  min_create_revision?: number;
  max_create_revision?: number;
}

/**
 * The header an op's response carries inside a txn: only the revision the op saw (etcd leaves the
 * other fields unset there). Top-level responses get their full header from the server instead.
 */
export interface OpHeader {
  revision: number;
}

export interface RangeResponse {
  /** Set on responses inside a txn. */
  header?: OpHeader;
  kvs: KeyValue[];
  /** True when more keys than `limit` matched. */
  more: boolean;
  /** The number of keys in the range at the read revision (before limit and revision filters). */
  count: number;
}

export interface PutRequest {
  key: Uint8Array;
  value?: Uint8Array;
  lease?: number;
  prev_kv?: boolean;
  ignore_value?: boolean;
  ignore_lease?: boolean;
}

export interface PutResponse {
  /** Set on responses inside a txn. */
  header?: OpHeader;
  prev_kv?: KeyValue;
}

export interface DeleteRangeRequest {
  key: Uint8Array;
  range_end?: Uint8Array;
  prev_kv?: boolean;
}

export interface DeleteRangeResponse {
  /** Set on responses inside a txn. */
  header?: OpHeader;
  deleted: number;
  prev_kvs: KeyValue[];
}

/** Compare.CompareResult. */
export enum CompareResult {
  EQUAL = 0,
  GREATER = 1,
  LESS = 2,
  NOT_EQUAL = 3,
}

/** Compare.CompareTarget. */
export enum CompareTarget {
  VERSION = 0,
  CREATE = 1,
  MOD = 2,
  VALUE = 3,
  LEASE = 4,
}

/**
 * Compare. The proto's oneof target_union is flattened as proto-loader presents it: the field
 * named by `target` is read (version, create_revision, mod_revision, value or lease); a missing
 * one compares as zero / empty, as etcd does.
 */
export interface Compare {
  result?: CompareResult;
  target?: CompareTarget;
  key: Uint8Array;
  version?: number;
  create_revision?: number;
  mod_revision?: number;
  value?: Uint8Array;
  lease?: number;
  range_end?: Uint8Array;
}

/** RequestOp: exactly one of the fields is set (the proto's oneof request). */
export interface RequestOp {
  request_range?: RangeRequest;
  request_put?: PutRequest;
  request_delete_range?: DeleteRangeRequest;
  request_txn?: TxnRequest;
}

/** ResponseOp: the field matching the RequestOp's is set. */
export interface ResponseOp {
  response_range?: RangeResponse;
  response_put?: PutResponse;
  response_delete_range?: DeleteRangeResponse;
  response_txn?: TxnResponse;
}

export interface TxnRequest {
  compare?: Compare[];
  success?: RequestOp[];
  failure?: RequestOp[];
}

export interface TxnResponse {
  /** Set (empty: revision 0) on a txn nested inside another. */
  header?: OpHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface CompactionRequest {
  revision: number;
  /** Answer only once the compaction has been physically applied to the backend. */
  physical?: boolean;
}

/** CompactionResponse carries only a header in etcd. */
export type CompactionResponse = Record<string, never>;

export interface HashKVRequest {
  /** 0 = the current revision. */
  revision?: number;
}

export interface HashKVResponse {
  hash: number;
  compact_revision: number;
  hash_revision: number;
}
