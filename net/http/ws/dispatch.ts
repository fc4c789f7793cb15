/**
 * Maps a protocol op to the KvServer (or Member) call it adapts, after validating the body's
 * shape. Nothing here decides anything: KvServer checks and serves the request.
 */
import type { KvServer } from '../../../engine/node/kv-server.js';
import { memberStatus } from '../../../engine/node/maintenance.js';
import type { Member } from '../../../engine/node/member.js';
import type { KvOp } from './protocol.js';
import {
  compactionRequest, deleteRangeRequest, hashKVRequest, putRequest, rangeRequest, statusRequest, txnRequest,
} from './validate-request.js';

/**
 * Serves one KV request (watch ops are per connection: ws-watch.ts); throws (or rejects with) an
 * EtcdError.
 */
export type Dispatch = (op: KvOp, body: unknown) => unknown;

export function kvDispatch(member: Member, kv: KvServer): Dispatch {
  return (op, body) => {
    switch (op) {
      case 'range': return kv.range(rangeRequest(body));
      case 'put': return kv.put(putRequest(body));
      case 'delete_range': return kv.deleteRange(deleteRangeRequest(body));
      case 'txn': return kv.txn(txnRequest(body));
      case 'compact': return kv.compact(compactionRequest(body));
      case 'hash_kv': return kv.hashKV(hashKVRequest(body));
      case 'status':
        statusRequest(body);
        return memberStatus(member, kv);
    }
  };
}
