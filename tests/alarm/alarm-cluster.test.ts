/**
 * Maintenance.Alarm on a three-member cluster (real members in one process, each with its gRPC
 * endpoint), over gRPC, the JSON gateway and real etcdctl 3.4: alarms are replicated, so every
 * member answers alike, and while CORRUPT is raised every member refuses writes with etcd's error.
 * Outputs are the ones etcd 3.4.23 gives (tests/compat/alarm-side-by-side.test.ts compares them).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { AlarmAction, AlarmType } from '../../engine/alarm/alarm-rpc.js';
import { GrpcCode } from '../../engine/errors.js';
import { GrpcEndpoint } from '../../net/grpc/grpc-server.js';
import { etcdClient } from '../../net/grpc/protos.js';
import { registerGateway } from '../../net/http/gateway-endpoint.js';
import { HttpApp } from '../../net/http/http-app.js';
import { ETCD_TIMINGS, etcdServerOf, TestCluster, waitFor, type RunningMember } from '../node/cluster-harness.js';

const ETCDCTL = '/usr/bin/etcdctl';
const CALL_TIMEOUT_MS = 15_000;

type Client = grpc.Client & Record<string, Function>;

/** A member's gRPC endpoint and clients of its KV, Lease and Maintenance services. */
interface Served {
  endpoint: GrpcEndpoint;
  kv: Client;
  lease: Client;
  maintenance: Client;
}

let cluster: TestCluster;
const served = new Map<number, Served>();

async function serve(running: RunningMember): Promise<Served> {
  const endpoint = await GrpcEndpoint.listen({
    server: etcdServerOf(running), host: '127.0.0.1', port: 0, maxRequestBytes: 1.5 * 1024 * 1024,
  });
  const address = `127.0.0.1:${endpoint.port}`;
  const credentials = grpc.credentials.createInsecure();
  return {
    endpoint,
    kv: new (etcdClient('KV'))(address, credentials) as unknown as Client,
    lease: new (etcdClient('Lease'))(address, credentials) as unknown as Client,
    maintenance: new (etcdClient('Maintenance'))(address, credentials) as unknown as Client,
  };
}

async function unserve(id: number): Promise<void> {
  const member = served.get(id);
  if (member === undefined) return;
  served.delete(id);
  for (const client of [member.kv, member.lease, member.maintenance]) client.close();
  await member.endpoint.close();
}

function call<T>(client: Client, method: string, request: object): Promise<T> {
  return new Promise((resolve, reject) => {
    client[method]!(request, { deadline: Date.now() + CALL_TIMEOUT_MS }, (error: grpc.ServiceError | null, response: T) =>
      (error ? reject(error) : resolve(response)));
  });
}

interface WireAlarms {
  alarms: { memberID: string; alarm: number }[];
  header: unknown;
}

const alarmCall = (id: number, action: AlarmAction, memberID: number, alarm: AlarmType): Promise<WireAlarms> =>
  call<WireAlarms>(served.get(id)!.maintenance, 'Alarm', { action, memberID: String(memberID), alarm });

function etcdctl(ids: number[], ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const endpoints = ids.map((id) => `127.0.0.1:${served.get(id)!.endpoint.port}`).join(',');
  return new Promise((resolve) => {
    execFile(ETCDCTL, [`--endpoints=${endpoints}`, '--command-timeout=10s', ...args], { env: { ...process.env, ETCDCTL_API: '3' } },
      (error, stdout, stderr) => resolve({ code: error ? (error.code as number) ?? 1 : 0, stdout, stderr }));
  });
}

/** The last line etcdctl wrote to stderr (before it, clientv3 logs its retries as JSON). */
const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1)!;

async function startServing(): Promise<void> {
  await cluster.leader(30_000);
  for (const [id, running] of cluster.members) served.set(id, await serve(running));
}

before(async () => {
  cluster = new TestCluster(3, ETCD_TIMINGS);
  await cluster.startAll();
  await startServing();
});

after(async () => {
  for (const id of [...served.keys()]) await unserve(id);
  await cluster.close();
});

