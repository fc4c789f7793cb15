/**
 * Asks a running member for the cluster's membership over the peer port: what a member started
 * with --initial-cluster-state existing does first, to learn its own id (the one MemberAdd gave
 * its peer URLs), the cluster id and where the others are (etcd asks its peers' /members).
 */
import { connect } from 'node:net';
import { encodeFrame, FrameDecoder, type Hello } from './frame-codec.js';
import type { PeerAddress } from './peer-sender.js';
import type { MemberRecord } from '../../engine/mvcc/members.js';

const QUERY_TIMEOUT_MS = 5000;

/** What a member answers a membership query with. */
export interface MembersAnswer {
  cluster_id: number;
  members: MemberRecord[];
}

/** True for an answer of the right shape (a peer's answer is checked before anything reads it). */
export function isMembersAnswer(value: unknown): value is MembersAnswer {
  const answer = value as Partial<MembersAnswer> | null;
  return typeof answer === 'object' && answer !== null && Number.isSafeInteger(answer.cluster_id) && Array.isArray(answer.members) &&
    answer.members.every((m) => Number.isSafeInteger(m?.id) && Array.isArray(m?.peer_urls) && m.peer_urls.every((u) => typeof u === 'string'));
}

const ANSWER_BYTES_MAX = 4 * 1024 * 1024;

/**
 * Resolves with the peer's answer (the caller checks its shape), rejects if it cannot be had. The
 * asking member names its own peer URLs: the peer answers only a member MemberAdd added at one of them.
 */
export function queryMembers(address: PeerAddress, cluster: string, peerUrls: readonly string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address.host, port: address.port });
    const decoder = new FrameDecoder(ANSWER_BYTES_MAX);
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(QUERY_TIMEOUT_MS, () => fail(new Error(`no answer from ${address.host}:${address.port}`)));
    socket.on('connect', () => {
      // The joining member knows neither its id nor the cluster id yet: the answer tells it both.
      const hello: Hello = { cluster, clusterId: 0, from: 0, to: 0, stream: 'members', peerUrls: [...peerUrls] };
      socket.write(encodeFrame(hello));
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        const frames = decoder.push(chunk);
        if (frames.length > 0) {
          socket.destroy();
          resolve(frames[0]);
        }
      } catch (error) {
        fail(error as Error);
      }
    });
    socket.on('error', fail);
    socket.on('close', () => reject(new Error(`${address.host}:${address.port} closed the connection without an answer`)));
  });
}
