/**
 * The `etcd3` npm client (its own gRPC stubs and protos) against a cairn member: the KV calls a
 * Node application makes, unchanged.
 */
import { ClusterMembership } from '../../engine/node/membership.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { TestCluster } from './cluster-harness.js';
import { GrpcEndpoint } from '../../net/grpc/grpc-server.js';

let cluster: TestCluster;
let endpoint: GrpcEndpoint;
let client: Etcd3;

before(async () => {
  cluster = new TestCluster(1);
  await cluster.startAll();
  const leader = await cluster.leader();
  endpoint = await GrpcEndpoint.listen({
    member: leader.member, kv: leader.kv, hub: leader.hub, lease: leader.lease, membership: new ClusterMembership(leader.member, leader.reader, 'test-cluster'), host: '127.0.0.1', port: 0, maxRequestBytes: 1.5 * 1024 * 1024, members: () => [],
  });
  client = new Etcd3({ hosts: `127.0.0.1:${endpoint.port}` });
});

after(async () => {
  client.close();
  await endpoint.close();
  await cluster.close();
});

test('etcd3: put, get as string/json/number, getAll with prefix, count, delete', async () => {
  await client.put('app/name').value('cairn');
  await client.put('app/config').value(JSON.stringify({ replicas: 3 }));
  await client.put('app/count').value('42');
  assert.equal(await client.get('app/name').string(), 'cairn');
  assert.deepEqual(await client.get('app/config').json(), { replicas: 3 });
  assert.equal(await client.get('app/count').number(), 42);
  assert.equal(await client.get('app/missing').string(), null);
  assert.deepEqual(await client.getAll().prefix('app/').strings(),
    { 'app/config': '{"replicas":3}', 'app/count': '42', 'app/name': 'cairn' });
  assert.deepEqual(await client.getAll().prefix('app/').sort('Key', 'Descend').limit(2).keys(), ['app/name', 'app/count']);
  assert.equal(await client.getAll().prefix('app/').count(), 3);
  const deleted = await client.delete().prefix('app/c');
  assert.equal(deleted.deleted, '2');
  assert.deepEqual(await client.getAll().prefix('app/').keys(), ['app/name']);
});

test('etcd3: a transaction commits one branch atomically', async () => {
  await client.put('lock').value('free');
  const won = await client.if('lock', 'Value', '==', 'free').then(client.put('lock').value('mine')).commit();
  assert.equal(won.succeeded, true);
  const lost = await client.if('lock', 'Value', '==', 'free').then(client.put('lock').value('theirs'))
    .else(client.get('lock')).commit();
  assert.equal(lost.succeeded, false);
  assert.equal(await client.get('lock').string(), 'mine');
});

test('etcd3: a read at an old revision, and etcd\'s error below a compaction', async () => {
  const first = await client.put('history').value('v1');
  await client.put('history').value('v2');
  const revision = first.header.revision;
  assert.equal(await client.get('history').revision(Number(revision)).string(), 'v1');
  const latest = await client.put('history').value('v3');
  await client.kv.compact({ revision: latest.header.revision });
  await assert.rejects(client.get('history').revision(Number(revision)).string(), /required revision has been compacted/);
});

test('etcd3: maintenance status reports the leader', async () => {
  const status = await client.maintenance.status();
  assert.equal(status.leader, status.header.member_id);
  assert.equal(status.version, '3.4.0');
});
