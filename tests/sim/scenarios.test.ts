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
    const services = () => follower.incarnation!.services;
    const TTL_SECONDS = 3;
    const granted = await settle(cluster, services().lease.grant({ TTL: TTL_SECONDS, ID: 0 }));
    await settle(cluster, services().kv.put({ key: encoder.encode('session'), value: encoder.encode('alive'), lease: granted.ID }));

    // The client renews every TTL/3 through the follower, as clientv3 does; a renewal the stalled
    // leader never answers times out (5 s) while the next ones go on.
    let renewed = 0;
    let nextKeepAliveMs = cluster.nowMs;
    const keepAlive = (): void => {
      if (cluster.nowMs < nextKeepAliveMs) return;
      nextKeepAliveMs = cluster.nowMs + (TTL_SECONDS * 1000) / 3;
      services().lease.keepAlive(granted.ID).then((answer) => { if (answer.TTL > 0) renewed++; }, () => {});
    };
    const stallMs = 3 * TTL_SECONDS * 1000;
    leader.pause(cluster.nowMs + stallMs);
    await runFor(cluster, stallMs, keepAlive);
    const renewedDuringStall = renewed;
    // Long enough for the resumed member's late expiry check, and for a TTL to pass again.
    await runFor(cluster, 2 * TTL_SECONDS * 1000, keepAlive);

    assert.ok(renewedDuringStall >= 3, `keep-alives went on through the new leader during the stall (${renewedDuringStall})`);
    assert.notEqual(cluster.leader(), leader, 'the others elected a new leader');
    const ttl = await settle(cluster, services().lease.timeToLive({ ID: granted.ID }));
    assert.ok(ttl.TTL > 0, `the lease is alive (TTL ${ttl.TTL})`);
    for (const member of cluster.members.values()) {
      const got = await settle(cluster, member.incarnation!.kv.range({ key: encoder.encode('session'), serializable: true }));
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
    const lease = leader.incarnation!.services.lease;
    const grantedAt = cluster.nowMs;
    const granted = await settle(cluster, lease.grant({ TTL: 2, ID: 0 }));
    await settle(cluster, leader.incarnation!.kv.put({ key: encoder.encode('ephemeral'), value: encoder.encode('v'), lease: granted.ID }));
    const gone = async (): Promise<boolean> => {
      for (const member of cluster.members.values()) {
        const got = await settle(cluster, member.incarnation!.kv.range({ key: encoder.encode('ephemeral'), serializable: true }));
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