test('Alarm ACTIVATE, GET and DEACTIVATE over gRPC: replicated, so every member lists the same alarms; answers carry no header, as etcd 3.4\'s', async () => {
  const raised = await alarmCall(2, AlarmAction.ACTIVATE, 3, AlarmType.CORRUPT);
  assert.deepEqual(raised, { alarms: [{ memberID: '3', alarm: AlarmType.CORRUPT }], header: null });
  await alarmCall(1, AlarmAction.ACTIVATE, 1, AlarmType.NOSPACE);
  for (const id of cluster.ids) {
    assert.deepEqual((await alarmCall(id, AlarmAction.GET, 0, AlarmType.NONE)).alarms,
      [{ memberID: '1', alarm: AlarmType.NOSPACE }, { memberID: '3', alarm: AlarmType.CORRUPT }], `member ${id}`);
    assert.deepEqual((await alarmCall(id, AlarmAction.GET, 0, AlarmType.CORRUPT)).alarms, [{ memberID: '3', alarm: AlarmType.CORRUPT }]);
  }
  assert.deepEqual((await alarmCall(3, AlarmAction.DEACTIVATE, 1, AlarmType.NOSPACE)).alarms, [{ memberID: '1', alarm: AlarmType.NOSPACE }]);
  assert.deepEqual((await alarmCall(1, AlarmAction.DEACTIVATE, 3, AlarmType.CORRUPT)).alarms, [{ memberID: '3', alarm: AlarmType.CORRUPT }]);
  assert.deepEqual((await alarmCall(1, AlarmAction.DEACTIVATE, 3, AlarmType.CORRUPT)).alarms, [], 'nothing left to clear');
  for (const id of cluster.ids) assert.deepEqual((await alarmCall(id, AlarmAction.GET, 0, AlarmType.NONE)).alarms, []);
});

test('while CORRUPT is raised every member refuses writes with DATA_LOSS "etcdserver: corrupt cluster"; reads and Status work; disarming lets writes through', async () => {
  await call(served.get(1)!.kv, 'Put', { key: Buffer.from('k'), value: Buffer.from('before') });
  await alarmCall(1, AlarmAction.ACTIVATE, 2, AlarmType.CORRUPT);
  const corrupt = { code: GrpcCode.DATA_LOSS, details: 'etcdserver: corrupt cluster' };
  for (const id of cluster.ids) {
    const { kv, lease, maintenance } = served.get(id)!;
    await assert.rejects(call(kv, 'Put', { key: Buffer.from('k'), value: Buffer.from(`from ${id}`) }), corrupt, `put on member ${id}`);
    await assert.rejects(call(kv, 'DeleteRange', { key: Buffer.from('k') }), corrupt);
    await assert.rejects(call(kv, 'Txn', { success: [{ request_put: { key: Buffer.from('t'), value: Buffer.from('v') } }] }), corrupt);
    await assert.rejects(call(kv, 'Compact', { revision: '1' }), corrupt);
    await assert.rejects(call(lease, 'LeaseGrant', { TTL: '60' }), corrupt);
    const range = await call<{ kvs: { value: Buffer }[] }>(kv, 'Range', { key: Buffer.from('k') });
    assert.equal(range.kvs[0]!.value.toString(), 'before');
    const readOnly = await call<{ succeeded: boolean }>(kv, 'Txn', { success: [{ request_range: { key: Buffer.from('k') } }] });
    assert.equal(readOnly.succeeded, true);
    const status = await call<{ errors: string[] }>(maintenance, 'Status', {});
    assert.deepEqual(status.errors, ['memberID:2 alarm:CORRUPT ']);
  }
  await alarmCall(3, AlarmAction.DEACTIVATE, 2, AlarmType.CORRUPT);
  for (const id of cluster.ids) await call(served.get(id)!.kv, 'Put', { key: Buffer.from('k'), value: Buffer.from(`after ${id}`) });
});

test('etcdctl 3.4 alarm list and alarm disarm against the cluster print what they print against etcd; a put fails with etcd\'s error', async () => {
  const leader = await cluster.leader(30_000);
  await alarmCall(leader.member.id, AlarmAction.ACTIVATE, leader.member.id, AlarmType.CORRUPT);
  const line = `memberID:${leader.member.id} alarm:CORRUPT \n`;
  assert.deepEqual(await etcdctl(cluster.ids, 'alarm', 'list'), { code: 0, stdout: line, stderr: '' });
  const json = await etcdctl([2], 'alarm', 'list', '-w', 'json');
  assert.equal(json.stdout, `{"alarms":[{"memberID":${leader.member.id},"alarm":2}]}\n`);
  for (const id of cluster.ids) {
    const put = await etcdctl([id], 'put', 'k', 'v');
    assert.equal(put.code, 1);
    assert.equal(lastLine(put.stderr), 'Error: etcdserver: corrupt cluster');
  }
  const grant = await etcdctl([3], 'lease', 'grant', '60');
  assert.equal(lastLine(grant.stderr), 'Error: failed to grant lease (etcdserver: corrupt cluster)');
  assert.match((await etcdctl([1], 'endpoint', 'status')).stdout, new RegExp(`, memberID:${leader.member.id} alarm:CORRUPT \\n$`));
  assert.deepEqual(await etcdctl([3], 'alarm', 'disarm'), { code: 0, stdout: line, stderr: '' });
  assert.deepEqual(await etcdctl(cluster.ids, 'alarm', 'list'), { code: 0, stdout: '', stderr: '' });
  assert.deepEqual(await etcdctl([2], 'put', 'k', 'v'), { code: 0, stdout: 'OK\n', stderr: '' });
});

