/**
 * Scripted scenarios on the simulator: the production members, services and store over the
 * simulated clock and network, with one fault placed where the scenario wants it instead of the
 * seed's random ones. What used to need several processes and the wall clock (and was flaky on a
 * loaded machine) is exact here: simulated time does not slow down.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimCluster } from './cluster.js';
import { QUIET_PROFILE } from './faults.js';
import { Prng } from './prng.js';
import type { MemberTuning } from './sim-member.js';
import type { SimMember } from './sim-member.js';
import { ErrMemberBadURLs, ErrMemberNotFound, ErrMemberNotLearner, ErrPeerURLExist, ErrTooManyLearners } from '../../engine/errors.js';
import { ClusterMembership } from '../../engine/node/membership.js';
import { StateRole } from '../../engine/raft/raw-node.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** etcd's default timings. */
const TUNING: MemberTuning = {
  heartbeatMs: 100, electionMs: 1000, snapshotCount: 10_000, snapshotCatchUpEntries: 5_000,
  disk: { fsyncMsMin: 1, fsyncMsMax: 3, slowFsyncProbability: 0, slowFsyncMs: 0 },
};

/** Runs ticks until `promise` settles (at most `maxMs` of simulated time); returns its value. */
async function settle<T>(cluster: SimCluster, promise: Promise<T>, maxMs = 30_000): Promise<T> {
  let outcome: { value: T } | { error: unknown } | undefined;
  promise.then((value) => { outcome = { value }; }, (error: unknown) => { outcome = { error }; });
  const deadline = cluster.nowMs + maxMs;
  while (outcome === undefined) {
    if (cluster.nowMs > deadline) throw new Error(`not settled within ${maxMs} ms of simulated time`);
    await cluster.tick(() => {});
  }
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}

/** Runs ticks for `ms` of simulated time, calling `each` before every tick. */
async function runFor(cluster: SimCluster, ms: number, each: () => void = () => {}): Promise<void> {
  const until = cluster.nowMs + ms;
  while (cluster.nowMs < until) await cluster.tick(each);
}

async function leaderOf(cluster: SimCluster): Promise<SimMember> {
  for (let i = 0; i < 400 && cluster.leader() === undefined; i++) await cluster.tick(() => {});
  const leader = cluster.leader();
  assert.ok(leader !== undefined, 'a leader was elected');
  return leader;
}

test('SIGSTOP of the leader for three TTLs: a lease kept alive through a follower survives, and nothing is revoked when it resumes', async () => {
  const cluster = new SimCluster(new Prng(7), 3, QUIET_PROFILE, TUNING, undefined);
  try {
    const leader = await leaderOf(cluster);
    const follower = [...cluster.members.values()].find((member) => member !== leader)!;
    const etcd = () => follower.incarnation!.etcd;
    const TTL_SECONDS = 3;
    const granted = await settle(cluster, etcd().leaseGrant({ TTL: TTL_SECONDS, ID: 0 }));
    await settle(cluster, etcd().put({ key: encoder.encode('session'), value: encoder.encode('alive'), lease: granted.ID }));

    // The client renews every TTL/3 through the follower, as clientv3 does; a renewal the stalled
    // leader never answers times out (5 s) while the next ones go on.
    let renewed = 0;
    let nextKeepAliveMs = cluster.nowMs;
    const keepAlive = (): void => {
      if (cluster.nowMs < nextKeepAliveMs) return;
      nextKeepAliveMs = cluster.nowMs + (TTL_SECONDS * 1000) / 3;
      etcd().leaseKeepAlive(granted.ID).then((answer) => { if (answer.TTL > 0) renewed++; }, () => {});
    };
    const stallMs = 3 * TTL_SECONDS * 1000;
    leader.pause(cluster.nowMs + stallMs);
    await runFor(cluster, stallMs, keepAlive);
    const renewedDuringStall = renewed;
    // Long enough for the resumed member's late expiry check, and for a TTL to pass again.
    await runFor(cluster, 2 * TTL_SECONDS * 1000, keepAlive);

    assert.ok(renewedDuringStall >= 3, `keep-alives went on through the new leader during the stall (${renewedDuringStall})`);
    assert.notEqual(cluster.leader(), leader, 'the others elected a new leader');
    const ttl = await settle(cluster, etcd().leaseTimeToLive({ ID: granted.ID }));
    assert.ok(ttl.TTL > 0, `the lease is alive (TTL ${ttl.TTL})`);
    for (const member of cluster.members.values()) {
      const got = await settle(cluster, member.incarnation!.etcd.range({ key: encoder.encode('session'), serializable: true }));
      assert.equal(got.kvs[0] === undefined ? undefined : decoder.decode(got.kvs[0].value), 'alive', `m${member.id} still holds the leased key`);
    }
  } finally {
    await cluster.close();
  }
});

