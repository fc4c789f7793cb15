/**
 * etcd's Cluster service on one member, answered whole (the header and every member) for every
 * transport: the checks and the change are ClusterMembership's, the header is the server's
 * (etcd-server.ts), and the transports only decode the request and encode this answer.
 *
 * As etcd's, a Cluster answer's header carries no revision (0, left out on the wire), and every
 * call, a change included, answers the member list as it stands after the change.
 */
import type { ResponseHeader } from '../wire/response-header.js';
import { memberMessageOf, type MemberInfo, type MemberMessage } from '../node/cluster-members.js';
import { requestedMemberId, type ClusterMembership } from '../node/membership.js';

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

/** This member's own attributes as its flags give them (--name, --advertise-client-urls). */
export interface OwnAttributes {
  id: number;
  name: string;
  clientUrls: string[];
}

/**
 * The member list as the Cluster service answers it: the replicated membership, where this
 * member, until its own publish applies (its attributes are replicated only then), has the name
 * and client URLs of its flags.
 */
export function membersWithOwnAttributes(membership: ClusterMembership, own: OwnAttributes): () => MemberInfo[] {
  return () => membership.list().map((info) =>
    (info.id === own.id && info.clientUrls.length === 0 ? { ...info, name: own.name, clientUrls: own.clientUrls } : info));
}

export class ClusterServer {
  constructor(
    private readonly header: (revision: number) => ResponseHeader,
    /** The member list as answered (membersWithOwnAttributes, or a fixed one in tests). */
    private readonly members: () => MemberInfo[],
    private readonly membership: ClusterMembership,
  ) {}

  memberList(): MemberListResponse {
    return { header: this.header(0), members: this.members().map(memberMessageOf) };
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
