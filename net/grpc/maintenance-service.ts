/**
 * etcd's Maintenance service over gRPC: Status, HashKV and Alarm. (Defragment, Hash, Snapshot and
 * MoveLeader are not served yet: grpc-js answers them UNIMPLEMENTED.)
 */
import { alarm } from '../../engine/alarm/alarm-server.js';
import type { KvServer } from '../../engine/node/kv-server.js';
import { memberStatus } from '../../engine/node/maintenance.js';
import type { Member } from '../../engine/node/member.js';
import { int64 } from './int64.js';
import type { UnaryHandler } from './raw/unary-call.js';

export function maintenanceService(member: Member, kv: KvServer): Record<string, UnaryHandler> {
  return {
    Status: () => memberStatus(member, kv),
    HashKV: (request: { revision: string }) => kv.hashKV({ revision: int64(request.revision, 'revision') }),
    Alarm: (request: { action: number; memberID: string; alarm: number }) =>
      alarm(member, { action: request.action, memberID: int64(request.memberID, 'memberID'), alarm: request.alarm }),
  };
}
