/**
 * etcd's Cluster service on one member, answered whole (the header and every member) for gRPC and
 * the JSON gateway alike: the checks and the change are ClusterMembership's, the header is
 * KvServer's, and the transports only decode the request and encode this answer.
 *
 * As etcd's, a Cluster answer's header carries no revision (0, left out on the wire), and every
 * call, a change included, answers the member list as it stands after the change.
 */
import type { ResponseHeader } from '../wire/response-header.js';
import { memberMessageOf, type MemberInfo, type MemberMessage } from './cluster-members.js';
import type { KvServer } from './kv-server.js';
import { requestedMemberId, type ClusterMembership } from './membership.js';

/** etcdserverpb.MemberListResponse; MemberRemove, MemberUpdate and MemberPromote answer the same fields. */
export interface MemberListResponse {
  header: ResponseHeader;
  members: MemberMessage[];
}

/** etcdserverpb.MemberAddResponse. */
export interface MemberAddResponse extends MemberListResponse {
  member: MemberMessage;
}

/**
 * A member request as either transport decodes it: ids are decimal strings over gRPC, numbers
 * from the gateway; an absent field is its zero value.
 */
export interface MemberRequest {
  ID?: string | number;
  peerURLs?: string[];
  isLearner?: boolean;
}

export class ClusterServer {
  constructor(
    private readonly kv: KvServer,
    private readonly members: () => MemberInfo[],
    private readonly membership: ClusterMembership,
  ) {}

  memberList(): MemberListResponse {
    return { header: this.kv.header(0), members: this.members().map(memberMessageOf) };
  }

  async memberAdd(request: MemberRequest): Promise<MemberAddResponse> {
    const added = await this.membership.add(request.peerURLs ?? [], request.isLearner === true);
    return { ...this.memberList(), member: memberMessageOf(added.member) };
  }

  async memberRemove(request: MemberRequest): Promise<MemberListResponse> {
    await this.membership.remove(requestedMemberId(request.ID));
    return this.memberList();
  }

  async memberUpdate(request: MemberRequest): Promise<MemberListResponse> {
    await this.membership.update(requestedMemberId(request.ID), request.peerURLs ?? []);
    return this.memberList();
  }

  async memberPromote(request: MemberRequest): Promise<MemberListResponse> {
    await this.membership.promote(requestedMemberId(request.ID));
    return this.memberList();
  }
}
