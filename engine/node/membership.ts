/**
 * etcd's Cluster API on one member: MemberList from the replicated membership table, and
 * MemberAdd/Remove/Update/Promote checked as etcd checks them (URLs, duplicates, at most one
 * learner, and its strict reconfiguration check: a change must leave enough started members for
 * a quorum) before the change goes through Raft. A member counts as started once it has
 * published its name, as in etcd.
 */
import {
  ErrLearnerNotReady, ErrMemberBadURLs, ErrMemberExist, ErrMemberNotEnoughStarted, ErrMemberNotFound, ErrMemberNotLearner,
  ErrPeerURLExist, ErrTooManyLearners,
} from '../errors.js';
import type { MemberRecord } from '../mvcc/members.js';
import type { MvccReader } from '../mvcc/store.js';
import { ConfChangeType } from '../raft/confchange.js';
import type { MemberInfo } from './cluster-members.js';
import type { Member } from './member.js';
import { memberIdOf } from './member-id.js';

/**
 * Member ids as requests carry them (a decimal string over gRPC, a number from the gateway): one
 * that is not an id cairn hands out (0, beyond 2^53, not a number) names no member.
 */
export function requestedMemberId(id: string | number | undefined): number {
  const value = Number(id ?? 0);
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}

/** etcd allows one learner at a time. */
export const LEARNERS_MAX = 1;

function infoOf(record: MemberRecord): MemberInfo {
  return { id: record.id, name: record.name, peerUrls: record.peer_urls, clientUrls: record.client_urls, isLearner: record.is_learner };
}

/** Peer URLs must be http(s)://host:port. */
function checkPeerUrls(urls: readonly string[]): void {
  if (urls.length === 0) throw ErrMemberBadURLs;
  for (const url of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw ErrMemberBadURLs;
    }
    if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.port === '' || parsed.hostname === '') throw ErrMemberBadURLs;
  }
}

const started = (m: MemberRecord): boolean => m.name !== '';
const quorumOf = (voters: number): number => Math.floor(voters / 2) + 1;

/** How a member checks membership changes. */
export interface MembershipOptions {
  /**
   * etcd's --strict-reconfig-check (on by default): refuse an add, remove or promotion that would
   * leave fewer started voters than a quorum. Off, only the learner's progress is still checked.
   */
  strictReconfigCheck?: boolean;
  /** The clock mixed into a new member's id. */
  now?: () => number;
}

export class ClusterMembership {
  private readonly strict: boolean;
  private readonly now: () => number;

  constructor(private readonly member: Member, private readonly reader: MvccReader, private readonly clusterToken: string,
    options: MembershipOptions = {}) {
    this.strict = options.strictReconfigCheck ?? true;
    this.now = options.now ?? Date.now;
  }

  list(): MemberInfo[] {
    return this.reader.members().map(infoOf);
  }

  async add(peerUrls: string[], isLearner: boolean): Promise<{ member: MemberInfo; members: MemberInfo[] }> {
    checkPeerUrls(peerUrls);
    const members = this.reader.members();
    if (members.some((m) => m.peer_urls.some((url) => peerUrls.includes(url)))) throw ErrPeerURLExist;
    if (isLearner && members.filter((m) => m.is_learner).length >= LEARNERS_MAX) throw ErrTooManyLearners;
    if (this.strict && !isLearner && !readyToAddVoter(members)) throw ErrMemberNotEnoughStarted;
    // As etcd: the id mixes in the time, so a member re-added at the same URLs gets a new id.
    const id = memberIdOf(peerUrls, `${this.clusterToken}/${this.now()}`);
    if (members.some((m) => m.id === id) || this.reader.removedMembers().includes(id)) throw ErrMemberExist;
    await this.member.changeMembership(isLearner ? ConfChangeType.AddLearnerNode : ConfChangeType.AddNode, id,
      { id, name: '', peer_urls: [...peerUrls], is_learner: isLearner });
    return { member: { id, name: '', peerUrls: [...peerUrls], clientUrls: [], isLearner }, members: this.list() };
  }

  async remove(id: number): Promise<MemberInfo[]> {
    const members = this.reader.members();
    const target = members.find((m) => m.id === id);
    if (target === undefined) throw ErrMemberNotFound;
    if (this.strict && !target.is_learner) {
      const voters = members.filter((m) => !m.is_learner && m.id !== id);
      if (voters.filter(started).length < quorumOf(voters.length)) throw ErrMemberNotEnoughStarted;
    }
    await this.member.changeMembership(ConfChangeType.RemoveNode, id);
    return this.list();
  }

  async update(id: number, peerUrls: string[]): Promise<MemberInfo[]> {
    checkPeerUrls(peerUrls);
    const members = this.reader.members();
    const target = members.find((m) => m.id === id);
    if (target === undefined) throw ErrMemberNotFound;
    if (members.some((m) => m.id !== id && m.peer_urls.some((url) => peerUrls.includes(url)))) throw ErrPeerURLExist;
    await this.member.changeMembership(ConfChangeType.UpdateNode, id,
      { id, name: target.name, peer_urls: [...peerUrls], is_learner: target.is_learner });
    return this.list();
  }

  async promote(id: number): Promise<MemberInfo[]> {
    const members = this.reader.members();
    const target = members.find((m) => m.id === id);
    if (target === undefined) throw ErrMemberNotFound;
    if (!target.is_learner) throw ErrMemberNotLearner;
    // Only the leader knows how far the learner's log is; another member lets Raft decide.
    if (this.member.learnerCaughtUp(id) === false) throw ErrLearnerNotReady;
    if (this.strict && !readyToAddVoter(members.filter((m) => m.id !== id))) throw ErrMemberNotEnoughStarted;
    await this.member.changeMembership(ConfChangeType.AddNode, id);
    return this.list();
  }
}

/**
 * etcd's IsReadyToAddVotingMember: the voters started, without the one to add, reach a quorum of
 * the voters with it; a single started member may always grow to two.
 */
function readyToAddVoter(members: readonly MemberRecord[]): boolean {
  const voters = members.filter((m) => !m.is_learner);
  const startedVoters = voters.filter(started).length;
  const after = voters.length + 1;
  if (startedVoters === 1 && after === 2) return true;
  return startedVoters >= quorumOf(after);
}
