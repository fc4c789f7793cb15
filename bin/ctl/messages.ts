/**
 * etcd's v3 response messages as cairnctl receives them from grpc-js (protos.ts: fields keep
 * their proto names, int64/uint64 arrive as decimal strings, bytes as Buffers, absent messages
 * as null). Printing 64-bit numbers from their strings keeps them exact.
 */

export interface ResponseHeader {
  cluster_id: string;
  member_id: string;
  revision: string;
  raft_term: string;
}

export interface KeyValue {
  key: Buffer;
  create_revision: string;
  mod_revision: string;
  version: string;
  value: Buffer;
  lease: string;
}

export interface RangeResponse {
  header: ResponseHeader | null;
  kvs: KeyValue[];
  more: boolean;
  count: string;
}

export interface PutResponse {
  header: ResponseHeader | null;
  prev_kv: KeyValue | null;
}

export interface DeleteRangeResponse {
  header: ResponseHeader | null;
  deleted: string;
  prev_kvs: KeyValue[];
}

export interface ResponseOp {
  response_range?: RangeResponse | null;
  response_put?: PutResponse | null;
  response_delete_range?: DeleteRangeResponse | null;
  response_txn?: TxnResponse | null;
}

export interface TxnResponse {
  header: ResponseHeader | null;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface Member {
  ID: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface MemberListResponse {
  header: ResponseHeader | null;
  members: Member[];
}

export interface StatusResponse {
  header: ResponseHeader | null;
  version: string;
  dbSize: string;
  leader: string;
  raftIndex: string;
  raftTerm: string;
  raftAppliedIndex: string;
  errors: string[];
  dbSizeInUse: string;
  isLearner: boolean;
}

/** One endpoint's `endpoint status` answer. */
export interface EndpointStatus {
  endpoint: string;
  status: StatusResponse;
}

/** One endpoint's `endpoint health` result; `took` is Go's duration text. */
export interface EndpointHealth {
  endpoint: string;
  health: boolean;
  took: string;
  error: string;
}
