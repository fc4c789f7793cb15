/**
 * etcd's Lease service over gRPC: the unary calls, decoded and handed to the EtcdServer.
 * LeaseKeepAlive is not served by grpc-js: raw/keepalive-stream.ts serves it on the raw HTTP/2 stream.
 */
import type { EtcdServer } from '../../engine/server/etcd-server.js';
import { int64 } from './int64.js';
import type { UnaryHandler } from './raw/unary-call.js';

/** The bidi call grpc-js leaves to raw/keepalive-stream.ts. */
export const LEASE_KEEPALIVE_PATH = '/etcdserverpb.Lease/LeaseKeepAlive';

type Int64 = string | number;

export function leaseService(server: EtcdServer): Record<string, UnaryHandler> {
  return {
    LeaseGrant: (r: { TTL: Int64; ID: Int64 }) => server.leaseGrant({ TTL: int64(r.TTL, 'TTL'), ID: int64(r.ID, 'ID') }),
    LeaseRevoke: (r: { ID: Int64 }) => server.leaseRevoke({ ID: int64(r.ID, 'ID') }),
    LeaseTimeToLive: (r: { ID: Int64; keys: boolean }) => server.leaseTimeToLive({ ID: int64(r.ID, 'ID'), keys: r.keys }),
    LeaseLeases: () => server.leaseLeases(),
  };
}
