/**
 * The one etcd server API (engine/server/etcd-server.ts) through the object itself, no transport:
 * every service answers whole, its header included (the member's cluster and member ids, its Raft
 * term, the revision the answer saw or made; 0 in the Cluster service's), a watch stream's
 * responses reach the sink with theirs, and a service the server was not given answers as a gRPC
 * server without it does.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AlarmAction, AlarmType } from '../../engine/alarm/alarm-rpc.js';
import {
  ErrClusterUnimplemented, ErrHashUnimplemented, ErrLeaseUnimplemented, ErrWatchUnimplemented, GrpcCode,
} from '../../engine/errors.js';
import type { RangePageReader } from '../../engine/mvcc/range-page-reader.js';
import { ClusterMembership } from '../../engine/node/membership.js';
import { membersWithOwnAttributes } from '../../engine/server/cluster-server.js';
import { EtcdServer } from '../../engine/server/etcd-server.js';
import type { WatchResponse } from '../../engine/watch/watch-types.js';
import type { ResponseHeader } from '../../engine/wire/response-header.js';
import { bytes, etcdServerOf, TestCluster, text, type RunningMember } from '../node/cluster-harness.js';

let cluster: TestCluster;
let running: RunningMember;
let server: EtcdServer;

before(async () => {
  cluster = new TestCluster(1);
  await cluster.startAll();
  running = await cluster.leader();
  server = etcdServerOf(running, membersWithOwnAttributes(new ClusterMembership(running.member, running.reader, 'test-cluster'),
    { id: running.member.id, name: 'own-name', clientUrls: ['http://127.0.0.1:2379'] }));
});

after(async () => {
  await cluster.close();
});

/** The header every answer of this member carries, at `revision`. */
function expectedHeader(revision: number): ResponseHeader {
  return { cluster_id: 42, member_id: 1, revision, raft_term: running.member.status().term };
}

test('KV answers carry the member\'s full header at the revision they made or saw', async () => {
  const put = await server.put({ key: bytes('kv/a'), value: bytes('1') });
  assert.deepEqual(put.header, expectedHeader(running.member.applier.revision));
  const revision = put.header.revision;
  const got = await server.range({ key: bytes('kv/a') });
  assert.deepEqual(got.header, expectedHeader(revision));
  assert.equal(text(got.kvs[0]!.value), '1');
  const paged = await server.rangeInPages({ key: bytes('kv/a') });
  paged.pages.close();
  assert.deepEqual(paged.header, expectedHeader(revision));
  const txn = await server.txn({ success: [{ request_put: { key: bytes('kv/b'), value: bytes('2') } }] });
  assert.deepEqual(txn.header, expectedHeader(revision + 1));
  const deleted = await server.deleteRange({ key: bytes('kv/b') });
  assert.deepEqual(deleted.header, expectedHeader(revision + 2));
  assert.equal(deleted.deleted, 1);
  const compacted = await server.compact({ revision });
  assert.deepEqual(compacted.header, expectedHeader(revision + 2));
});

