/**
 * Maps a protocol op to the KvServer (or Member) call it adapts, after validating the body's
 * shape. Nothing here decides anything: KvServer checks and serves the request.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ETCD_API_VERSION } from '../../../engine/node/cluster-members.js';
import type { KvServer, ResponseHeader } from '../../../engine/node/kv-server.js';
import type { Member } from '../../../engine/node/member.js';
import type { Op } from './protocol.js';
import {
  compactionRequest, deleteRangeRequest, hashKVRequest, putRequest, rangeRequest, statusRequest, txnRequest,
} from './validate-request.js';

/** etcdserverpb.StatusResponse, with the proto's field names. */
export interface StatusResponse {
  header: ResponseHeader;
  version: string;
  db_size: number;
  leader: number;
  raft_index: number;
  raft_term: number;
  raft_applied_index: number;
  errors: string[];
  db_size_in_use: number;
  is_learner: boolean;
}

/** Serves one validated request; throws (or rejects with) an EtcdError. */
export type Dispatch = (op: Op, body: unknown) => unknown;

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
        return statusOf(member, kv);
    }
  };
}

/** Maintenance.Status as the gRPC service reports it (the LMDB file size stands for etcd's bbolt size). */
function statusOf(member: Member, kv: KvServer): StatusResponse {
  const status = member.status();
  let dbSize = 0;
  try {
    dbSize = statSync(join(member.kvPath, 'data.mdb')).size;
  } catch {
    // No data file yet: an empty store.
  }
  return {
    header: kv.header(status.revision),
    version: ETCD_API_VERSION,
    db_size: dbSize,
    leader: status.leader,
    raft_index: status.commitIndex,
    raft_term: status.term,
    raft_applied_index: status.appliedIndex,
    errors: [],
    db_size_in_use: dbSize,
    is_learner: false,
  };
}