test('a lease nobody keeps alive expires about one TTL after its grant, on every member', async () => {
  const cluster = new SimCluster(new Prng(8), 3, QUIET_PROFILE, TUNING, undefined);
  try {
    const leader = await leaderOf(cluster);
    const etcd = leader.incarnation!.etcd;
    const grantedAt = cluster.nowMs;
    const granted = await settle(cluster, etcd.leaseGrant({ TTL: 2, ID: 0 }));
    await settle(cluster, leader.incarnation!.etcd.put({ key: encoder.encode('ephemeral'), value: encoder.encode('v'), lease: granted.ID }));
    const gone = async (): Promise<boolean> => {
      for (const member of cluster.members.values()) {
        const got = await settle(cluster, member.incarnation!.etcd.range({ key: encoder.encode('ephemeral'), serializable: true }));
        if (got.kvs.length > 0) return false;
      }
      return true;
    };
    await runFor(cluster, 1500);
    assert.equal(await gone(), false, 'still there before its TTL');
    while (!(await gone())) {
      assert.ok(cluster.nowMs - grantedAt < 5000, 'revoked within a few seconds of its TTL');
      await cluster.tick(() => {});
    }
    // etcd checks expiry every 500 ms; the revoke then goes through Raft.
    assert.ok(cluster.nowMs - grantedAt >= 2000, `not revoked before its TTL (${cluster.nowMs - grantedAt} ms)`);
  } finally {
    await cluster.close();
  }
});

const text = (data: Uint8Array | undefined): string => (data === undefined ? '' : decoder.decode(data));

/** Runs ticks until `check` holds (at most `maxMs` of simulated time). */
async function until(cluster: SimCluster, what: string, check: () => boolean, maxMs = 60_000): Promise<void> {
  const deadline = cluster.nowMs + maxMs;
  while (!check()) {
    if (cluster.nowMs > deadline) throw new Error(`${what}: not within ${maxMs} ms of simulated time`);
    await cluster.tick(() => {});
  }
}

/** A put through whoever leads now, retried on Unavailable as etcd's clients retry. */
async function put(cluster: SimCluster, key: string, value: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const leader = await leaderOf(cluster);
    try {
      await settle(cluster, leader.incarnation!.etcd.put({ key: encoder.encode(key), value: encoder.encode(value) }));
      return;
    } catch (error) {
      if (attempt >= 5) throw error;
    }
  }
}

function status(member: SimMember) {
  return member.incarnation!.member.status();
}

test('three members: when the leader stops, the others elect a new one within two election timeouts and keep accepting writes; it rejoins and catches up', async () => {
  const cluster = new SimCluster(new Prng(9), 3, QUIET_PROFILE, TUNING, undefined);
  try {
    const first = await leaderOf(cluster);
    await put(cluster, 'before', '1');
    await first.crash();
    const stoppedAt = cluster.nowMs;
    await until(cluster, 'a new leader', () => cluster.leader() !== undefined);
    const second = cluster.leader()!;
    assert.notEqual(second, first);
    assert.ok(cluster.nowMs - stoppedAt <= 2 * TUNING.electionMs + 500, `elected ${cluster.nowMs - stoppedAt} ms after the leader stopped`);
    await put(cluster, 'after', '2');
    for (const member of cluster.members.values()) {
      if (!member.isUp()) continue;
      const got = await settle(cluster, member.incarnation!.etcd.range({ key: encoder.encode('a'), range_end: encoder.encode('c') }));
      assert.deepEqual(got.kvs.map((kv) => text(kv.key)), ['after', 'before']);
    }
    await first.start();
    await until(cluster, 'the restarted member to catch up', () => first.isUp() && status(first).appliedIndex >= status(second).commitIndex);
    const got = await settle(cluster, first.incarnation!.etcd.range({ key: encoder.encode('after'), serializable: true }));
    assert.equal(text(got.kvs[0]?.value), '2', 'the restarted member caught up');
  } finally {
    await cluster.close();
  }
});

