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

/** mvccpb.Event: `type` is 0 (PUT) or 1 (DELETE). */
export interface Event {
  type: number;
  kv: KeyValue | null;
  prev_kv: KeyValue | null;
}

/** Go's names of mvccpb.Event.EventType values (a number it has no name for prints as itself). */
const EVENT_TYPE_NAMES = ['PUT', 'DELETE'];

/** An event type as Go's String() names it. */
export function eventTypeName(type: number): string {
  return EVENT_TYPE_NAMES[type] ?? String(type);
}

/** etcdserverpb.WatchResponse, one message of the Watch stream. */
export interface WatchResponse {
  header: ResponseHeader | null;
  watch_id: string;
  created: boolean;
  canceled: boolean;
  compact_revision: string;
  cancel_reason: string;
  fragment: boolean;
  events: Event[];
}

/**
 * clientv3's WatchResponse: what a watch hands etcdctl for each response it prints. A watch that
 * ends with an error hands a last response with only `canceled` and `closeError` set: a zero
 * header and no events at all (null, Go's nil slice, which JSON prints as null).
 */
export interface ClientWatchResponse {
  header: ResponseHeader;
  events: Event[] | null;
  compact_revision: string;
  canceled: boolean;
  created: boolean;
  cancel_reason: string;
  /** The error that closed the watch stream, as etcdctl prints it. */
  closeError?: string;
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

/** etcdserverpb.LeaseGrantResponse (lease ids are int64, as etcdctl reads them). */
export interface LeaseGrantResponse {
  header: ResponseHeader | null;
  ID: string;
  TTL: string;
  error: string;
}

export interface LeaseRevokeResponse {
  header: ResponseHeader | null;
}

/** One message of the LeaseKeepAlive stream; a TTL of 0 or less: the lease is gone. */
export interface LeaseKeepAliveResponse {
  header: ResponseHeader | null;
  ID: string;
  TTL: string;
}

/** A lease that is gone answers with TTL -1 and grantedTTL 0. */
export interface LeaseTimeToLiveResponse {
  header: ResponseHeader | null;
  ID: string;
  TTL: string;
  grantedTTL: string;
  keys: Buffer[];
}

export interface LeaseLeasesResponse {
  header: ResponseHeader | null;
  leases: { ID: string }[];
}

/** One raised alarm: the member and AlarmType's number (0 NONE, 1 NOSPACE, 2 CORRUPT). */
export interface AlarmMember {
  memberID: string;
  alarm: number;
}

/** etcd 3.4 answers Alarm without a header; clientv3's disarm builds one without it too. */
export interface AlarmResponse {
  header: ResponseHeader | null;
  alarms: AlarmMember[];
}

const ALARM_TYPE_NAMES: readonly string[] = ['NONE', 'NOSPACE', 'CORRUPT'];

/** AlarmType as Go's generated String() prints it: its name, or the number when it has none. */
export function alarmTypeName(type: number): string {
  return ALARM_TYPE_NAMES[type] ?? String(type);
}
