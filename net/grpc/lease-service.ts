/**
 * etcd's Lease service over gRPC: a thin adapter of LeaseServer for the unary calls. LeaseKeepAlive
 * is not served by grpc-js: raw/keepalive-stream.ts serves it on the raw HTTP/2 stream.
 */
import type { LeaseServer } from '../../engine/lease/lease-server.js';
import { int64 } from './int64.js';
import type { UnaryHandler } from './raw/unary-call.js';

/** The bidi call grpc-js leaves to raw/keepalive-stream.ts. */
export const LEASE_KEEPALIVE_PATH = '/etcdserverpb.Lease/LeaseKeepAlive';

type Int64 = string | number;

export function leaseService(lease: LeaseServer): Record<string, UnaryHandler> {
  return {
    LeaseGrant: (r: { TTL: Int64; ID: Int64 }) => lease.grant({ TTL: int64(r.TTL, 'TTL'), ID: int64(r.ID, 'ID') }),
    LeaseRevoke: (r: { ID: Int64 }) => lease.revoke({ ID: int64(r.ID, 'ID') }),
    LeaseTimeToLive: (r: { ID: Int64; keys: boolean }) => lease.timeToLive({ ID: int64(r.ID, 'ID'), keys: r.keys }),
    LeaseLeases: () => lease.leases(),
  };
}
