/**
 * etcd's client-visible errors as values, created here and nowhere else. Each carries the gRPC
 * status code, etcd's message byte for byte (api/v3rpc/rpctypes), and the HTTP status etcd's JSON
 * gateway (grpc-gateway v1 `HTTPStatusFromCode`) answers with. Compare them by identity
 * (`error === ErrCompacted`) or by code, never by their text.
 *
 * Crossing a thread boundary, an error travels as an EtcdErrorRecord: etcd's own by their id (the
 * name etcd gives them), revived as the same value. From another process (a peer, a gRPC or
 * WebSocket status) only the code and message arrive; `etcdErrorFrom` maps those as etcd's clients
 * do (clientv3's rpctypes.Error), once, at the edge.
 */

/** gRPC status codes (google.golang.org/grpc/codes), numbered as on the wire. */
export enum GrpcCode {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
  DATA_LOSS = 15,
  UNAUTHENTICATED = 16,
}

/** grpc-gateway v1's code -> HTTP status table, which etcd's /v3 JSON gateway uses. */
const HTTP_STATUS_BY_CODE: Readonly<Record<GrpcCode, number>> = {
  [GrpcCode.OK]: 200,
  [GrpcCode.CANCELLED]: 408,
  [GrpcCode.UNKNOWN]: 500,
  [GrpcCode.INVALID_ARGUMENT]: 400,
  [GrpcCode.DEADLINE_EXCEEDED]: 504,
  [GrpcCode.NOT_FOUND]: 404,
  [GrpcCode.ALREADY_EXISTS]: 409,
  [GrpcCode.PERMISSION_DENIED]: 403,
  [GrpcCode.RESOURCE_EXHAUSTED]: 429,
  // etcd 3.4's grpc-gateway answers FailedPrecondition with 412 (observed: member add at a peer URL in use).
  [GrpcCode.FAILED_PRECONDITION]: 412,
  [GrpcCode.ABORTED]: 409,
  [GrpcCode.OUT_OF_RANGE]: 400,
  [GrpcCode.UNIMPLEMENTED]: 501,
  [GrpcCode.INTERNAL]: 500,
  [GrpcCode.UNAVAILABLE]: 503,
  [GrpcCode.DATA_LOSS]: 500,
  [GrpcCode.UNAUTHENTICATED]: 401,
};

/** An etcd server error: what a gRPC client sees as status {code, message}. */
export class EtcdError extends Error {
  override readonly name = 'EtcdError';
  /** The HTTP status the JSON gateway answers with. */
  readonly httpStatus: number;

  /** `id` is etcd's name for an error it defines (ErrCompacted...), set by `define` alone. */
  constructor(readonly code: GrpcCode, message: string, readonly id?: string) {
    super(message);
    this.httpStatus = HTTP_STATUS_BY_CODE[code];
  }
}

const BY_ID = new Map<string, EtcdError>();
const BY_MESSAGE = new Map<string, EtcdError>();

function define(id: string, code: GrpcCode, message: string): EtcdError {
  const error = new EtcdError(code, message, id);
  BY_ID.set(id, error);
  BY_MESSAGE.set(message, error);
  return error;
}

export const ErrEmptyKey = define('ErrEmptyKey', GrpcCode.INVALID_ARGUMENT, 'etcdserver: key is not provided');
export const ErrKeyNotFound = define('ErrKeyNotFound', GrpcCode.INVALID_ARGUMENT, 'etcdserver: key not found');
export const ErrValueProvided = define('ErrValueProvided', GrpcCode.INVALID_ARGUMENT, 'etcdserver: value is provided');
export const ErrLeaseProvided = define('ErrLeaseProvided', GrpcCode.INVALID_ARGUMENT, 'etcdserver: lease is provided');
export const ErrTooManyOps = define('ErrTooManyOps', GrpcCode.INVALID_ARGUMENT, 'etcdserver: too many operations in txn request');
export const ErrDuplicateKey = define('ErrDuplicateKey', GrpcCode.INVALID_ARGUMENT, 'etcdserver: duplicate key given in txn request');
export const ErrInvalidSortOption = define('ErrInvalidSortOption', GrpcCode.INVALID_ARGUMENT, 'etcdserver: invalid sort option');
export const ErrCompacted = define('ErrCompacted', GrpcCode.OUT_OF_RANGE, 'etcdserver: mvcc: required revision has been compacted');
export const ErrFutureRev = define('ErrFutureRev', GrpcCode.OUT_OF_RANGE, 'etcdserver: mvcc: required revision is a future revision');
export const ErrNoSpace = define('ErrNoSpace', GrpcCode.RESOURCE_EXHAUSTED, 'etcdserver: mvcc: database space exceeded');

// etcd never sends this one (it ignores a cancel of an unknown watch id); cairn's WebSocket
// protocol answers every request, so it answers such a cancel with it.
export const ErrWatcherNotExist = define('ErrWatcherNotExist', GrpcCode.NOT_FOUND, 'mvcc: watcher does not exist');
/** gRPC's answers when a server does not offer the Watch, the Lease or the Cluster service, or a method. */
export const ErrWatchUnimplemented = define('ErrWatchUnimplemented', GrpcCode.UNIMPLEMENTED, 'unknown service etcdserverpb.Watch');
export const ErrLeaseUnimplemented = define('ErrLeaseUnimplemented', GrpcCode.UNIMPLEMENTED, 'unknown service etcdserverpb.Lease');
export const ErrClusterUnimplemented = define('ErrClusterUnimplemented', GrpcCode.UNIMPLEMENTED, 'unknown service etcdserverpb.Cluster');
export const ErrHashUnimplemented = define('ErrHashUnimplemented', GrpcCode.UNIMPLEMENTED, 'unknown method Hash for service etcdserverpb.Maintenance');

