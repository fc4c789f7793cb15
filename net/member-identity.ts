/**
 * Who this member is: its id, its cluster's id, and (for a founding member) the founders it
 * bootstraps with. Decided once, at the first start, and kept in member/identity.json, because a
 * member that joined a running cluster cannot recompute the id MemberAdd gave it:
 * - founding (--initial-cluster-state new): every founder derives all ids from --initial-cluster
 *   and the token, as etcd does;
 * - joining (existing): it asks the members listed in --initial-cluster for the membership over
 *   the peer port and finds itself there by its peer URLs.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterIdOf, memberIdOf } from '../engine/node/member-id.js';
import { isMembersAnswer, queryMembers, type MembersAnswer } from './peer/members-query.js';

export type { MembersAnswer };
import type { PeerAddress } from './peer/peer-sender.js';
import { addressOfUrl } from './peer/peer-url.js';

/** What a member answers a joining member's membership query with. */

export interface Identity {
  memberId: number;
  clusterId: number;
  /** The founding members to bootstrap with; null for a member that joined a running cluster. */
  founders: { id: number; name: string; peerUrls: string[] }[] | null;
  /** Where the other members are, as far as is known before the store is open. */
  peers: Map<number, PeerAddress>;
}

interface IdentityFile {
  member_id: number;
  cluster_id: number;
  founded: boolean;
}

export interface IdentityOptions {
  name: string;
  dataDir: string;
  initialCluster: ReadonlyMap<string, readonly string[]>;
  clusterToken: string;
  initialClusterState?: 'new' | 'existing';
}


function founding(options: IdentityOptions, self: readonly string[]): Identity {
  const founders = [...options.initialCluster].map(([name, peerUrls]) => ({ id: memberIdOf(peerUrls, options.clusterToken), name, peerUrls: [...peerUrls] }));
  const memberId = memberIdOf(self, options.clusterToken);
  const peers = new Map<number, PeerAddress>();
  for (const founder of founders) if (founder.id !== memberId) peers.set(founder.id, addressOfUrl(founder.peerUrls[0]!));
  return { memberId, clusterId: clusterIdOf(founders.map((f) => f.id)), founders, peers };
}

async function joining(options: IdentityOptions, self: readonly string[]): Promise<Identity> {
  const others = [...options.initialCluster].filter(([name]) => name !== options.name).flatMap(([, urls]) => urls);
  const failures: string[] = [];
  for (const url of others) {
    let answer: unknown;
    try {
      answer = await queryMembers(addressOfUrl(url), options.clusterToken, self);
    } catch (error) {
      failures.push(`${url}: ${(error as Error).message}`);
      continue;
    }
    if (!isMembersAnswer(answer)) {
      failures.push(`${url}: malformed membership answer`);
      continue;
    }
    const me = answer.members.find((m) => m.peer_urls.some((u) => self.includes(u)));
    if (me === undefined) {
      throw new Error(`member ${options.name} (peer URLs ${self.join(',')}) is not in the existing cluster's membership; ` +
        'add it first with "member add"');
    }
    const peers = new Map<number, PeerAddress>();
    for (const m of answer.members) if (m.id !== me.id && m.peer_urls.length > 0) peers.set(m.id, addressOfUrl(m.peer_urls[0]!));
    return { memberId: me.id, clusterId: answer.cluster_id, founders: null, peers };
  }
  throw new Error(`could not fetch the membership of the existing cluster from any of its members (${failures.join('; ') || 'none listed'})`);
}

/** Reads this member's identity, or decides it at the first start and records it. */
export async function resolveIdentity(options: IdentityOptions, self: readonly string[]): Promise<Identity> {
  const dir = join(options.dataDir, 'member');
  const path = join(dir, 'identity.json');
  if (existsSync(path)) {
    const saved = JSON.parse(readFileSync(path, 'utf8')) as IdentityFile;
    if (saved.founded) return { ...founding(options, self), memberId: saved.member_id, clusterId: saved.cluster_id };
    return { memberId: saved.member_id, clusterId: saved.cluster_id, founders: null, peers: new Map() };
  }
  // A data dir from before identity files: its member founded the cluster.
  const existingData = existsSync(join(dir, 'wal'));
  const identity = options.initialClusterState === 'existing' && !existingData ? await joining(options, self) : founding(options, self);
  mkdirSync(dir, { recursive: true });
  const file: IdentityFile = { member_id: identity.memberId, cluster_id: identity.clusterId, founded: identity.founders !== null };
  writeFileSync(`${path}.tmp`, JSON.stringify(file));
  renameSync(`${path}.tmp`, path);
  return identity;
}
