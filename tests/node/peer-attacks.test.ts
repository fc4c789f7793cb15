/**
 * The peer port against an attacker who knows the cluster token and id and the member ids (all
 * public), on the same host as a three-member cluster, speaking the frame codec over raw TCP:
 * nothing it sends from outside the membership reaches a member, a member cannot speak for
 * another, only the leader of the term may stream a snapshot, and no message stops a member.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { join } from 'node:path';
import { encodeFrame } from '../../net/peer/frame-codec.js';
import { sendSnapshotStream } from '../../net/peer/snapshot-stream.js';
import { PEER_FRAME_BYTES_MAX } from '../../net/peer/peer-transport.js';
import { encodeInternalRequest } from '../../engine/mvcc/request.js';
import { makeMessage, MessageType, type Message } from '../../engine/raft/message.js';
import { EntryType } from '../../engine/raft/types.js';
import { SnapshotPool } from '../../engine/snapshot/snapshot-pool.js';
import { ETCD_TIMINGS, TestCluster, bytes, text, waitFor, type RunningMember } from './cluster-harness.js';

const CLUSTER_TOKEN = 'test-cluster';
const CLUSTER_ID = 42;
const STRANGER_ID = 99;
/** How long a connection the member keeps open is watched before the attack is judged accepted. */
const ACCEPTED_AFTER_MS = 1000;

/**
 * Connects to `member`'s peer port, says Hello as `from` and sends `frames`. Resolves 'refused'
 * when the member closes the connection, 'accepted' when it is still open after a while.
 */
async function attack(member: RunningMember, from: number, frames: unknown[],
  hello: Record<string, unknown> = {}): Promise<'refused' | 'accepted'> {
  const { host, port } = member.network.address();
  const socket = connect({ host, port });
  socket.on('error', () => {});
  await once(socket, 'connect');
  const closed = once(socket, 'close').then(() => 'refused' as const);
  socket.write(encodeFrame({ cluster: CLUSTER_TOKEN, clusterId: CLUSTER_ID, from, to: member.member.id, ...hello }));
  for (const frame of frames) socket.write(encodeFrame(frame));
  const open = new Promise<'accepted'>((resolve) => setTimeout(() => resolve('accepted'), ACCEPTED_AFTER_MS));
  const outcome = await Promise.race([closed, open]);
  socket.destroy();
  return outcome;
}

/** Waits until every running member applied the same index, and returns it. */
async function settled(cluster: TestCluster): Promise<number> {
  const members = [...cluster.members.values()].map((running) => running.member);
  await waitFor('the members to apply the same index', () => {
    const statuses = members.map((member) => member.status());
    return statuses.every((status) => status.appliedIndex === statuses[0]!.appliedIndex && status.commitIndex === status.appliedIndex);
  });
  return members[0]!.status().appliedIndex;
}

/** A cluster of three with one leader throughout, a few writes in, and a follower to attack. */
async function threeMembers(): Promise<{ cluster: TestCluster; leader: RunningMember; victim: RunningMember; other: RunningMember }> {
  const cluster = new TestCluster(3, ETCD_TIMINGS);
  await cluster.startAll();
  const leader = await cluster.leader();
  for (let i = 0; i < 5; i++) await leader.kv.put({ key: bytes(`real-${i}`), value: bytes(`v${i}`) });
  await settled(cluster);
  const [victim, other] = [...cluster.members.values()].filter((running) => running !== leader);
  return { cluster, leader, victim: victim!, other: other! };
}

/** An append of one put of `key` right after the victim's last entry, at its term, committing it. */
function forgedAppend(from: number, victim: RunningMember, key: string): Message {
  const { term, commitIndex } = victim.member.status();
  const data = encodeInternalRequest({ put: { key: bytes(key), value: bytes('forged') } });
  return makeMessage({
    type: MessageType.MsgApp, from, to: victim.member.id, term, index: commitIndex, logTerm: term, commit: commitIndex + 1,
    entries: [{ term, index: commitIndex + 1, type: EntryType.Normal, data }],
  });
}

/** Every member holds the same data: `key` written for real, nothing forged, equal HashKV. */
async function assertSameEverywhere(cluster: TestCluster, key: string): Promise<void> {
  const hashes = new Set<number>();
  for (const running of cluster.members.values()) {
    const real = await running.kv.range({ key: bytes(key), serializable: true });
    assert.equal(text(real.kvs[0]?.value), 'real', `member ${running.member.id} applied the real write`);
    const forged = await running.kv.range({ key: bytes('forged'), range_end: bytes('forgee'), serializable: true });
    assert.equal(forged.kvs.length, 0, `member ${running.member.id} holds no forged key`);
    hashes.add((await running.kv.hashKV({ revision: 0 })).hash);
  }
  assert.equal(hashes.size, 1, 'every member has the same HashKV');
}

