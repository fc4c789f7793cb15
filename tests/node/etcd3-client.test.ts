/**
 * The `etcd3` npm client (its own gRPC stubs and protos) against a cairn member: the KV, watch and
 * lease calls a Node application makes, and the client's Lock and Election recipes, unchanged.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { etcdServerOf, TestCluster } from './cluster-harness.js';
import { GrpcEndpoint } from '../../net/grpc/grpc-server.js';

let cluster: TestCluster;
let endpoint: GrpcEndpoint;
let client: Etcd3;

before(async () => {
  cluster = new TestCluster(1);
  await cluster.startAll();
  const leader = await cluster.leader();
  endpoint = await GrpcEndpoint.listen({ server: etcdServerOf(leader), host: '127.0.0.1', port: 0, maxRequestBytes: 1.5 * 1024 * 1024 });
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

/** Waits for `count` items to be pushed into `list`, bounded. */
async function collected<T>(list: T[], count: number, what: string): Promise<T[]> {
  const deadline = Date.now() + 5000;
  while (list.length < count) {
    if (Date.now() > deadline) throw new Error(`${what}: ${list.length} of ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return list;
}

test('etcd3: the watch builder gets puts and deletes with previous values, from a start revision too', async () => {
  const seen: string[] = [];
  const watcher = await client.watch().prefix('w3/').withPreviousKV().create();
  watcher.on('put', (kv, prev) => seen.push(`put ${kv.key.toString()}=${kv.value.toString()} prev=${prev?.value.toString() ?? '-'}`));
  watcher.on('delete', (kv, prev) => seen.push(`delete ${kv.key.toString()} prev=${prev?.value.toString() ?? '-'}`));
  const first = await client.put('w3/a').value('1');
  await client.put('w3/a').value('2');
  await client.delete().key('w3/a');
  assert.deepEqual(await collected(seen, 3, 'live events'), ['put w3/a=1 prev=-', 'put w3/a=2 prev=1', 'delete w3/a prev=2']);
  await watcher.cancel();
  const replayed: string[] = [];
  const fromStart = await client.watch().key('w3/a').startRevision(first.header.revision).create();
  fromStart.on('data', (response) => { for (const event of response.events) replayed.push(`${event.type} ${event.kv.mod_revision}`); });
  const base = Number(first.header.revision);
  assert.deepEqual(await collected(replayed, 3, 'replayed events'), [`Put ${base}`, `Put ${base + 1}`, `Delete ${base + 2}`]);
  await fromStart.cancel();
});

test('etcd3: a lease attaches keys, keeps them alive, and its revoke deletes them', async () => {
  const lease = client.lease(10, { autoKeepAlive: false });
  const id = await lease.grant();
  await lease.put('l3/a').value('1');
  await client.put('l3/b').value('2').lease(id);
  assert.equal((await lease.keepaliveOnce()).TTL, '10');
  const live = await client.leaseClient.leaseTimeToLive({ ID: id, keys: true });
  assert.equal(live.grantedTTL, '10');
  assert.deepEqual(live.keys.map((k) => k.toString()).sort(), ['l3/a', 'l3/b']);
  await lease.revoke();
  assert.deepEqual(await client.getAll().prefix('l3/').keys(), []);
});

test('etcd3: Lock refuses a second holder while the first holds it (and its lease), and grants it after release', async () => {
  const first = await client.lock('resource').ttl(5).acquire();
  await assert.rejects(client.lock('resource').ttl(5).acquire(), /Failed to acquire a lock on resource/);
  await first.release();
  const second = await client.lock('resource').ttl(5).acquire();
  await second.release();
  const done: string[] = [];
  await client.lock('resource').ttl(5).do(async () => { done.push('did'); });
  assert.deepEqual(done, ['did']);
  assert.deepEqual((await client.leaseClient.leaseLeases()).leases, [], 'every lock lease was revoked on release');
});

test('etcd3: Election elects one campaigner, observers see the leader, resigning hands it on', async () => {
  const election = client.election('singleton', 5);
  const alice = election.campaign('alice');
  await new Promise<void>((resolve, reject) => { alice.on('elected', () => resolve()); alice.on('error', reject); });
  const bob = election.campaign('bob');
  let bobElected = false;
  const bobWins = new Promise<void>((resolve, reject) => { bob.on('elected', () => { bobElected = true; resolve(); }); bob.on('error', reject); });
  assert.equal(await election.leader(), 'alice');
  const observer = await election.observe();
  const changes: (string | undefined)[] = [];
  observer.on('change', (leader: string | undefined) => changes.push(leader));
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(bobElected, false);
  await alice.resign();
  await bobWins;
  assert.equal(await election.leader(), 'bob');
  await collected(changes, 1, 'observer changes');
  assert.equal(changes.at(-1), 'bob');
  await observer.cancel();
  await bob.resign();
});
