/** etcd's Cluster service over gRPC: MemberAdd, MemberRemove, MemberUpdate, MemberList, MemberPromote. */
import { memberMessageOf, type MemberInfo } from '../../engine/node/cluster-members.js';
import type { KvServer } from '../../engine/node/kv-server.js';
import { requestedMemberId, type ClusterMembership } from '../../engine/node/membership.js';
import type { UnaryHandler } from './raw/unary-call.js';

interface MemberRequest { ID?: string; peerURLs?: string[]; isLearner?: boolean }

export function clusterService(kv: KvServer, members: () => MemberInfo[], membership: ClusterMembership):
  Record<string, UnaryHandler> {
  // etcd's Cluster responses carry no revision.
  const header = () => kv.header(0);
  const list = () => members().map(memberMessageOf);
  return {
    MemberList: () => ({ header: header(), members: list() }),
    MemberAdd: async (request: MemberRequest) => {
      const added = await membership.add(request.peerURLs ?? [], request.isLearner === true);
      return { header: header(), member: memberMessageOf(added.member), members: list() };
    },
    MemberRemove: async (request: MemberRequest) => {
      await membership.remove(requestedMemberId(request.ID));
      return { header: header(), members: list() };
    },
    MemberUpdate: async (request: MemberRequest) => {
      await membership.update(requestedMemberId(request.ID), request.peerURLs ?? []);
      return { header: header(), members: list() };
    },
    MemberPromote: async (request: MemberRequest) => {
      await membership.promote(requestedMemberId(request.ID));
      return { header: header(), members: list() };
    },
  };
}