test('members snapshot every snapshotCount entries and compact their log; a member behind the compacted log catches up from a streamed snapshot', async () => {
  const cluster = new SimCluster(new Prng(10), 3, QUIET_PROFILE, { ...TUNING, snapshotCount: 40, snapshotCatchUpEntries: 10 }, undefined);
  try {
    for (let i = 0; i < 20; i++) await put(cluster, `k${i}`, `a${i}`);
    const leader = await leaderOf(cluster);
    const follower = [...cluster.members.values()].find((member) => member !== leader)!;
    await follower.crash();
    // The others write far past what their logs keep.
    for (let i = 0; i < 300; i++) await put(cluster, `k${i % 50}`, `b${i}`);
    const current = await leaderOf(cluster);
    const leading = () => current.incarnation!.member;
    await until(cluster, 'the leader to snapshot past the writes and compact its log',
      () => leading().snapshotIndexValue >= 280 && leading().firstLogIndex > 100);

    // The follower restarts behind the leader's first log index: only a snapshot can catch it up.
    await follower.start();
    await until(cluster, 'the follower to start', () => follower.isUp());
    assert.ok(status(follower).appliedIndex < leading().firstLogIndex);
    const target = leading().status().commitIndex;
    await until(cluster, 'the follower to catch up', () => status(follower).appliedIndex >= target);
    assert.equal(follower.incarnation!.member.snapshotTransferStats().received, 1, 'it installed one snapshot');
    await until(cluster, 'the leader to hear the transfer succeeded', () => leading().snapshotTransferStats().sent >= 1);
    const got = await settle(cluster, follower.incarnation!.etcd.range({ key: encoder.encode('k0'), range_end: encoder.encode('k:'), serializable: true }));
    assert.equal(got.kvs.length, 50);
    assert.equal(text(got.kvs.find((kv) => text(kv.key) === 'k49')?.value), 'b299');
    const leaderHash = await settle(cluster, current.incarnation!.etcd.hashKV({ revision: 0 }));
    assert.equal((await settle(cluster, follower.incarnation!.etcd.hashKV({ revision: 0 }))).hash, leaderHash.hash, 'equal stores');

    // It goes on replicating normally after the snapshot, and survives a restart on top of it.
    await put(cluster, 'after', 'snapshot');
    const afterIndex = leading().status().commitIndex;
    await until(cluster, 'the follower to apply the next write', () => status(follower).appliedIndex >= afterIndex);
    await follower.crash();
    await follower.start();
    await until(cluster, 'the restarted follower to apply', () => follower.isUp() && status(follower).appliedIndex >= afterIndex);
    const after = await settle(cluster, follower.incarnation!.etcd.range({ key: encoder.encode('after'), serializable: true }));
    assert.equal(text(after.kvs[0]?.value), 'snapshot');
  } finally {
    await cluster.close();
  }
});

test('a restarted member replays its WAL from its latest snapshot', async () => {
  const cluster = new SimCluster(new Prng(11), 1, QUIET_PROFILE, { ...TUNING, snapshotCount: 25, snapshotCatchUpEntries: 5 }, undefined);
  try {
    for (let i = 0; i < 120; i++) await put(cluster, `k${i % 7}`, `v${i}`);
    const member = cluster.members.get(1)!;
    await until(cluster, 'a snapshot', () => member.incarnation!.member.snapshotIndexValue >= 100);
    const revision = (await settle(cluster, member.incarnation!.etcd.range({ key: encoder.encode('k0') }))).header.revision;
    await member.crash();
    await member.start();
    await leaderOf(cluster);
    assert.ok(member.incarnation!.member.firstLogIndex > 1, 'the log starts after the snapshot');
    const got = await settle(cluster, member.incarnation!.etcd.range({ key: encoder.encode('k0'), range_end: encoder.encode('k9') }));
    assert.equal(got.header.revision, revision);
    assert.equal(got.kvs.length, 7);
    const put2 = await settle(cluster, member.incarnation!.etcd.put({ key: encoder.encode('next'), value: encoder.encode('x') }));
    assert.equal(put2.header.revision, revision + 1);
  } finally {
    await cluster.close();
  }
});

