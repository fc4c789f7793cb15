/**
 * The JSON gateway's watch stream side by side: the same POST /v3/watch bodies and the same writes
 * against real etcd 3.4's gateway and cairn's, in the same order; the streamed lines (and the
 * status and body of refused requests) compared after masking cluster id, member id and raft term.
 * Both stores start empty, so revisions are compared as they are.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ProcessCluster } from '../cluster/process-cluster.js';
import { WatchClient } from '../gateway/watch-client.js';
import { EtcdProcess, requireBinaries } from './etcd-process.js';

interface Target {
  name: string;
  base: string;
  port: number;
}

let etcd: EtcdProcess | undefined;
let cairn: ProcessCluster | undefined;
const targets: Target[] = [];
const open: WatchClient[] = [];

before(async () => {
  requireBinaries();
  cairn = new ProcessCluster(1, 20, 200, true);
  const started = await Promise.allSettled([EtcdProcess.start().then((p) => { etcd = p; }), cairn.start()]);
  for (const result of started) if (result.status === 'rejected') throw result.reason;
  await cairn.leader();
  const m = cairn.members[0]!;
  targets.push(
    { name: 'etcd', base: `http://${etcd!.address}`, port: etcd!.clientPort },
    { name: 'cairn', base: `http://127.0.0.1:${m.httpPort}`, port: m.httpPort },
  );
});

after(async () => {
  for (const client of open) client.close();
  await Promise.all([etcd?.close(), cairn?.close()]);
});

const b64 = (text: string): string => Buffer.from(text).toString('base64');

function mask(text: string): string {
  return text.replace(/"(cluster_id|member_id|raft_term)":"\d+"/g, '"$1":"N"');
}

/** Opens the same watch on every target. */
function watchAll(body: string): WatchClient[] {
  const clients = targets.map((target) => WatchClient.open(target.port, body));
  open.push(...clients);
  return clients;
}

/** Reads `count` lines from each target's stream and checks cairn's equal etcd's; returns etcd's. */
async function sameLines(clients: WatchClient[], count: number, what: string): Promise<string[]> {
  const [expected, actual] = await Promise.all(clients.map(async (client) => (await client.lines(count)).map(mask)));
  assert.deepEqual(actual, expected, what);
  return expected!;
}

/** A JSON gateway call on every target, in order; returns the revision of each answer's header. */
async function callAll(path: string, body: object): Promise<number> {
  const revisions = await Promise.all(targets.map(async (target) => {
    const answer = await fetch(`${target.base}/v3/kv/${path}`, { method: 'POST', body: JSON.stringify(body) });
    assert.equal(answer.status, 200, `${target.name} ${path}`);
    return Number(((await answer.json()) as { header: { revision: string } }).header.revision);
  }));
  assert.equal(revisions[1], revisions[0], `${path}: both stores at the same revision`);
  return revisions[0]!;
}

const putAll = (key: string, value: string): Promise<number> => callAll('put', { key: b64(key), value: b64(value) });

test('create, live PUT and DELETE events with prev_kv, history replay with filters, and compaction stream what etcd streams', async () => {
  const prefix = `"key":"${b64('sbs/')}","range_end":"${b64('sbs0')}"`;
  const live = watchAll(`{"create_request":{${prefix},"prev_kv":true}}`);
  const heads = await Promise.all(live.map((client) => client.head));
  assert.deepEqual([heads[1]!.status, heads[1]!.headers['content-type'], heads[1]!.headers['grpc-metadata-content-type']],
    [heads[0]!.status, heads[0]!.headers['content-type'], heads[0]!.headers['grpc-metadata-content-type']]);
  await sameLines(live, 1, 'created');
  const first = await putAll('sbs/a', '1');
  const second = await putAll('sbs/a', '2');
  await callAll('deleterange', { key: b64('sbs/a') });
  await putAll('sbs/b', 'x');
  await sameLines(live, 4, 'live events');

  for (const filters of ['["NOPUT"]', '[1]', '[]']) {
    await sameLines(watchAll(`{"create_request":{${prefix},"start_revision":"${first}","filters":${filters},"prev_kv":true}}`), 2, `replay ${filters}`);
  }
  await callAll('compaction', { revision: second });
  await sameLines(watchAll(`{"create_request":{${prefix},"start_revision":"${first}"}}`), 2, 'compacted');
  await sameLines(watchAll(`{"create_request":{${prefix},"start_revision":"${second}"}}`), 2, 'from the compaction revision');
});

test('a body of several requests: creates (one with its own id), a cancel and a progress request are answered in order', async () => {
  const body = `{"create_request":{"key":"${b64('multi/a')}"}}{"create_request":{"key":"${b64('multi/b')}","watch_id":"7"}}` +
    '{"cancel_request":{"watch_id":"0"}}{"cancel_request":{"watch_id":"5"}}{"progress_request":{}}' +
    `{"create_request":{"key":"${b64('multi/c')}","watch_id":"7"}}{"create_request":{"key":"${b64('z')}","range_end":"${b64('a')}"}}`;
  const clients = watchAll(body);
  await sameLines(clients, 6, 'control responses');
  await putAll('multi/a', '1');
  await putAll('multi/b', '1');
  await sameLines(clients, 1, 'only watcher 7 is left');
});

test('malformed first requests are refused with etcd\'s status and body; requests over the gRPC limit with its error chunk', async () => {
  const bodies = [
    'x', '[]', '"x"', '{"create_request":{"key":1}}', '{"create_request":{"key":"!!"}}', '{"create_request":{"key":"YQ=="',
    '{"create_request":{"key":"YQ==","filters":["BAD"]}}', '{"create_request":{"key":"YQ==","filters":"NOPUT"}}',
    '{"create_request":{"key":"YQ==","filters":[true]}}', '{"create_request":{"key":"YQ==","start_revision":"1.5"}}',
    '{"cancel_request":{"watch_id":"x"}}', `{"create_request":{"key":"${Buffer.alloc(2_200_000, 'k').toString('base64')}"}}`,
  ];
  for (const body of bodies) {
    const answers = await Promise.all(targets.map(async (target) => {
      const client = WatchClient.open(target.port, body);
      open.push(client);
      const head = await client.head;
      return { status: head.status, contentType: head.headers['content-type'], body: await client.body };
    }));
    assert.deepEqual(answers[1], answers[0], body.slice(0, 80));
  }
});

test('a watcher that asks for fragments gets etcd\'s parts; one that does not gets one response', async () => {
  const value = 'v'.repeat(1_000_000);
  const first = await putAll('frag/1', value);
  await putAll('frag/2', value);
  await putAll('frag/3', value);
  const range = `"key":"${b64('frag/')}","range_end":"${b64('frag0')}","start_revision":"${first}"`;
  const parts = await sameLines(watchAll(`{"create_request":{${range},"fragment":true}}`), 3, 'fragments');
  assert.ok(parts[1]!.includes('"fragment":true'), 'etcd split the response');
  await sameLines(watchAll(`{"create_request":{${range}}}`), 2, 'whole');
});

test('other methods on /v3/watch are refused as etcd refuses them', async () => {
  for (const method of ['GET', 'PUT', 'OPTIONS']) {
    const answers = await Promise.all(targets.map(async (target) => {
      const answer = await fetch(`${target.base}/v3/watch`, { method });
      return { status: answer.status, contentType: answer.headers.get('content-type'), body: await answer.text() };
    }));
    assert.deepEqual(answers[1], answers[0], method);
  }
});
