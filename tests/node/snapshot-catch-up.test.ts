import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestCluster, bytes, text, waitFor, type RunningMember } from './cluster-harness.js';
import { EtcdError, GrpcCode } from '../../engine/errors.js';

/**
 * A put retried, as etcd's clients retry, when it fails Unavailable (a leader change under load
 * loses proposals in flight): this test is about snapshots, not about writes surviving elections.
 */
async function putRetried(cluster: TestCluster, key: string, value: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const member: RunningMember = await cluster.leader();
    try {
      await member.kv.put({ key: bytes(key), value: bytes(value) });
      return;
    } catch (error) {
      if (!(error instanceof EtcdError) || error.code !== GrpcCode.UNAVAILABLE || attempt >= 3) throw error;
    }
  }
}

test('members snapshot every snapshotCount entries and compact their log; a member behind the compacted log catches up from a streamed snapshot', async () => {
  const cluster = new TestCluster(3, { snapshotCount: 40, snapshotCatchUpEntries: 10 });
  try {
    await cluster.startAll();
    let { kv } = await cluster.leader();
    for (let i = 0; i < 20; i++) await kv.put({ key: bytes(`k${i}`), value: bytes(`a${i}`) });
    // A follower goes away; the others write far past what their logs keep.
    const leaderId = (await cluster.leader()).member.id;
    const followerId = cluster.ids.find((id) => id !== leaderId)!;
    await cluster.stop(followerId);
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i++) writes.push(putRetried(cluster, `k${i % 50}`, `b${i}`));
    await Promise.all(writes);
    const leader = await cluster.leader();
    kv = leader.kv;
    // Snapshots finish in the background after the writes are acknowledged: wait for the one
    // covering them, not just for the log to be compacted by an earlier one.
    await waitFor('the leader to snapshot past the writes and compact its log',
      () => leader.member.snapshotIndexValue >= 280 && leader.member.firstLogIndex > 100);

    // The follower restarts behind the leader's first log index: only a snapshot can catch it up.
    const follower = await cluster.start(followerId);
    assert.ok(follower.member.status().appliedIndex < leader.member.firstLogIndex);
    const target = leader.member.status().commitIndex;
    await waitFor('the follower to catch up', () => follower.member.status().appliedIndex >= target);
    assert.equal(follower.member.snapshotTransferStats().received, 1, 'it installed one snapshot');
    await waitFor('the leader to hear the transfer succeeded', () => leader.member.snapshotTransferStats().sent >= 1);
    const got = await follower.kv.range({ key: bytes('k0'), range_end: bytes('k:'), serializable: true });
    assert.equal(got.kvs.length, 50);
    assert.equal(text(got.kvs.find((kv) => text(kv.key) === 'k49')!.value), 'b299');
    const leaderHash = await leader.kv.hashKV({ revision: 0 });
    await waitFor('equal stores', async () => (await follower.kv.hashKV({ revision: 0 })).hash === leaderHash.hash);

    // It goes on replicating normally after the snapshot, and survives a restart on top of it.
    await kv.put({ key: bytes('after'), value: bytes('snapshot') });
    const afterIndex = leader.member.status().commitIndex;
    await waitFor('the follower to apply the next write', () => follower.member.status().appliedIndex >= afterIndex);
    await cluster.stop(followerId);
    const restarted = await cluster.start(followerId);
    await waitFor('the restarted follower to apply', () => restarted.member.status().appliedIndex >= afterIndex);
    const after = await restarted.kv.range({ key: bytes('after'), serializable: true });
    assert.equal(text(after.kvs[0]!.value), 'snapshot');
  } finally {
    await cluster.close();
  }
});

test('a restarted member replays its WAL from its latest snapshot', async () => {
  const cluster = new TestCluster(1, { snapshotCount: 25, snapshotCatchUpEntries: 5 });
  try {
    await cluster.startAll();
    let { kv, member } = await cluster.leader();
    for (let i = 0; i < 120; i++) await kv.put({ key: bytes(`k${i % 7}`), value: bytes(`v${i}`) });
    await waitFor('a snapshot', () => member.snapshotIndexValue >= 100);
    const revision = (await kv.range({ key: bytes('k0') })).header.revision;
    await cluster.stop(1);
    ({ kv, member } = await cluster.start(1));
    await cluster.leader();
    assert.ok(member.firstLogIndex > 1, 'the log starts after the snapshot');
    const got = await kv.range({ key: bytes('k0'), range_end: bytes('k9') });
    assert.equal(got.header.revision, revision);
    assert.equal(got.kvs.length, 7);
    const put = await kv.put({ key: bytes('next'), value: bytes('x') });
    assert.equal(put.header.revision, revision + 1);
  } finally {
    await cluster.close();
  }
});
