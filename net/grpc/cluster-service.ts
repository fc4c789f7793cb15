/** etcd's Cluster service over gRPC: MemberAdd, MemberRemove, MemberUpdate, MemberList, MemberPromote, a thin adapter of ClusterServer. */
import type { MemberInfo } from '../../engine/node/cluster-members.js';
import { ClusterServer, type MemberRequest } from '../../engine/node/cluster-server.js';
import type { KvServer } from '../../engine/node/kv-server.js';
import type { ClusterMembership } from '../../engine/node/membership.js';
import type { UnaryHandler } from './raw/unary-call.js';

export function clusterService(kv: KvServer, members: () => MemberInfo[], membership: ClusterMembership):
  Record<string, UnaryHandler> {
  const cluster = new ClusterServer(kv, members, membership);
  return {
    MemberList: () => cluster.memberList(),
    MemberAdd: (request: MemberRequest) => cluster.memberAdd(request),
    MemberRemove: (request: MemberRequest) => cluster.memberRemove(request),
    MemberUpdate: (request: MemberRequest) => cluster.memberUpdate(request),
    MemberPromote: (request: MemberRequest) => cluster.memberPromote(request),
  };
}