export const ErrLeaseNotFound = define('ErrLeaseNotFound', GrpcCode.NOT_FOUND, 'etcdserver: requested lease not found');
export const ErrLeaseExist = define('ErrLeaseExist', GrpcCode.FAILED_PRECONDITION, 'etcdserver: lease already exists');
export const ErrLeaseTTLTooLarge = define('ErrLeaseTTLTooLarge', GrpcCode.OUT_OF_RANGE, 'etcdserver: too large lease TTL');

export const ErrRequestTooLarge = define('ErrRequestTooLarge', GrpcCode.INVALID_ARGUMENT, 'etcdserver: request is too large');
export const ErrTooManyRequests = define('ErrTooManyRequests', GrpcCode.RESOURCE_EXHAUSTED, 'etcdserver: too many requests');

export const ErrPermissionDenied = define('ErrPermissionDenied', GrpcCode.PERMISSION_DENIED, 'etcdserver: permission denied');
export const ErrAuthNotEnabled = define('ErrAuthNotEnabled', GrpcCode.FAILED_PRECONDITION, 'etcdserver: authentication is not enabled');
export const ErrInvalidAuthToken = define('ErrInvalidAuthToken', GrpcCode.UNAUTHENTICATED, 'etcdserver: invalid auth token');

export const ErrMemberExist = define('ErrMemberExist', GrpcCode.FAILED_PRECONDITION, 'etcdserver: member ID already exist');
export const ErrPeerURLExist = define('ErrPeerURLExist', GrpcCode.FAILED_PRECONDITION, 'etcdserver: Peer URLs already exists');
// etcd 3.4 answers this one with code Unknown (its error mapping has no entry for it).
export const ErrMemberNotEnoughStarted = define('ErrMemberNotEnoughStarted', GrpcCode.UNKNOWN, 'etcdserver: re-configuration failed due to not enough started members');
export const ErrMemberBadURLs = define('ErrMemberBadURLs', GrpcCode.INVALID_ARGUMENT, 'etcdserver: given member URLs are invalid');
export const ErrMemberNotFound = define('ErrMemberNotFound', GrpcCode.NOT_FOUND, 'etcdserver: member not found');
export const ErrMemberNotLearner = define('ErrMemberNotLearner', GrpcCode.FAILED_PRECONDITION, 'etcdserver: can only promote a learner member');
export const ErrLearnerNotReady = define('ErrLearnerNotReady', GrpcCode.FAILED_PRECONDITION, 'etcdserver: can only promote a learner member which is in sync with leader');
export const ErrTooManyLearners = define('ErrTooManyLearners', GrpcCode.FAILED_PRECONDITION, 'etcdserver: too many learner members in cluster');

export const ErrNoLeader = define('ErrNoLeader', GrpcCode.UNAVAILABLE, 'etcdserver: no leader');
export const ErrNotLeader = define('ErrNotLeader', GrpcCode.FAILED_PRECONDITION, 'etcdserver: not leader');
export const ErrLeaderChanged = define('ErrLeaderChanged', GrpcCode.UNAVAILABLE, 'etcdserver: leader changed');
export const ErrStopped = define('ErrStopped', GrpcCode.UNAVAILABLE, 'etcdserver: server stopped');
export const ErrTimeout = define('ErrTimeout', GrpcCode.UNAVAILABLE, 'etcdserver: request timed out');
export const ErrTimeoutDueToLeaderFail = define('ErrTimeoutDueToLeaderFail', GrpcCode.UNAVAILABLE,
  'etcdserver: request timed out, possibly due to previous leader failure');
export const ErrTimeoutDueToConnectionLost = define('ErrTimeoutDueToConnectionLost', GrpcCode.UNAVAILABLE,
  'etcdserver: request timed out, possibly due to connection lost');
export const ErrUnhealthy = define('ErrUnhealthy', GrpcCode.UNAVAILABLE, 'etcdserver: unhealthy cluster');
export const ErrCorrupt = define('ErrCorrupt', GrpcCode.DATA_LOSS, 'etcdserver: corrupt cluster');

/** An EtcdError as it crosses a thread boundary (postMessage, a ring record). */
export interface EtcdErrorRecord {
  code: number;
  message: string;
  /** Set for the errors etcd defines: the receiver revives the very value by it. */
  id?: string;
}

export function etcdErrorRecord(error: EtcdError): EtcdErrorRecord {
  return error.id === undefined ? { code: error.code, message: error.message } : { code: error.code, message: error.message, id: error.id };
}

/** The error a record carries: etcd's own value by its id, else a new EtcdError with its code and message. */
export function etcdErrorOfRecord(record: EtcdErrorRecord): EtcdError {
  const known = record.id === undefined ? undefined : BY_ID.get(record.id);
  if (known !== undefined) return known;
  return new EtcdError(record.code in HTTP_STATUS_BY_CODE ? record.code : GrpcCode.UNKNOWN, record.message);
}

/**
 * An error another process sent as a gRPC status (a peer's answer, a WebSocket error frame): etcd's
 * own value when the code and message are one of etcd's, as clientv3's rpctypes.Error maps them,
 * else a new EtcdError with the given code.
 */
export function etcdErrorFrom(code: number, message: string): EtcdError {
  const known = BY_MESSAGE.get(message);
  if (known !== undefined && known.code === code) return known;
  return new EtcdError(code in HTTP_STATUS_BY_CODE ? code : GrpcCode.UNKNOWN, message);
}