test('a forged append from a non-member at the victim\'s term is refused: nothing changes, and the next real write applies on every member', async () => {
  const { cluster, leader, victim } = await threeMembers();
  try {
    const before = victim.member.status();
    const hashBefore = (await victim.kv.hashKV({ revision: 0 })).hash;
    const outcome = await attack(victim, STRANGER_ID, [[forgedAppend(STRANGER_ID, victim, 'forged-1')]]);
    const after = victim.member.status();
    assert.equal(after.revision, before.revision, 'no revision was written');
    assert.equal(after.appliedIndex, before.appliedIndex, 'nothing was applied');
    assert.equal((await victim.kv.hashKV({ revision: 0 })).hash, hashBefore);
    await leader.kv.put({ key: bytes('next'), value: bytes('real') });
    await settled(cluster);
    await assertSameEverywhere(cluster, 'next');
    assert.equal(outcome, 'refused');
    assert.equal(victim.network.peerStats().refused.not_a_member, 1);
  } finally {
    await cluster.close();
  }
});

test('a member cannot speak for another: a connection as one follower carrying the leader\'s append is refused', async () => {
  const { cluster, leader, victim, other } = await threeMembers();
  try {
    const append = forgedAppend(leader.member.id, victim, 'forged-2');
    assert.equal(await attack(victim, other.member.id, [[append]]), 'refused');
    assert.equal(victim.network.peerStats().refused.forged_sender, 1);
    await leader.kv.put({ key: bytes('next'), value: bytes('real') });
    await settled(cluster);
    await assertSameEverywhere(cluster, 'next');
  } finally {
    await cluster.close();
  }
});

test('a Hello with a wrong cluster token or cluster id is refused and counted', async () => {
  const { cluster, leader, victim } = await threeMembers();
  try {
    const append = forgedAppend(leader.member.id, victim, 'forged-3');
    assert.equal(await attack(victim, leader.member.id, [[append]], { cluster: 'etcd-cluster' }), 'refused');
    assert.equal(await attack(victim, leader.member.id, [[append]], { clusterId: CLUSTER_ID + 1 }), 'refused');
    assert.equal(victim.network.peerStats().refused.wrong_cluster, 2);
    await leader.kv.put({ key: bytes('next'), value: bytes('real') });
    await settled(cluster);
    await assertSameEverywhere(cluster, 'next');
  } finally {
    await cluster.close();
  }
});

test('a heartbeat with a huge commit index does not stop the member: the commit is clamped to its log', async () => {
  const { cluster, leader, victim } = await threeMembers();
  try {
    const { term } = victim.member.status();
    const heartbeat = makeMessage({ type: MessageType.MsgHeartbeat, from: leader.member.id, to: victim.member.id, term, commit: 2 ** 52 });
    // Sent as the leader (without peer TLS an id cannot be proven): the core itself must cope.
    await attack(victim, leader.member.id, [[heartbeat]]);
    assert.ok(victim.member.status().commitIndex < 2 ** 52);
    await leader.kv.put({ key: bytes('next'), value: bytes('real') });
    await settled(cluster);
    await assertSameEverywhere(cluster, 'next');
  } finally {
    await cluster.close();
  }
});

test('a snapshot stream from a non-member, or from a member that does not lead the term, is refused and the store is unchanged', async () => {
  const { cluster, leader, victim, other } = await threeMembers();
  // The attacker's store: a one-member cluster's, two keys, applied further than the victim.
  const forger = new TestCluster(1);
  const pool = new SnapshotPool();
  try {
    await forger.startAll();
    const forgerLeader = await forger.leader();
    const victimIndex = victim.member.status().appliedIndex;
    for (let i = 0; forgerLeader.member.status().appliedIndex <= victimIndex + 5; i++) {
      await forgerLeader.kv.put({ key: bytes(`forged-${i % 2}`), value: bytes('forged') });
    }
    const path = join(forger.root, 'forged.snap');
    const { appliedIndex } = await pool.writeSnapshot(forgerLeader.member.kvPath, path);
    const hashBefore = (await victim.kv.hashKV({ revision: 0 })).hash;
    const { term } = victim.member.status();
    const send = (from: number) => sendSnapshotStream({
      address: victim.network.address(),
      hello: { cluster: CLUSTER_TOKEN, clusterId: CLUSTER_ID, from, to: victim.member.id, term },
      message: makeMessage({
        type: MessageType.MsgSnap, from, to: victim.member.id, term,
        snapshot: { meta: { index: appliedIndex, term, confState: { voters: [1, 2, 3], learners: [] } }, data: new Uint8Array(0) },
      }),
      path,
      frameBytesMax: PEER_FRAME_BYTES_MAX,
    });
    const outcome = (from: number) => send(from).then(() => 'installed', () => 'refused');
    const fromStranger = await outcome(STRANGER_ID);
    assert.equal((await victim.kv.hashKV({ revision: 0 })).hash, hashBefore, 'the store is unchanged');
    const fromFollower = await outcome(other.member.id);
    assert.equal((await victim.kv.hashKV({ revision: 0 })).hash, hashBefore, 'the store is unchanged');
    assert.deepEqual([fromStranger, fromFollower], ['refused', 'refused']);
    const stats = victim.network.peerStats();
    assert.equal(stats.refused.not_a_member, 1);
    assert.equal(stats.refused.stream_refused, 1);
    assert.equal(victim.member.snapshotTransferStats().received, 0);
    await leader.kv.put({ key: bytes('next'), value: bytes('real') });
    await settled(cluster);
    await assertSameEverywhere(cluster, 'next');
    const kept = await victim.kv.range({ key: bytes('real-'), range_end: bytes('real.'), serializable: true });
    assert.equal(kept.kvs.length, 5);
  } finally {
    await pool.close();
    await forger.close();
    await cluster.close();
  }
});
