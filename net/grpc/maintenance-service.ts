/**
 * etcd's Maintenance service over gRPC: Status and HashKV. (Alarm, Defragment, Hash, Snapshot and
 * MoveLeader are not served yet: grpc-js answers them UNIMPLEMENTED.)
 */
import type * as grpc from '@grpc/grpc-js';
import type { KvServer } from '../../engine/node/kv-server.js';
import { memberStatus } from '../../engine/node/maintenance.js';
import type { Member } from '../../engine/node/member.js';
import { int64 } from './int64.js';
import { unary } from './unary.js';

export function maintenanceService(member: Member, kv: KvServer): grpc.UntypedServiceImplementation {
  return {
    Status: unary(() => memberStatus(member, kv)),
    HashKV: unary((request: { revision: string }) => kv.hashKV({ revision: int64(request.revision, 'revision') })),
  };
}
