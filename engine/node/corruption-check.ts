/**
 * Corruption checks, as etcd 3.4 runs them (--experimental-initial-corrupt-check and
 * --experimental-corrupt-check-time): members' HashKV compared at a common revision. Members apply
 * the same entries, so at one revision, with one compaction revision, their hashes must agree; a
 * member whose hash differs holds a diverged store.
 *
 * - The initial check (CheckInitialHashKV) runs once on a starting member, before it serves
 *   clients: it hashes its own store at its current revision and asks every peer for its hash at
 *   that revision. A peer that differs with the same compact revision means this member's data is
 *   inconsistent: it refuses to start. Peers behind it (future revision) or compacted past it
 *   cannot be compared and are skipped.
 * - The periodic check (checkHashKV) runs on the leader every interval: its hash at its current
 *   revision, the peers' hashes at that revision, then a linearizable read and its hash again. A
 *   peer ahead of the leader after that read, a peer with a newer compaction, a peer whose hash
 *   differs at the same compact revision, or the leader's own hash changing at an unchanged
 *   revision raises the CORRUPT alarm (one per check) naming that member. Peers behind the
 *   leader answer "future revision" and are compared next time, never flagged.
 *
 * The member's services come in as ports (hashes, peers, reads, the alarm), so the checks run the
 * same in a process (net/grpc/peer-hashes.ts asks peers over gRPC) and in tests.
 */
import type { HashKVResponse } from '../mvcc/rpc.js';
import type { WithHeader } from '../wire/response-header.js';

/** A member's HashKV answer: the hash, its compact revision, and the header (revision, member id). */
export type MemberHash = WithHeader<HashKVResponse>;

/** One peer's answer to "your hash at revision R": a hash, or why there is none. */
export interface PeerHash {
  memberId: number;
  hash?: MemberHash;
  error?: Error;
}

/** What the checks use of the member. */
export interface CorruptionCheckPorts {
  /** This member's own id. */
  memberId: number;
  /** This member's HashKV at its current revision (revision 0). */
  localHash(): Promise<MemberHash>;
  /** Every other member's HashKV at `revision` (one answer per peer, failures included). */
  peerHashes(revision: number): Promise<PeerHash[]>;
  /** Resolves once this member applied everything committed before the call (a ReadIndex round). */
  linearizableRead(): Promise<void>;
  /** Raises the CORRUPT alarm for `memberId` through Raft. */
  raiseCorrupt(memberId: number): Promise<void>;
  log(line: string): void;
}

/** Why the initial check refuses a start (etcd: "<id> found data inconsistency with peers"). */
export class DataInconsistencyError extends Error {
  override readonly name = 'DataInconsistencyError';
}

function idHex(id: number): string {
  return id.toString(16);
}

/**
 * etcd's CheckInitialHashKV: throws DataInconsistencyError when a peer's hash at this member's
 * revision differs with the same compact revision. Call it once the member has caught up.
 */
export async function checkInitialHashKV(ports: CorruptionCheckPorts): Promise<void> {
  const local = await ports.localHash();
  const revision = local.header.revision;
  let mismatches = 0;
  for (const peer of await ports.peerHashes(revision)) {
    if (peer.hash === undefined) {
      ports.log(`cannot check the hash of peer ${idHex(peer.memberId)} at revision ${revision}: ${peer.error?.message ?? 'no answer'}`);
      continue;
    }
    if (peer.hash.hash === local.hash) continue;
    if (peer.hash.compact_revision === local.compact_revision) {
      ports.log(`${idHex(ports.memberId)}'s hash ${local.hash} != ${idHex(peer.memberId)}'s hash ${peer.hash.hash} ` +
        `(revision ${revision}, peer revision ${peer.hash.header.revision}, compact revision ${local.compact_revision})`);
      mismatches++;
    } else {
      ports.log(`cannot check hash of peer ${idHex(peer.memberId)}: peer has a different compact revision ` +
        `${peer.hash.compact_revision} (revision ${revision})`);
    }
  }
  if (mismatches > 0) throw new DataInconsistencyError(`${idHex(ports.memberId)} found data inconsistency with peers`);
}

/**
 * etcd's checkHashKV, run by the leader: raises CORRUPT for the first member found diverged;
 * returns that member's id, or 0 when none was.
 */
export async function checkHashKV(ports: CorruptionCheckPorts): Promise<number> {
  const before = await ports.localHash();
  const revision = before.header.revision;
  const peers = await ports.peerHashes(revision);
  await ports.linearizableRead();
  const after = await ports.localHash();
  const revisionAfter = after.header.revision;
  const suspect = (memberId: number, why: string): number => {
    ports.log(`corruption check: ${why}; raising the CORRUPT alarm for member ${idHex(memberId)}`);
    return memberId;
  };
  let diverged = 0;
  if (after.hash !== before.hash && revisionAfter === revision && after.compact_revision === before.compact_revision) {
    diverged = suspect(ports.memberId, `mismatched hashes ${before.hash} and ${after.hash} for revision ${revision}`);
  }
  for (const peer of peers) {
    if (diverged !== 0) break;
    const hash = peer.hash;
    if (hash === undefined) continue;
    if (hash.header.revision > revisionAfter) {
      diverged = suspect(peer.memberId, `revision ${hash.header.revision} from member ${idHex(peer.memberId)}, expected at most ${revisionAfter}`);
    } else if (hash.compact_revision > after.compact_revision) {
      diverged = suspect(peer.memberId,
        `compact revision ${hash.compact_revision} from member ${idHex(peer.memberId)}, expected at most ${after.compact_revision}`);
    } else if (hash.compact_revision === before.compact_revision && hash.hash !== before.hash) {
      diverged = suspect(peer.memberId,
        `hash ${hash.hash} at revision ${revision} from member ${idHex(peer.memberId)}, expected hash ${before.hash}`);
    }
  }
  if (diverged !== 0) await ports.raiseCorrupt(diverged);
  return diverged;
}
