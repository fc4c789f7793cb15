/**
 * etcd's Maintenance service over gRPC: Status and HashKV. (Alarm, Defragment, Hash, Snapshot and
 * MoveLeader are not served yet: grpc-js answers them UNIMPLEMENTED.)
 */
import type * as grpc from '@grpc/grpc-js';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ETCD_API_VERSION } from '../../engine/node/cluster-members.js';
import type { KvServer } from '../../engine/node/kv-server.js';
import type { Member } from '../../engine/node/member.js';
import { int64 } from './int64.js';
import { unary } from './unary.js';

/** The size of the member's LMDB file (etcd reports its bbolt file size as dbSize). */
function dbSizeBytes(member: Member): number {
  try {
    return statSync(join(member.kvPath, 'data.mdb')).size;
  } catch {
    return 0;
  }
}

export function maintenanceService(member: Member, kv: KvServer): grpc.UntypedServiceImplementation {
  return {
    Status: unary(() => {
      const status = member.status();
      const dbSize = dbSizeBytes(member);
      return {
        header: kv.header(status.revision),
        version: ETCD_API_VERSION,
        dbSize,
        leader: status.leader,
        raftIndex: status.commitIndex,
        raftTerm: status.term,
        raftAppliedIndex: status.appliedIndex,
        errors: [],
        dbSizeInUse: dbSize,
        isLearner: false,
      };
    }),
    HashKV: unary((request: { revision: string }) => kv.hashKV({ revision: int64(request.revision, 'revision') })),
  };
}