test('a learner added with MemberAdd joins with an empty log, catches up from a snapshot, is promoted, and a voter is removed', async () => {
  const cluster = new SimCluster(new Prng(12), 3, QUIET_PROFILE, { ...TUNING, snapshotCount: 30, snapshotCatchUpEntries: 5 }, undefined);
  try {
    for (let i = 0; i < 100; i++) await put(cluster, `k${i}`, `v${i}`);
    const leader = await leaderOf(cluster);
    const leading = leader.incarnation!;
    const membership = new ClusterMembership(leading.member, leading.reader, 'sim', { now: () => leading.clock.now() });
    assert.deepEqual(membership.list().map((m) => [m.id, m.name, m.isLearner]), [[1, 'm1', false], [2, 'm2', false], [3, 'm3', false]]);

    // Refused before Raft, with etcd's errors.
    await assert.rejects(membership.add(['not a url'], true), ErrMemberBadURLs);
    await assert.rejects(membership.add(['http://127.0.0.1'], true), ErrMemberBadURLs);
    await assert.rejects(membership.remove(0x999), ErrMemberNotFound);
    await assert.rejects(membership.promote(2), ErrMemberNotLearner);

    const url = 'http://joiner.sim:2380';
    const { member: added, members } = await settle(cluster, membership.add([url], true));
    assert.equal(added.isLearner, true);
    assert.deepEqual(added.peerUrls, [url]);
    assert.equal(members.length, 4);
    await assert.rejects(settle(cluster, membership.add([url], false)), ErrPeerURLExist);
    await assert.rejects(settle(cluster, membership.add(['http://other.sim:2380'], true)), ErrTooManyLearners);
    // Every member recorded it (the table is replicated).
    await until(cluster, 'the table to replicate', () => [...cluster.members.values()].every((m) => m.incarnation!.reader.members().length === 4));

    // The new member starts with nothing: the leader's log is compacted, so it gets a snapshot.
    assert.ok(leading.member.firstLogIndex > 1);
    const joined = cluster.addMember(added.id, null);
    await joined.start();
    const target = leading.member.status().commitIndex;
    await until(cluster, 'the new member to catch up', () => joined.isUp() && status(joined).appliedIndex >= target);
    assert.equal(joined.incarnation!.member.snapshotTransferStats().received, 1);
    const got = await settle(cluster, joined.incarnation!.etcd.range({ key: encoder.encode('k99'), serializable: true }));
    assert.equal(text(got.kvs[0]?.value), 'v99');
    assert.deepEqual(joined.incarnation!.reader.members().map((m) => m.id), [1, 2, 3, added.id], 'it learned the membership too');

    await until(cluster, 'the leader to see the learner in sync', () => leading.member.learnerCaughtUp(added.id) === true);
    const promoted = await settle(cluster, membership.promote(added.id));
    assert.equal(promoted.find((m) => m.id === added.id)!.isLearner, false);
    await until(cluster, 'raft to count it as a voter', () => status(leader).role === StateRole.Leader && status(joined).leader === leader.id);

    // Remove a follower that is not the new one; it stops, and the cluster goes on with three voters.
    const removedId = [2, 3].find((id) => id !== leader.id)!;
    const afterRemove = await settle(cluster, membership.remove(removedId));
    assert.deepEqual(afterRemove.map((m) => m.id).sort(), [1, 2, 3, added.id].filter((id) => id !== removedId).sort());
    await until(cluster, 'the removed member to stop', () => cluster.members.get(removedId)!.removed && !cluster.members.get(removedId)!.isUp());
    const put3 = await settle(cluster, leading.etcd.put({ key: encoder.encode('after'), value: encoder.encode('removal') }));
    await until(cluster, 'the new voter to apply it', () => status(joined).appliedIndex >= status(leader).commitIndex);
    assert.ok(put3.header.revision > 100);
    const after = await settle(cluster, joined.incarnation!.etcd.range({ key: encoder.encode('after'), serializable: true }));
    assert.equal(text(after.kvs[0]?.value), 'removal');
  } finally {
    await cluster.close();
  }
});
