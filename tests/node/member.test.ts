import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ETCD_TIMINGS, TestCluster, bytes, text } from './cluster-harness.js';
import { ErrCompacted, ErrEmptyKey, ErrLeaseNotFound, ErrRequestTooLarge } from '../../engine/errors.js';

test('a one-member cluster elects itself and serves puts, ranges, deletes, txns and compaction with etcd headers', async () => {
  const cluster = new TestCluster(1);
  try {
    await cluster.startAll();
    const { kv } = await cluster.leader();
    const put = await kv.put({ key: bytes('a'), value: bytes('1') });
    assert.equal(put.header.revision, 2, 'the first write is revision 2, as in etcd');
    assert.equal(put.header.member_id, 1);
    assert.equal(put.header.cluster_id, 42);
    assert.ok(put.header.raft_term >= 1);
    await kv.put({ key: bytes('b'), value: bytes('2') });
    const got = await kv.range({ key: bytes('a'), range_end: bytes('c') });
    assert.deepEqual(got.kvs.map((kv) => `${text(kv.key)}=${text(kv.value)}`), ['a=1', 'b=2']);
    assert.equal(got.header.revision, 3);
    const serializable = await kv.range({ key: bytes('a'), serializable: true });
    assert.equal(text(serializable.kvs[0]!.value), '1');
    const txn = await kv.txn({
      compare: [{ key: bytes('a'), target: 3, result: 0, value: bytes('1') }],
      success: [{ request_put: { key: bytes('a'), value: bytes('x'), prev_kv: true } }],
    });
    assert.equal(txn.succeeded, true);
    assert.equal(text(txn.responses[0]!.response_put!.prev_kv!.value), '1');
    const deleted = await kv.deleteRange({ key: bytes('b') });
    assert.equal(deleted.deleted, 1);
    assert.equal(deleted.header.revision, 5);
    await kv.compact({ revision: 4 });
    await assert.rejects(kv.range({ key: bytes('a'), revision: 3 }), ErrCompacted);
  } finally {
    await cluster.close();
  }
});

test('bad requests get etcd errors (before Raft where etcd checks there) and change nothing', async () => {
  const cluster = new TestCluster(1);
  try {
    await cluster.startAll();
    const { kv, member } = await cluster.leader();
    const before = member.status();
    await assert.rejects(kv.put({ key: bytes(''), value: bytes('v') }), ErrEmptyKey);
    await assert.rejects(kv.put({ key: bytes('k'), value: new Uint8Array(2 * 1024 * 1024) }), ErrRequestTooLarge);
    const after = member.status();
    assert.equal(after.commitIndex, before.commitIndex, 'no entry was proposed');
    // A lease is checked where etcd checks it, when the request applies (a follower may not have
    // applied a grant the leader already has): refused with etcd's error, and nothing is written.
    await assert.rejects(kv.put({ key: bytes('k'), value: bytes('v'), lease: 0x1234 }), ErrLeaseNotFound);
    await assert.rejects(kv.txn({ success: [{ request_txn: { success: [{ request_put: { key: bytes('k'), lease: 7 } }] } }] }), ErrLeaseNotFound);
    assert.equal(member.status().revision, before.revision, 'no revision was consumed');
    assert.equal((await kv.range({ key: bytes('k') })).kvs.length, 0);
  } finally {
    await cluster.close();
  }
});

test('a restarted member recovers its data from LMDB and the WAL and continues the revision sequence', async () => {
  const cluster = new TestCluster(1);
  try {
    await cluster.startAll();
    let { kv } = await cluster.leader();
    for (let i = 0; i < 50; i++) await kv.put({ key: bytes(`k${i % 10}`), value: bytes(`v${i}`) });
    await cluster.stop(1);
    await cluster.start(1);
    ({ kv } = await cluster.leader());
    const got = await kv.range({ key: bytes('k'), range_end: bytes('l') });
    assert.equal(got.kvs.length, 10);
    assert.equal(got.header.revision, 51);
    assert.equal(text(got.kvs[9]!.value), 'v49');
    const put = await kv.put({ key: bytes('k0'), value: bytes('again') });
    assert.equal(put.header.revision, 52);
  } finally {
    await cluster.close();
  }
});

test('three members: writes through any member commit everywhere; linearizable reads on followers see them', async () => {
  // One leader throughout: an election mid-test would lose writes in flight (etcd's clients get
  // "request timed out" for them too), and every write must get its own revision.
  const cluster = new TestCluster(3, ETCD_TIMINGS);
  try {
    await cluster.startAll();
    const leader = await cluster.leader();
    const followers = [...cluster.members.values()].filter((m) => m !== leader);
    const writes = [];
    for (let i = 0; i < 200; i++) {
      const via = i % 2 === 0 ? leader : followers[i % followers.length]!;
      writes.push(via.kv.put({ key: bytes(`key-${i}`), value: bytes(`value-${i}`) }));
    }
    const results = await Promise.all(writes);
    const revisions = results.map((r) => r.header.revision).sort((a, b) => a - b);
    assert.deepEqual(revisions, Array.from({ length: 200 }, (_, i) => i + 2), 'every write got its own revision');
    for (const member of cluster.members.values()) {
      const got = await member.kv.range({ key: bytes('key-'), range_end: bytes('key.'), count_only: true });
      assert.equal(got.count, 200, `member ${member.member.id} sees every write`);
    }
  } finally {
    await cluster.close();
  }
});
