import { freePort } from '../free-port.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ErrMemberBadURLs, ErrMemberNotFound, ErrMemberNotLearner, ErrPeerURLExist, ErrTooManyLearners,
} from '../../engine/errors.js';
import { ClusterMembership } from '../../engine/node/membership.js';
import { StateRole } from '../../engine/raft/raw-node.js';
import { ETCD_TIMINGS, TestCluster, bytes, text, waitFor } from './cluster-harness.js';


test('a learner added with MemberAdd joins with an empty log, catches up from a snapshot, is promoted, and a voter is removed', async () => {
  // etcd's default timings, not the harness's fast ones: snapshots streamed between members of one
  // process can hold its main thread past a 100 ms election timeout on a loaded machine, and this
  // test follows one leader through the whole membership change.
  const cluster = new TestCluster(3, { snapshotCount: 30, snapshotCatchUpEntries: 5, ...ETCD_TIMINGS });
  try {
    await cluster.startAll();
    const leader = await cluster.leader();
    for (let i = 0; i < 100; i++) await leader.kv.put({ key: bytes(`k${i}`), value: bytes(`v${i}`) });
    const membership = new ClusterMembership(leader.member, leader.reader, 'test-cluster');
    assert.deepEqual(membership.list().map((m) => [m.id, m.name, m.isLearner]), [[1, 'm1', false], [2, 'm2', false], [3, 'm3', false]]);

    // Refused before Raft, with etcd's errors.
    await assert.rejects(membership.add(['not a url'], true), ErrMemberBadURLs);
    await assert.rejects(membership.add(['http://127.0.0.1'], true), ErrMemberBadURLs);
    await assert.rejects(membership.remove(0x999), ErrMemberNotFound);
    await assert.rejects(membership.promote(2), ErrMemberNotLearner);

    const peerPort = await freePort();
    const url = `http://127.0.0.1:${peerPort}`;
    const { member: added, members } = await membership.add([url], true);
    assert.equal(added.isLearner, true);
    assert.deepEqual(added.peerUrls, [url]);
    assert.equal(members.length, 4);
    await assert.rejects(membership.add([url], false), ErrPeerURLExist);
    await assert.rejects(membership.add([`http://127.0.0.1:${peerPort + 1}`], true), ErrTooManyLearners);
    // Every member recorded it (the table is replicated).
    for (const other of cluster.members.values()) {
      await waitFor('the table to replicate', () => other.reader.members().length === 4);
    }

    // The new member starts with nothing: the leader's log is compacted, so it gets a snapshot.
    assert.ok(leader.member.firstLogIndex > 1);
    cluster.ids.push(added.id);
    const joined = await cluster.start(added.id, { peerPort });
    const target = leader.member.status().commitIndex;
    await waitFor('the new member to catch up', () => joined.member.status().appliedIndex >= target);
    assert.equal(joined.member.snapshotTransferStats().received, 1);
    assert.equal(text((await joined.kv.range({ key: bytes('k99'), serializable: true })).kvs[0]!.value), 'v99');
    assert.deepEqual(joined.reader.members().map((m) => m.id), [1, 2, 3, added.id], 'it learned the membership too');

    await waitFor('the leader to see the learner in sync', () => leader.member.learnerCaughtUp(added.id) === true);
    const promoted = await membership.promote(added.id);
    assert.equal(promoted.find((m) => m.id === added.id)!.isLearner, false);
    await waitFor('raft to count it as a voter', () => leader.member.status().role === StateRole.Leader &&
      joined.member.status().leader === leader.member.id);

    // Remove a follower that is not the new one; the cluster goes on with three voters.
    const removedId = [2, 3].find((id) => id !== leader.member.id)!;
    let removedNotified = false;
    const removedMember = cluster.members.get(removedId)!;
    (removedMember.member.options as { onRemoved?: () => void }).onRemoved = () => { removedNotified = true; };
    const afterRemove = await membership.remove(removedId);
    assert.deepEqual(afterRemove.map((m) => m.id).sort(), [1, 2, 3, added.id].filter((id) => id !== removedId).sort());
    await waitFor('the removed member to hear of its removal', () => removedNotified, 5000);
    await cluster.stop(removedId);
    const put = await leader.kv.put({ key: bytes('after'), value: bytes('removal') });
    await waitFor('the new voter to apply it', () => joined.member.status().appliedIndex >= leader.member.status().commitIndex);
    assert.ok(put.header.revision > 100);
    assert.equal(text((await joined.kv.range({ key: bytes('after'), serializable: true })).kvs[0]!.value), 'removal');
  } finally {
    await cluster.close();
  }
});
