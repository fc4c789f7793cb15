/** etcd's Cluster service over gRPC: MemberAdd, MemberRemove, MemberUpdate, MemberList, MemberPromote. */
import type * as grpc from '@grpc/grpc-js';
import { ErrMemberNotFound } from '../../engine/errors.js';
import type { MemberInfo } from '../../engine/node/cluster-members.js';
import type { KvServer } from '../../engine/node/kv-server.js';
import type { ClusterMembership } from '../../engine/node/membership.js';
import { unary } from './unary.js';

interface MemberRequest { ID?: string; peerURLs?: string[]; isLearner?: boolean }

function memberMessage(info: MemberInfo): object {
  return { ID: info.id, name: info.name, peerURLs: info.peerUrls, clientURLs: info.clientUrls, isLearner: info.isLearner };
}

/** A member id from a request; ids cairn never hands out (above 2^53) name no member. */
function memberIdOf(request: MemberRequest): number {
  const id = Number(request.ID ?? '0');
  if (!Number.isSafeInteger(id) || id <= 0) throw ErrMemberNotFound;
  return id;
}

export function clusterService(kv: KvServer, members: () => MemberInfo[], membership: ClusterMembership):
  grpc.UntypedServiceImplementation {
  // etcd's Cluster responses carry no revision.
  const header = () => kv.header(0);
  const list = () => members().map(memberMessage);
  return {
    MemberList: unary(() => ({ header: header(), members: list() })),
    MemberAdd: unary(async (request: MemberRequest) => {
      const added = await membership.add(request.peerURLs ?? [], request.isLearner === true);
      return { header: header(), member: memberMessage(added.member), members: list() };
    }),
    MemberRemove: unary(async (request: MemberRequest) => {
      await membership.remove(memberIdOf(request));
      return { header: header(), members: list() };
    }),
    MemberUpdate: unary(async (request: MemberRequest) => {
      await membership.update(memberIdOf(request), request.peerURLs ?? []);
      return { header: header(), members: list() };
    }),
    MemberPromote: unary(async (request: MemberRequest) => {
      await membership.promote(memberIdOf(request));
      return { header: header(), members: list() };
    }),
  };
}
