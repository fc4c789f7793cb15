/**
 * Maps a protocol op to the EtcdServer call it adapts, after validating the body's shape. Nothing
 * here decides anything: the server checks and serves the request.
 */
import type { EtcdServer } from '../../../engine/server/etcd-server.js';
import type { KvOp, LeaseOp } from './protocol.js';
import { PagedRangeAnswer } from './range-frames.js';
import {
  alarmRequest, compactionRequest, deleteRangeRequest, hashKVRequest, leaseGrantRequest, leaseKeepAliveRequest, leaseLeasesRequest,
  leaseRevokeRequest, leaseTimeToLiveRequest, putRequest, rangeRequest, statusRequest, txnRequest,
} from './validate-request.js';

/**
 * Serves one request/response op (watch ops are per connection: ws-watch.ts); throws (or rejects
 * with) an EtcdError.
 */
export type Dispatch = (op: KvOp | LeaseOp, body: unknown) => unknown;

export function serviceDispatch(server: EtcdServer): Dispatch {
  return (op, body) => {
    // As gRPC routes a call by its service first, a server without the Lease service refuses the op before reading its body.
    if (op.startsWith('lease_')) server.checkService('Lease');
    switch (op) {
      case 'range': return server.rangeInPages(rangeRequest(body), 'msgpack').then(({ header, pages }) => new PagedRangeAnswer(header, pages));
      case 'put': return server.put(putRequest(body));
      case 'delete_range': return server.deleteRange(deleteRangeRequest(body));
      case 'txn': return server.txn(txnRequest(body));
      case 'compact': return server.compact(compactionRequest(body));
      case 'hash_kv': return server.hashKV(hashKVRequest(body));
      case 'status':
        statusRequest(body);
        return server.status();
      case 'alarm': return server.alarm(alarmRequest(body));
      case 'lease_grant': return server.leaseGrant(leaseGrantRequest(body));
      case 'lease_revoke': return server.leaseRevoke(leaseRevokeRequest(body));
      case 'lease_keep_alive': return server.leaseKeepAlive(leaseKeepAliveRequest(body));
      case 'lease_time_to_live': return server.leaseTimeToLive(leaseTimeToLiveRequest(body));
      case 'lease_leases':
        leaseLeasesRequest(body);
        return server.leaseLeases();
    }
  };
}
