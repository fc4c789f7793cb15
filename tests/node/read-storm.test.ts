/**
 * A storm of full-keyspace reads on the leader does not depose it. Ranges and HashKV used to read
 * LMDB on the leader's main thread, which drives Raft: one full range of 100k keys froze it for
 * seconds and each storm caused elections. Now the apply worker reads them in bounded steps, so
 * the leader keeps its term through the storm, and a small read answers while the big ones run.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ETCD_TIMINGS, TestCluster, bytes, type RunningMember } from './cluster-harness.js';

const KEYS = 30_000;
const VALUE = Buffer.alloc(512, 'v');
const PUTS_PER_TXN = 100;
const RANGES = 4;
const HASHES = 4;

let cluster: TestCluster;
let leader: RunningMember;

before(async () => {
  cluster = new TestCluster(3, ETCD_TIMINGS);
  await cluster.startAll();
  leader = await cluster.leader();
  for (let i = 0; i < KEYS; i += PUTS_PER_TXN) {
    const success = Array.from({ length: PUTS_PER_TXN }, (_, j) => ({ request_put: { key: bytes(`storm/${String(i + j).padStart(6, '0')}`), value: VALUE } }));
    await leader.kv.txn({ success });
  }
});

after(async () => {
  await cluster.close();
});

test('full-keyspace ranges and HashKV calls on the leader keep its leadership, and a small read answers meanwhile', { timeout: 120_000 }, async () => {
  const term = leader.member.raftTerm;
  const everything = { key: bytes('storm/'), range_end: bytes('storm0') };
  let bigDone = 0;
  const storm = [
    ...Array.from({ length: RANGES }, () => leader.kv.range(everything).then((r) => { bigDone++; return r.count; })),
    ...Array.from({ length: HASHES }, () => leader.kv.hashKV({ revision: 0 }).then(() => { bigDone++; return KEYS; })),
  ];
  const small = await leader.kv.range({ key: bytes('storm/000042') });
  assert.equal(small.count, 1);
  assert.ok(bigDone < RANGES + HASHES, `the small read answered while ${RANGES + HASHES - bigDone} big reads were still under way`);
  assert.deepEqual(await Promise.all(storm), Array.from({ length: RANGES + HASHES }, () => KEYS));
  // Writes go on after the storm, under the same leader and term: no election happened.
  await leader.kv.put({ key: bytes('after-storm'), value: bytes('1') });
  for (const member of cluster.members.values()) {
    assert.equal(member.member.raftTerm, term, `member ${member.member.id} is still in term ${term}`);
    assert.equal(member.member.status().leader, leader.member.id);
  }
});
