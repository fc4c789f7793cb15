/**
 * Leases on three real members (in-process; WAL and apply workers; peer transport on 127.0.0.1):
 * grant and attach anywhere, keep-alive and time-to-live forwarded from followers to the leader,
 * revoke and expiry deleting attached keys in one revision, etcd's errors, and a leader change
 * that does not expire leases.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TestCluster, bytes, text, waitFor, type RunningMember } from '../node/cluster-harness.js';
import { ErrLeaseExist, ErrLeaseNotFound, ErrLeaseTTLTooLarge } from '../../engine/errors.js';
import { EventType } from '../../engine/mvcc/rpc.js';
import type { WatchResponse } from '../../engine/watch/watch-types.js';
import { prefixRangeEnd } from '../../engine/mvcc/range.js';

let cluster: TestCluster;
let leader: RunningMember;
let follower: RunningMember;

before(async () => {
  cluster = new TestCluster(3);
  await cluster.startAll();
  leader = await cluster.leader();
  follower = [...cluster.members.values()].find((m) => m !== leader)!;
});

after(async () => {
  await cluster.close();
});

const keysOf = async (member: RunningMember, prefix: string): Promise<string[]> =>
  (await member.kv.range({ key: bytes(prefix), range_end: prefixRangeEnd(bytes(prefix)) })).kvs.map((kv) => text(kv.key));

test('a lease granted on a follower attaches keys; keep-alive and time-to-live on a follower reach the leader', async () => {
  const granted = await follower.lease.grant({ ID: 0, TTL: 30 });
  assert.ok(granted.ID > 0);
  assert.equal(granted.TTL, 30);
  await follower.kv.put({ key: bytes('fwd/a'), value: bytes('1'), lease: granted.ID });
  await follower.kv.put({ key: bytes('fwd/b'), value: bytes('2'), lease: granted.ID });
  const kept = await follower.lease.keepAlive(granted.ID);
  assert.equal(kept.ID, granted.ID);
  assert.equal(kept.TTL, 30);
  assert.equal(kept.header.member_id, follower.member.id, 'the header is the answering member\'s');
  const ttl = await follower.lease.timeToLive({ ID: granted.ID, keys: true });
  assert.equal(ttl.grantedTTL, 30);
  assert.ok(ttl.TTL >= 29 && ttl.TTL <= 30, `remaining ${ttl.TTL}`);
  assert.deepEqual(ttl.keys.map((k) => text(k)), ['fwd/a', 'fwd/b']);
  const listed = await follower.lease.leases();
  assert.ok(listed.leases.some((l) => l.ID === granted.ID));
  // Gone from every member before the next test, so its expiry cannot land in a later one.
  await follower.lease.revoke({ ID: granted.ID });
  await waitFor('the revoke on every member', () => [...cluster.members.values()].every((m) => !m.lease.lessor.has(granted.ID)));
});

test('revoke deletes every attached key in one revision, with a delete event each', async () => {
  const { ID } = await leader.lease.grant({ ID: 0, TTL: 60 });
  for (const k of ['a', 'b', 'c']) await leader.kv.put({ key: bytes(`rev/${k}`), value: bytes(k), lease: ID });
  await leader.kv.put({ key: bytes('rev/free'), value: bytes('x') });
  const responses: WatchResponse[] = [];
  follower.hub.openStream({ send: (r) => { responses.push(r); return true; } }).create({ key: bytes('rev/'), range_end: prefixRangeEnd(bytes('rev/')) });
  const before = leader.member.applier.revision;
  const revoked = await follower.lease.revoke({ ID });
  assert.equal(revoked.header.revision, before + 1, 'one revision for the whole revoke');
  // The follower may apply the put of rev/free after the watch starts: only the deletes matter here.
  const deletes = () => responses.flatMap((r) => r.events).filter((e) => e.type === EventType.DELETE);
  await waitFor('the delete events on the follower', () => deletes().length > 0);
  const events = deletes();
  assert.deepEqual(events.map((e) => [e.type, text(e.kv.key), e.kv.mod_revision]),
    ['a', 'b', 'c'].map((k) => [EventType.DELETE, `rev/${k}`, before + 1]));
  assert.deepEqual(await keysOf(leader, 'rev/'), ['rev/free']);
  await assert.rejects(follower.lease.revoke({ ID }), ErrLeaseNotFound);
  assert.equal((await follower.lease.timeToLive({ ID })).TTL, -1);
  assert.equal((await follower.lease.keepAlive(ID)).TTL, 0);
});

test('a keep-alive sent after a revoke was acknowledged answers TTL 0, wherever each went', async () => {
  for (let i = 0; i < 20; i++) {
    const { ID } = await leader.lease.grant({ ID: 0, TTL: 60 });
    await follower.lease.revoke({ ID });
    assert.equal((await leader.lease.keepAlive(ID)).TTL, 0, `round ${i}: the leader must not renew a revoked lease`);
    assert.equal((await follower.lease.keepAlive(ID)).TTL, 0, `round ${i}: nor through a follower`);
  }
});

test('a lease that is not kept alive expires on the leader and its keys go on every member', async () => {
  const { ID, TTL } = await leader.lease.grant({ ID: 0, TTL: 1 });
  assert.equal(TTL, 1);
  await leader.kv.put({ key: bytes('exp/k'), value: bytes('v'), lease: ID });
  // Every member, not just the follower: a follower can apply the revoke before the leader's apply
  // worker reports it, and the next test counts the leader's revisions.
  await waitFor('expiry on every member', () => [...cluster.members.values()].every((m) => !m.lease.lessor.has(ID)), 10_000);
  assert.deepEqual(await keysOf(follower, 'exp/'), []);
  assert.deepEqual(await keysOf(leader, 'exp/'), []);
});

test('etcd\'s errors: unknown lease on put (nothing written), id taken, TTL too large', async () => {
  const revision = leader.member.applier.revision;
  await assert.rejects(follower.kv.put({ key: bytes('err/k'), value: bytes('v'), lease: 424242 }), ErrLeaseNotFound);
  await assert.rejects(follower.kv.txn({ success: [{ request_put: { key: bytes('err/t'), value: bytes('v'), lease: 424242 } }] }), ErrLeaseNotFound);
  assert.equal(leader.member.applier.revision, revision);
  await leader.lease.grant({ ID: 5150, TTL: 60 });
  await assert.rejects(follower.lease.grant({ ID: 5150, TTL: 60 }), ErrLeaseExist);
  await assert.rejects(follower.lease.grant({ ID: 0, TTL: 9_000_000_001 }), ErrLeaseTTLTooLarge);
});

test('a leader change does not expire leases: the new leader gives them their TTL again', async () => {
  const { ID } = await follower.lease.grant({ ID: 0, TTL: 3 });
  await follower.kv.put({ key: bytes('failover/k'), value: bytes('v'), lease: ID });
  await follower.lease.keepAlive(ID);
  const oldLeader = leader.member.id;
  await cluster.stop(oldLeader);
  const newLeader = await cluster.leader();
  assert.notEqual(newLeader.member.id, oldLeader);
  // The new leader restarted the clock: the whole TTL plus an election timeout (100 ms here), less
  // the moments since, rounded down to seconds as etcd reports it.
  const ttl = await newLeader.lease.timeToLive({ ID });
  assert.ok(ttl.TTL >= 2, `the new leader restarted the clock (TTL ${ttl.TTL} of 3)`);
  // Keep-alives through the new leader keep it alive past its TTL.
  for (let i = 0; i < 8; i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal((await newLeader.lease.keepAlive(ID)).TTL, 3);
  }
  assert.deepEqual(await keysOf(newLeader, 'failover/'), ['failover/k']);
  leader = newLeader;
  follower = [...cluster.members.values()].find((m) => m !== newLeader)!;
});
