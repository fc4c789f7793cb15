/**
 * Corruption checks on a three-member cluster (real members in one process; each member's peers
 * answer HashKV in process here, over gRPC in tests/cluster/corruption-check.test.ts): a healthy
 * cluster under writes is never flagged, its members compared at a common revision however far
 * apart they are; a member whose store was made to diverge is named in a CORRUPT alarm by the
 * leader's periodic check, every member then refuses writes, and the initial check on that member
 * refuses it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { AlarmType } from '../../engine/alarm/alarm-rpc.js';
import { ErrCorrupt } from '../../engine/errors.js';
import { checkInitialHashKV, DataInconsistencyError, type CorruptionCheckPorts, type PeerHash } from '../../engine/node/corruption-check.js';
import { CorruptionMonitor, memberCheckPorts } from '../../engine/node/corruption-monitor.js';
import { ETCD_TIMINGS, TestCluster, bytes, waitFor, type RunningMember } from './cluster-harness.js';
import { divergeStore } from './diverge-store.js';

const CHECK_INTERVAL_MS = 50;
const WAIT_MS = 60_000;

/** What the checks of one cluster saw: how many peer answers came from a member at another revision. */
interface Observed {
  skewedAnswers: number;
  log: string[];
}

/** The checks' ports of `running`, asking the other running members of `cluster` in process. */
function portsOf(cluster: TestCluster, running: RunningMember, observed: Observed): CorruptionCheckPorts {
  const peerHashes = (revision: number): Promise<PeerHash[]> => Promise.all([...cluster.members.values()]
    .filter((peer) => peer.member.id !== running.member.id)
    .map(async (peer): Promise<PeerHash> => {
      try {
        const hash = await peer.kv.hashKV({ revision });
        if (hash.header.revision !== revision) observed.skewedAnswers++;
        return { memberId: peer.member.id, hash };
      } catch (error) {
        observed.skewedAnswers++;
        return { memberId: peer.member.id, error: error as Error };
      }
    }));
  return memberCheckPorts(running.member, running.kv, peerHashes, (line) => observed.log.push(`${running.member.id}: ${line}`));
}

function startMonitors(cluster: TestCluster, observed: Observed): CorruptionMonitor[] {
  return [...cluster.members.values()].map((running) => new CorruptionMonitor(running.member, portsOf(cluster, running, observed), CHECK_INTERVAL_MS));
}

const checksRun = (monitors: CorruptionMonitor[]): number => monitors.reduce((sum, monitor) => sum + monitor.checksRun, 0);

test('a healthy cluster under writes is never flagged: members at other revisions are compared at the leader\'s, and the initial check passes', async () => {
  const cluster = new TestCluster(3, ETCD_TIMINGS);
  const observed: Observed = { skewedAnswers: 0, log: [] };
  let monitors: CorruptionMonitor[] = [];
  let writing = true;
  try {
    await cluster.startAll();
    const leader = await cluster.leader(30_000);
    monitors = startMonitors(cluster, observed);
    // Writes through every member, 16 in flight each; one lost to an election is of no interest here.
    const writers = [...cluster.members.values()].map(async (running, writer) => {
      for (let i = 0; writing; i++) {
        await Promise.all(Array.from({ length: 16 }, (_, j) =>
          running.kv.put({ key: bytes(`w${writer}-${j}`), value: bytes(`v${i}`) }).catch(() => undefined)));
      }
    });
    await waitFor('five checks, with peers answering from other revisions', () => checksRun(monitors) >= 5 && observed.skewedAnswers > 0, WAIT_MS);
    writing = false;
    await Promise.all(writers);
    assert.deepEqual(observed.log.filter((line) => line.includes('CORRUPT')), []);
    for (const running of cluster.members.values()) assert.deepEqual(running.member.applier.alarms, []);
    await leader.kv.put({ key: bytes('after'), value: bytes('checks') });
    for (const running of cluster.members.values()) {
      await running.member.readIndex(() => undefined);
      await checkInitialHashKV(portsOf(cluster, running, observed));
    }
  } finally {
    writing = false;
    for (const monitor of monitors) monitor.stop();
    await cluster.close();
  }
});

test('a member whose store diverged is named in a CORRUPT alarm by the leader\'s check; the initial check refuses it; every member then refuses writes', async () => {
  const cluster = new TestCluster(3, ETCD_TIMINGS);
  const observed: Observed = { skewedAnswers: 0, log: [] };
  let monitors: CorruptionMonitor[] = [];
  try {
    await cluster.startAll();
    const leader = await cluster.leader(30_000);
    const { header } = await leader.kv.put({ key: bytes('diverging'), value: bytes('original-value') });
    await waitFor('every member to apply the put', () => [...cluster.members.values()].every((m) => m.member.applier.revision >= header.revision));
    const diverged = cluster.ids.find((id) => id !== leader.member.id)!;
    const dataDir = cluster.members.get(diverged)!.dataDir;
    await cluster.stop(diverged);
    assert.equal(await divergeStore(join(dataDir, 'member', 'kv'), 'original-value', 'tampered-value'), 1);
    const restarted = await cluster.start(diverged);
    await restarted.member.readIndex(() => undefined);
    await assert.rejects(checkInitialHashKV(portsOf(cluster, restarted, observed)),
      (error: Error) => error instanceof DataInconsistencyError && error.message === `${diverged.toString(16)} found data inconsistency with peers`);

    monitors = startMonitors(cluster, observed);
    await waitFor('every member to hold the CORRUPT alarm', () => [...cluster.members.values()].every((m) => m.member.applier.alarms.length > 0), WAIT_MS);
    for (const running of cluster.members.values()) {
      assert.deepEqual(running.member.applier.alarms, [{ memberID: diverged, alarm: AlarmType.CORRUPT }]);
      await assert.rejects(running.kv.put({ key: bytes('k'), value: bytes('v') }), ErrCorrupt);
    }
    assert.ok(observed.log.some((line) => line.includes(`raising the CORRUPT alarm for member ${diverged.toString(16)}`)), observed.log.join('\n'));
  } finally {
    for (const monitor of monitors) monitor.stop();
    await cluster.close();
  }
});
