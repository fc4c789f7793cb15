/**
 * Maps a protocol op to the KvServer, LeaseServer (or Member) call it adapts, after validating the
 * body's shape. Nothing here decides anything: the servers check and serve the request.
 */
import { alarm } from '../../../engine/alarm/alarm-server.js';
import { ErrLeaseUnimplemented } from '../../../engine/errors.js';
import type { LeaseServer } from '../../../engine/lease/lease-server.js';
import type { KvServer } from '../../../engine/node/kv-server.js';
import { memberStatus } from '../../../engine/node/maintenance.js';
import type { Member } from '../../../engine/node/member.js';
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

export function serviceDispatch(member: Member, kv: KvServer, lease: LeaseServer | undefined): Dispatch {
  return (op, body) => {
    switch (op) {
      case 'range': return kv.rangeInPages(rangeRequest(body), 'msgpack').then(({ header, pages }) => new PagedRangeAnswer(header, pages));
      case 'put': return kv.put(putRequest(body));
      case 'delete_range': return kv.deleteRange(deleteRangeRequest(body));
      case 'txn': return kv.txn(txnRequest(body));
      case 'compact': return kv.compact(compactionRequest(body));
      case 'hash_kv': return kv.hashKV(hashKVRequest(body));
      case 'status':
        statusRequest(body);
        return memberStatus(member, kv);
      case 'alarm': return alarm(member, alarmRequest(body));
      default: return leaseDispatch(lease, op, body);
    }
  };
}

function leaseDispatch(lease: LeaseServer | undefined, op: LeaseOp, body: unknown): unknown {
  if (lease === undefined) throw ErrLeaseUnimplemented;
  switch (op) {
    case 'lease_grant': return lease.grant(leaseGrantRequest(body));
    case 'lease_revoke': return lease.revoke(leaseRevokeRequest(body));
    case 'lease_keep_alive': return lease.keepAlive(leaseKeepAliveRequest(body));
    case 'lease_time_to_live': return lease.timeToLive(leaseTimeToLiveRequest(body));
    case 'lease_leases':
      leaseLeasesRequest(body);
      return lease.leases();
  }
}