test('POST /v3/maintenance/alarm raises, lists and clears alarms as etcd\'s gateway does; a put while CORRUPT is raised is 500 with code 15', async () => {
  const running = cluster.members.get(1)!;
  const server = etcdServerOf(running);
  const app = await HttpApp.listen({ host: '127.0.0.1', port: 0, server });
  registerGateway(app, server);
  const post = async (path: string, body: string): Promise<{ status: number; body: string }> => {
    const response = await fetch(`http://127.0.0.1:${app.port}${path}`, { method: 'POST', body });
    return { status: response.status, body: await response.text() };
  };
  try {
    assert.deepEqual(await post('/v3/maintenance/alarm', '{"action":"ACTIVATE","memberID":"9","alarm":"CORRUPT"}'),
      { status: 200, body: '{"alarms":[{"memberID":"9","alarm":"CORRUPT"}]}' });
    assert.deepEqual(await post('/v3/maintenance/alarm', '{}'), { status: 200, body: '{"alarms":[{"memberID":"9","alarm":"CORRUPT"}]}' });
    assert.deepEqual(await post('/v3/kv/put', '{"key":"YQ==","value":"Yg=="}'),
      { status: 500, body: '{"error":"etcdserver: corrupt cluster","message":"etcdserver: corrupt cluster","code":15}' });
    assert.deepEqual(await post('/v3/maintenance/alarm', '{"action":"BOGUS"}'), {
      status: 400,
      body: '{"error":"unknown value \\"BOGUS\\" for enum etcdserverpb.AlarmRequest_AlarmAction",' +
        '"message":"unknown value \\"BOGUS\\" for enum etcdserverpb.AlarmRequest_AlarmAction","code":3}',
    });
    assert.deepEqual(await post('/v3/maintenance/alarm', '{"action":2,"memberID":9,"alarm":2}'),
      { status: 200, body: '{"alarms":[{"memberID":"9","alarm":"CORRUPT"}]}' });
    assert.deepEqual(await post('/v3/maintenance/alarm', '{"action":"DEACTIVATE","memberID":"9","alarm":"CORRUPT"}'), { status: 200, body: '{}' });
  } finally {
    app.close();
  }
});

test('alarms survive restarting every member: they are in each store, and writes stay refused until disarmed', async () => {
  await alarmCall(1, AlarmAction.ACTIVATE, 3, AlarmType.CORRUPT);
  await waitFor('every member to apply the alarm', () => [...cluster.members.values()].every((m) => m.member.applier.alarms.length === 1));
  for (const id of [...served.keys()]) await unserve(id);
  for (const id of cluster.ids) await cluster.stop(id);
  for (const id of cluster.ids) await cluster.start(id);
  for (const running of cluster.members.values()) {
    assert.deepEqual(running.member.applier.alarms, [{ memberID: 3, alarm: AlarmType.CORRUPT }], `member ${running.member.id} after its restart`);
  }
  await startServing();
  for (const id of cluster.ids) {
    await assert.rejects(call(served.get(id)!.kv, 'Put', { key: Buffer.from('k'), value: Buffer.from('v') }),
      { code: GrpcCode.DATA_LOSS, details: 'etcdserver: corrupt cluster' });
  }
  assert.deepEqual((await alarmCall(2, AlarmAction.DEACTIVATE, 3, AlarmType.CORRUPT)).alarms, [{ memberID: '3', alarm: AlarmType.CORRUPT }]);
  await call(served.get(2)!.kv, 'Put', { key: Buffer.from('k'), value: Buffer.from('v') });
});
