/**
 * Alarms ride in Raft snapshots: a member that missed the ACTIVATE entry and is caught up from a
 * streamed snapshot holds the alarm afterwards and refuses writes like the others.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alarm } from '../../engine/alarm/alarm-server.js';
import { AlarmAction, AlarmType } from '../../engine/alarm/alarm-rpc.js';
import { ErrCorrupt } from '../../engine/errors.js';
import { ETCD_TIMINGS, TestCluster, bytes, waitFor } from '../node/cluster-harness.js';

test('a member caught up by a snapshot taken after CORRUPT was raised holds the alarm and refuses writes', async () => {
  const cluster = new TestCluster(3, { snapshotCount: 40, snapshotCatchUpEntries: 10, ...ETCD_TIMINGS });
  try {
    await cluster.startAll();
    const leader = await cluster.leader(30_000);
    await leader.kv.put({ key: bytes('k'), value: bytes('v') });
    const followerId = cluster.ids.find((id) => id !== leader.member.id)!;
    await cluster.stop(followerId);
    await alarm(leader.member, { action: AlarmAction.ACTIVATE, memberID: leader.member.id, alarm: AlarmType.CORRUPT });
    // Entries the follower misses, so many that the log it needs is compacted away.
    for (let i = 0; i < 150; i++) await alarm(leader.member, { action: AlarmAction.GET, memberID: 0, alarm: AlarmType.NONE });
    await waitFor('the leader to snapshot past the alarm and compact its log',
      () => leader.member.snapshotIndexValue >= 120 && leader.member.firstLogIndex > 100);

    const follower = await cluster.start(followerId);
    assert.deepEqual(follower.member.applier.alarms, [], 'its own store never saw the alarm');
    const target = leader.member.status().commitIndex;
    await waitFor('the follower to catch up', () => follower.member.status().appliedIndex >= target, 30_000);
    assert.equal(follower.member.snapshotTransferStats().received, 1, 'it was caught up by a snapshot');
    assert.deepEqual(follower.member.applier.alarms, [{ memberID: leader.member.id, alarm: AlarmType.CORRUPT }]);
    await assert.rejects(follower.kv.put({ key: bytes('k'), value: bytes('w') }), ErrCorrupt);
  } finally {
    await cluster.close();
  }
});
