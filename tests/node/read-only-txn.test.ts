/**
 * A txn whose ops are all ranges is a read, as etcd serves it: it goes through no Raft entry (so
 * the request-size limit of proposals does not apply and it consumes nothing in the log), sees
 * every write acknowledged before it, and answers with the store's revision.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ErrRequestTooLarge } from '../../engine/errors.js';
import { CompareResult, CompareTarget } from '../../engine/mvcc/rpc.js';
import { ETCD_TIMINGS, TestCluster, bytes, text, type RunningMember } from './cluster-harness.js';

let cluster: TestCluster;
let leader: RunningMember;
let follower: RunningMember;

before(async () => {
  cluster = new TestCluster(3, ETCD_TIMINGS);
  await cluster.startAll();
  leader = await cluster.leader();
  follower = [...cluster.members.values()].find((m) => m !== leader)!;
});

after(async () => {
  await cluster.close();
});

test('a txn of ranges is served as a read on any member: no log entry, no request-size limit, the latest writes seen', async () => {
  const put = await leader.kv.put({ key: bytes('rt/a'), value: bytes('1') });
  const commitBefore = leader.member.status().commitIndex;
  // A compare value past --max-request-bytes: too large for a proposal, fine for a read (as etcd).
  const large = Buffer.alloc(1.6 * 1024 * 1024, 'x');
  const answer = await follower.kv.txn({
    compare: [{ key: bytes('rt/a'), target: CompareTarget.VALUE, result: CompareResult.EQUAL, value: large }],
    success: [], failure: [{ request_range: { key: bytes('rt/'), range_end: bytes('rt0') } }],
  });
  assert.equal(answer.succeeded, false);
  assert.equal(text(answer.responses[0]!.response_range!.kvs[0]!.value), '1', 'the follower saw the acknowledged write');
  assert.equal(answer.header.revision, put.header.revision);
  assert.equal(leader.member.status().commitIndex, commitBefore, 'no entry was proposed for it');
  await assert.rejects(follower.kv.txn({ success: [{ request_put: { key: bytes('rt/b'), value: large } }] }), ErrRequestTooLarge);
});
