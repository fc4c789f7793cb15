/**
 * Member and cluster ids. etcd derives a member's id from its peer URLs and the cluster token, and
 * the cluster id from the sorted member ids, so every member computes the same ids independently.
 * cairn does the same with SHA-1, keeping 53 bits so ids stay exact JavaScript numbers.
 */
import { createHash } from 'node:crypto';

const ID_BITS_MASK_HIGH = 0x1fffff; // the top 21 of 53 bits

function idFromDigest(digest: Buffer): number {
  const high = digest.readUInt32BE(0) & ID_BITS_MASK_HIGH;
  const low = digest.readUInt32BE(4);
  const id = high * 2 ** 32 + low;
  // Zero means "nobody" in Raft; a zero digest prefix is astronomically unlikely but must not pass.
  return id === 0 ? 1 : id;
}

/** The id of the member with these peer URLs in the cluster named by `clusterToken`. */
export function memberIdOf(peerUrls: readonly string[], clusterToken: string): number {
  const hash = createHash('sha1');
  for (const url of [...peerUrls].sort()) hash.update(url);
  hash.update(clusterToken);
  return idFromDigest(hash.digest());
}

/** The id of the cluster formed by these members. */
export function clusterIdOf(memberIds: readonly number[]): number {
  const hash = createHash('sha1');
  for (const id of [...memberIds].sort((a, b) => a - b)) hash.update(String(id));
  return idFromDigest(hash.digest());
}
