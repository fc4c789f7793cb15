/**
 * Errors the client raises on its own side (the server's errors arrive as etcd's, through
 * engine/errors.ts etcdErrorFrom). All are EtcdErrors, so callers handle one error type.
 */
import { ErrCompacted, ErrFutureRev, EtcdError, GrpcCode } from '../../engine/errors.js';

/**
 * The connection a request used (or was queued on) went away. Retryable: `sent` says whether the
 * server may have seen the request. A write with `sent` may have been applied; resending it is
 * the caller's decision, never the client's.
 */
export class ConnectionLostError extends EtcdError {
  readonly retryable = true;

  constructor(readonly endpoint: string, readonly reason: string, readonly sent: boolean) {
    super(GrpcCode.UNAVAILABLE, sent
      ? `cairn: connection to ${endpoint} lost (${reason}); the request may or may not have been applied`
      : `cairn: no connection to ${endpoint} (${reason}); the request was not sent`);
  }
}

/** The request did not complete within the client's request timeout (clientv3's wording). */
export function deadlineExceeded(): EtcdError {
  return new EtcdError(GrpcCode.DEADLINE_EXCEEDED, 'context deadline exceeded');
}

/** The client was closed while the request waited (clientv3's wording). */
export function clientClosed(): EtcdError {
  return new EtcdError(GrpcCode.CANCELLED, 'grpc: the client connection is closing');
}

/** The server sent something that is not a protocol frame. */
export function protocolViolation(message: string): EtcdError {
  return new EtcdError(GrpcCode.INTERNAL, `cairn: protocol violation: ${message}`);
}

/**
 * A watch's start revision (or the revision it had to resume from) was compacted: the server
 * canceled it. etcd's ErrCompacted, with the compaction revision (clientv3's CompactRevision): a
 * watch from there on may be created after reading the state anew.
 */
export class WatchCompactedError extends EtcdError {
  constructor(readonly compactRevision: number) {
    super(ErrCompacted.code, ErrCompacted.message);
  }
}

/**
 * The server canceled a watch, or refused to create it: as clientv3's WatchResponse.Err, the
 * cancel reason as FAILED_PRECONDITION, or ErrFutureRev when the server gave none.
 */
export function watchCanceled(reason: string | undefined): EtcdError {
  return reason === undefined || reason === '' ? ErrFutureRev : new EtcdError(GrpcCode.FAILED_PRECONDITION, reason);
}

/**
 * A lease of the client was not renewed before its deadline (the time its last successful
 * keep-alive was sent plus its TTL): the server may have expired it already, so the client counts
 * it lost, as clientv3 closes a keep-alive channel past its deadline.
 */
export function leaseExpired(id: number): EtcdError {
  return new EtcdError(GrpcCode.DEADLINE_EXCEEDED, `cairn: lease ${id.toString(16)} was not renewed before its TTL ran out`);
}

/** A keep-alive asked of a lease the caller closed or revoked. */
export function leaseClosed(id: number): EtcdError {
  return new EtcdError(GrpcCode.CANCELLED, `cairn: lease ${id.toString(16)} is closed: its keep-alives stopped`);
}
