/**
 * Every member's Raft term and the leader it believes in, from Maintenance.Status over gRPC (what
 * `etcdctl endpoint status` shows). Both servers answer it, so the term before and after a storm
 * is compared the same way for each; a term that moved means at least one election was held.
 */
import * as grpc from '@grpc/grpc-js';
import type { BenchMember } from '../cluster/bench-cluster.js';
import { etcdClient } from '../../net/grpc/protos.js';

/** A member that does not answer within this is reported with term null. */
const STATUS_DEADLINE_MS = 5000;

type StatusAnswer = { header?: { member_id?: string }; leader?: string; raftTerm?: string };
type MaintenanceClient = grpc.Client & {
  Status(request: object, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response?: StatusAnswer) => void): void;
};

export interface MemberRaftStatus {
  /** null when the member did not answer. */
  term: number | null;
  /** The name of the member it reports as leader (its id when no member has that id), or null. */
  leader: string | null;
}

export interface RaftStatus {
  members: Record<string, MemberRaftStatus>;
  /** The highest term any member reported (null when none answered). */
  term: number | null;
}

function askStatus(target: string): Promise<StatusAnswer | null> {
  const Maintenance = etcdClient('Maintenance');
  const client = new Maintenance(target, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }) as unknown as MaintenanceClient;
  return new Promise((resolve) => {
    client.Status({}, { deadline: Date.now() + STATUS_DEADLINE_MS }, (error, response) => {
      client.close();
      resolve(error === null && response !== undefined ? response : null);
    });
  });
}

export async function raftStatus(members: readonly BenchMember[]): Promise<RaftStatus> {
  const answers = await Promise.all(members.map((member) => askStatus(member.grpcTarget)));
  const nameOf = new Map(answers.flatMap((answer, i) => (answer?.header?.member_id === undefined ? [] : [[answer.header.member_id, members[i]!.name]])));
  const status: RaftStatus = { members: {}, term: null };
  answers.forEach((answer, i) => {
    const term = answer?.raftTerm === undefined ? null : Number(answer.raftTerm);
    const leaderId = answer?.leader;
    const leader = leaderId === undefined || leaderId === '0' ? null : nameOf.get(leaderId) ?? leaderId;
    status.members[members[i]!.name] = { term, leader };
    if (term !== null) status.term = Math.max(status.term ?? 0, term);
  });
  return status;
}
