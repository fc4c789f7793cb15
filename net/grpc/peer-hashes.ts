/**
 * Asks the other members for their HashKV at a revision, for the corruption checks
 * (engine/node/corruption-check.ts). etcd asks over the peer port (POST /members/hashkv); cairn's
 * peer port speaks only its own Raft framing, while every member already serves the very same call,
 * Maintenance.HashKV, on its advertised client URLs, which the replicated member list holds. So
 * this calls that with a gRPC client: no second HashKV endpoint to keep in step with the first.
 * Each member's URLs are tried in order until one answers, as etcd tries a peer's URLs.
 */
import * as grpc from '@grpc/grpc-js';
import { etcdErrorFrom } from '../../engine/errors.js';
import type { MemberInfo } from '../../engine/node/cluster-members.js';
import type { MemberHash, PeerHash } from '../../engine/node/corruption-check.js';
import { etcdClient } from './protos.js';

/** HashKVResponse as the gRPC client decodes it (int64 as strings: protos.ts). */
interface WireHashKVResponse {
  header: { cluster_id: string; member_id: string; revision: string; raft_term: string };
  hash: number;
  compact_revision: string;
}

/** host:port of a client URL (http://host:port). */
function targetOf(url: string): string {
  return new URL(url).host;
}

function hashKVAt(target: string, revision: number, timeoutMs: number): Promise<MemberHash> {
  const client = new (etcdClient('Maintenance'))(target, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    HashKV(request: object, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response: WireHashKVResponse) => void): void;
  };
  return new Promise<MemberHash>((resolve, reject) => {
    client.HashKV({ revision }, { deadline: Date.now() + timeoutMs }, (error, response) => {
      client.close();
      if (error !== null) return reject(etcdErrorFrom(error.code, error.details));
      resolve({
        header: {
          cluster_id: Number(response.header.cluster_id), member_id: Number(response.header.member_id),
          revision: Number(response.header.revision), raft_term: Number(response.header.raft_term),
        },
        hash: response.hash,
        compact_revision: Number(response.compact_revision),
        hash_revision: revision,
      });
    });
  });
}

async function peerHash(member: MemberInfo, revision: number, timeoutMs: number): Promise<PeerHash> {
  let lastError: Error = new Error(`member ${member.id.toString(16)} has no client URL yet`);
  for (const url of member.clientUrls) {
    try {
      return { memberId: member.id, hash: await hashKVAt(targetOf(url), revision, timeoutMs) };
    } catch (error) {
      lastError = error as Error;
    }
  }
  return { memberId: member.id, error: lastError };
}

/** A `peerHashes` port: every member but `selfId`, asked at once, each within `timeoutMs`. */
export function peerHashesOverGrpc(members: () => MemberInfo[], selfId: number, timeoutMs: number): (revision: number) => Promise<PeerHash[]> {
  return (revision) => Promise.all(members().filter((member) => member.id !== selfId).map((member) => peerHash(member, revision, timeoutMs)));
}