test('a watch stream\'s responses reach the sink with the header of their revision', async () => {
  const received: { response: WatchResponse; header: ResponseHeader }[] = [];
  const stream = server.watch({ send: (response, header) => { received.push({ response, header }); return true; } });
  try {
    stream.create({ key: bytes('watched') });
    assert.equal(received.length, 1, 'the created response is sent at once');
    assert.equal(received[0]!.response.created, true);
    assert.deepEqual(received[0]!.header, expectedHeader(running.member.applier.revision));
    const put = await server.put({ key: bytes('watched'), value: bytes('v') });
    const deadline = Date.now() + 5000;
    while (received.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    const event = received[1]!;
    assert.equal(text(event.response.events[0]!.kv.key), 'watched');
    assert.deepEqual(event.header, expectedHeader(put.header.revision));
  } finally {
    stream.close();
  }
});

test('Lease answers carry the header; keep-alives of one batch share one', async () => {
  const granted = await server.leaseGrant({ ID: 0, TTL: 60 });
  assert.deepEqual(granted.header, expectedHeader(running.member.applier.revision));
  assert.equal(granted.TTL, 60);
  const keepAlive = await server.leaseKeepAlive(granted.ID);
  assert.equal(keepAlive.TTL, 60);
  assert.deepEqual(keepAlive.header, expectedHeader(running.member.applier.revision));
  const many = await server.leaseKeepAliveMany([granted.ID, granted.ID + 1]);
  assert.deepEqual(many.ttls, [60, 0], 'an unknown lease renews to TTL 0');
  assert.deepEqual(many.header, expectedHeader(running.member.applier.revision));
  const ttl = await server.leaseTimeToLive({ ID: granted.ID });
  assert.equal(ttl.grantedTTL, 60);
  assert.deepEqual(ttl.header, expectedHeader(running.member.applier.revision));
  const leases = await server.leaseLeases();
  assert.ok(leases.leases.some((lease) => lease.ID === granted.ID));
  const revoked = await server.leaseRevoke({ ID: granted.ID });
  assert.deepEqual(revoked.header, expectedHeader(running.member.applier.revision));
});

test('Cluster answers the member list with a header at revision 0; before its publish, this member shows its flags\' name and client URLs', async () => {
  const list = server.memberList();
  assert.deepEqual(list.header, expectedHeader(0));
  assert.deepEqual(list.members.map((member) => ({ ID: member.ID, name: member.name, clientURLs: member.clientURLs })),
    [{ ID: 1, name: 'own-name', clientURLs: ['http://127.0.0.1:2379'] }]);
  const added = await server.memberAdd({ peerURLs: ['http://127.0.0.1:1'], isLearner: true });
  assert.deepEqual(added.header, expectedHeader(0));
  assert.equal(added.member.isLearner, true);
  assert.equal(added.members.length, 2);
  const removed = await server.memberRemove({ ID: added.member.ID });
  assert.deepEqual(removed.members.map((member) => member.ID), [1]);
});

test('Maintenance: Status and HashKV carry the header; Alarm answers without one; Hash is not served', async () => {
  const status = server.status();
  assert.deepEqual(status.header, expectedHeader(running.member.applier.revision));
  assert.equal(status.leader, 1);
  assert.equal(status.raftTerm, running.member.status().term);
  assert.deepEqual(status.errors, []);
  assert.ok(status.dbSize > 0);
  const hash = await server.hashKV({ revision: 0 });
  assert.deepEqual(hash.header, expectedHeader(running.member.applier.revision));
  assert.deepEqual(await server.alarm({ action: AlarmAction.GET, memberID: 0, alarm: AlarmType.NONE }), { alarms: [] });
  assert.throws(() => server.hash(), ErrHashUnimplemented);
});

test('health: a leader and a linearizable read in time; the local store answers serializable reads', async () => {
  assert.equal(await server.healthy(), true);
  assert.equal(await server.serializableReadWorks(), true);
});

test('a server without the Watch, Lease or Cluster service answers their calls UNIMPLEMENTED, as gRPC without the service', async () => {
  const bare = new EtcdServer({ member: running.member, kv: running.kv });
  assert.throws(() => bare.watch({ send: () => true }), ErrWatchUnimplemented);
  assert.throws(() => bare.checkService('Watch'), ErrWatchUnimplemented);
  assert.throws(() => bare.checkService('Lease'), ErrLeaseUnimplemented);
  assert.throws(() => bare.checkService('Cluster'), ErrClusterUnimplemented);
  await assert.rejects(bare.leaseGrant({ ID: 0, TTL: 60 }), ErrLeaseUnimplemented);
  await assert.rejects(bare.leaseKeepAliveMany([1]), ErrLeaseUnimplemented);
  await assert.rejects(bare.memberAdd({ peerURLs: ['http://127.0.0.1:1'] }), ErrClusterUnimplemented);
  assert.throws(() => bare.memberList(), (error: { code: GrpcCode; message: string }) =>
    error.code === GrpcCode.UNIMPLEMENTED && error.message === 'unknown service etcdserverpb.Cluster');
  // KV and Maintenance are always there.
  const put = await bare.put({ key: bytes('bare'), value: bytes('1') });
  assert.deepEqual(put.header, expectedHeader(put.header.revision));
  const paged: { pages: RangePageReader } = await bare.rangeInPages({ key: bytes('bare') });
  paged.pages.close();
});
