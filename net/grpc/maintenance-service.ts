/**
 * etcd's Maintenance service over gRPC: Status, HashKV and Alarm, decoded and handed to the
 * EtcdServer. (Defragment, Hash, Snapshot and MoveLeader are not served yet: grpc-js answers them
 * UNIMPLEMENTED.)
 */
import type { EtcdServer } from '../../engine/server/etcd-server.js';
import { int64 } from './int64.js';
import type { UnaryHandler } from './raw/unary-call.js';

export function maintenanceService(server: EtcdServer): Record<string, UnaryHandler> {
  return {
    Status: () => server.status(),
    HashKV: (request: { revision: string }) => server.hashKV({ revision: int64(request.revision, 'revision') }),
    Alarm: (request: { action: number; memberID: string; alarm: number }) =>
      server.alarm({ action: request.action, memberID: int64(request.memberID, 'memberID'), alarm: request.alarm }),
  };
}
