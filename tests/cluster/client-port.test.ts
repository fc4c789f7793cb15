/**
 * One client port, as etcd: a real cairn process serves gRPC and HTTP/1.1 (JSON gateway, /health,
 * /version, /metrics, the WebSocket protocol) on its --listen-client-urls, told apart by their
 * first bytes; with --listen-client-http-urls, HTTP moves there and the client URL answers gRPC
 * only. Driven by what operators use: fetch as curl, real etcdctl 3.4, the TypeScript client.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { CairnClient } from '../../net/client/cairn-client.js';
import { call, ProcessCluster } from './process-cluster.js';

const run = promisify(execFile);
/** The HTTP/2 client preface, and a SETTINGS frame with no parameters. */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const EMPTY_SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);

let shared: ProcessCluster;
let apart: ProcessCluster;

before(async () => {
  shared = new ProcessCluster(1);
  apart = new ProcessCluster(1, 20, 200, false, ['--listen-client-http-urls', 'http://127.0.0.1:0']);
  await Promise.all([shared.start(), apart.start()]);
  await Promise.all([shared.leader(), apart.leader()]);
});

after(async () => {
  await Promise.all([shared.close(), apart.close()]);
});

function base(port: number): string {
  return `http://127.0.0.1:${port}`;
}

test('by default the client port serves HTTP/1.1: /health, /version, the gateway and /metrics', async () => {
  const member = shared.members[0]!;
  assert.equal(member.httpPort, member.clientPort, 'cairn prints the client port as its HTTP port');
  const health = await fetch(`${base(member.clientPort)}/health`);
  assert.equal(health.status, 200);
  assert.equal(await health.text(), '{"health":"true"}');
  assert.equal(((await (await fetch(`${base(member.clientPort)}/version`)).json()) as { etcdserver: string }).etcdserver, '3.4.0');
  const put = await fetch(`${base(member.clientPort)}/v3/kv/put`, { method: 'POST', body: '{"key":"Zm9v","value":"YmFy"}' });
  assert.equal(put.status, 200);
  const range = await fetch(`${base(member.clientPort)}/v3/kv/range`, { method: 'POST', body: '{"key":"Zm9v"}' });
  const { kvs } = await range.json() as { kvs: { key: string; value: string }[] };
  assert.deepEqual(kvs.map(({ key, value }) => [key, value]), [['Zm9v', 'YmFy']]);
  const metrics = await (await fetch(`${base(member.clientPort)}/metrics`)).text();
  assert.match(metrics, /^etcd_server_has_leader 1$/m);
});

test('gRPC keeps working on the same port, and a preface split across writes is still recognised', async () => {
  const member = shared.members[0]!;
  const answer = await call<{ kvs: { value: Buffer }[] }>(member.clients!.kv, 'Range', { key: Buffer.from('foo') });
  assert.equal(answer.kvs[0]!.value.toString(), 'bar');
  // Byte by byte up to the preface's end: the server answers HTTP/2's SETTINGS, not HTTP/1.1.
  const socket = net.connect(member.clientPort, '127.0.0.1');
  const firstBytes = new Promise<Buffer>((resolve) => socket.once('data', resolve));
  for (const piece of [PREFACE.subarray(0, 3), PREFACE.subarray(3, 10), PREFACE.subarray(10), EMPTY_SETTINGS]) {
    socket.write(piece);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const reply = await firstBytes;
  socket.destroy();
  assert.equal(reply[3], 4, 'the first frame back is SETTINGS');
});

test('the WebSocket protocol works through the client port', async () => {
  const member = shared.members[0]!;
  const client = new CairnClient({ endpoints: [`ws://127.0.0.1:${member.clientPort}/ws`] });
  try {
    await client.put('ws-key', 'ws-value');
    const { kvs } = await client.get('ws-key');
    assert.deepEqual(kvs.map((kv) => Buffer.from(kv.value).toString()), ['ws-value']);
  } finally {
    await client.close();
  }
});

test('etcdctl check datascale, which reads /metrics from the client URL, passes', async () => {
  const member = shared.members[0]!;
  const { stdout } = await run('/usr/bin/etcdctl', [`--endpoints=127.0.0.1:${member.clientPort}`, 'check', 'datascale'],
    { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 120_000 });
  assert.match(stdout, /PASS: Approximate system memory used/);
});

test('with --listen-client-http-urls, HTTP is served there and the client URL answers gRPC only', async () => {
  const member = apart.members[0]!;
  assert.notEqual(member.httpPort, member.clientPort);
  assert.equal((await fetch(`${base(member.httpPort)}/health`)).status, 200);
  await assert.rejects(fetch(`${base(member.clientPort)}/health`), 'no HTTP/1.1 answer on the client URL');
  await call(member.clients!.kv, 'Put', { key: Buffer.from('k'), value: Buffer.from('v') });
  const client = new CairnClient({ endpoints: [`ws://127.0.0.1:${member.httpPort}/ws`] });
  try {
    assert.equal((await client.get('k')).kvs.length, 1);
  } finally {
    await client.close();
  }
});
