/** etcd's Cluster service over gRPC: MemberAdd, MemberRemove, MemberUpdate, MemberList, MemberPromote, handed to the EtcdServer. */
import type { MemberRequest } from '../../engine/server/cluster-server.js';
import type { EtcdServer } from '../../engine/server/etcd-server.js';
import type { UnaryHandler } from './raw/unary-call.js';

export function clusterService(server: EtcdServer): Record<string, UnaryHandler> {
  return {
    MemberList: () => server.memberList(),
    MemberAdd: (request: MemberRequest) => server.memberAdd(request),
    MemberRemove: (request: MemberRequest) => server.memberRemove(request),
    MemberUpdate: (request: MemberRequest) => server.memberUpdate(request),
    MemberPromote: (request: MemberRequest) => server.memberPromote(request),
  };
}
