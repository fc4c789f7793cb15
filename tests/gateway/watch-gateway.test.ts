/**
 * POST /v3/watch on a 1-member cairn in this process (a real Member, its watch hub and the HTTP
 * app with the gateway), driven as curl drives etcd's gateway. Expected lines are written out by
 * hand from what etcd 3.4.23 streams for the same requests (tests/compat has the side by side).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WatchHub } from '../../engine/watch/watch-hub.js';
import { registerGateway } from '../../net/http/gateway-endpoint.js';
import { HttpApp } from '../../net/http/http-app.js';
import { etcdServerOf, TestCluster, waitFor, type RunningMember } from '../node/cluster-harness.js';
import { WatchClient } from './watch-client.js';

const CLUSTER_ID = 42;
const MEMBER_ID = 1;
/** The member's max-request-bytes (etcd's default); the gateway's gRPC limit adds 512 KiB. */
const MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;
const PROGRESS_INTERVAL_MS = 50;

let cluster: TestCluster;
let running: RunningMember;
let app: HttpApp;
/** A second app whose gateway uses a hub with a short progress_notify interval. */
let progressApp: HttpApp;
let progressHub: WatchHub;

before(async () => {
  cluster = new TestCluster(1);
  running = await cluster.start(MEMBER_ID);
  await cluster.leader();
  await running.kv.put({ key: b('settled'), value: b('1') });
  const server = etcdServerOf(running);
  app = await HttpApp.listen({ host: '127.0.0.1', port: 0, server, maxRequestBytes: MAX_REQUEST_BYTES });
  registerGateway(app, server);
  progressHub = new WatchHub(running.member.applier, { revision: running.hub.revision, progressNotifyIntervalMs: PROGRESS_INTERVAL_MS });
  const progressServer = etcdServerOf(running, undefined, { hub: progressHub });
  progressApp = await HttpApp.listen({ host: '127.0.0.1', port: 0, server: progressServer });
  registerGateway(progressApp, progressServer);
});

after(async () => {
  app.close();
  progressApp.close();
  progressHub.close();
  await cluster.close();
});

function b(text: string): Buffer {
  return Buffer.from(text);
}

function b64(text: string): string {
  return b(text).toString('base64');
}

/** The response header etcd writes: ids and term as strings, revision left out when 0. */
function header(revision: number): string {
  const rev = revision === 0 ? '' : `"revision":"${revision}",`;
  return `{"cluster_id":"${CLUSTER_ID}","member_id":"${MEMBER_ID}",${rev}"raft_term":"${running.member.raftTerm}"}`;
}

function kvJson(key: string, create: number, mod: number, version: number, value: string): string {
  return `{"key":"${b64(key)}","create_revision":"${create}","mod_revision":"${mod}","version":"${version}","value":"${b64(value)}"}`;
}

async function put(key: string, value: string | Buffer): Promise<number> {
  const answer = await running.kv.put({ key: b(key), value: typeof value === 'string' ? b(value) : value });
  return answer.header.revision;
}

async function remove(key: string): Promise<number> {
  return (await running.kv.deleteRange({ key: b(key) })).header.revision;
}

function open(body: string, path?: string): WatchClient {
  return WatchClient.open(app.port, body, path);
}

/** Runs `body` with clients that are closed afterwards, pass or fail. */
async function withClients(body: (clients: WatchClient[]) => Promise<void>): Promise<void> {
  const clients: WatchClient[] = [];
  try {
    await body(clients);
  } finally {
    for (const client of clients) client.close();
  }
}

test('a create request streams, chunked, the created response and then PUT and DELETE events, one JSON line each', () => withClients(async (clients) => {
  const rev0 = await put('live/x', 'before');
  const watch = open(`{"create_request":{"key":"${b64('live/')}","range_end":"${b64('live0')}","prev_kv":true}}`);
  clients.push(watch);
  const head = await watch.head;
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-type'], 'application/json');
  assert.equal(head.headers['transfer-encoding'], 'chunked');
  assert.equal(head.headers['grpc-metadata-content-type'], 'application/grpc');
  assert.equal(head.headers['access-control-allow-origin'], '*');
  assert.equal(await watch.line(), `{"result":{"header":${header(rev0)},"created":true}}`);
  const rev1 = await put('live/a', '1');
  const rev2 = await put('live/a', '2');
  const rev3 = await remove('live/a');
  assert.deepEqual(await watch.lines(3), [
    `{"result":{"header":${header(rev1)},"events":[{"kv":${kvJson('live/a', rev1, rev1, 1, '1')}}]}}`,
    `{"result":{"header":${header(rev2)},"events":[{"kv":${kvJson('live/a', rev1, rev2, 2, '2')},"prev_kv":${kvJson('live/a', rev1, rev1, 1, '1')}}]}}`,
    `{"result":{"header":${header(rev3)},"events":[{"type":"DELETE","kv":{"key":"${b64('live/a')}","mod_revision":"${rev3}"},` +
      `"prev_kv":${kvJson('live/a', rev1, rev2, 2, '2')}}]}}`,
  ]);
}));

test('start_revision replays history; prev_kv adds previous values; NOPUT and NODELETE filters drop events', () => withClients(async (clients) => {
  const rev1 = await put('replay/a', '1');
  const rev2 = await put('replay/a', '2');
  const rev3 = await remove('replay/a');
  const range = `"key":"${b64('replay/')}","range_end":"${b64('replay0')}","start_revision":"${rev1}"`;
  const all = open(`{"create_request":{${range},"prev_kv":true}}`);
  const noPut = open(`{"create_request":{${range},"filters":["NOPUT"]}}`);
  const noDelete = open(`{"create_request":{${range},"filters":[1]}}`);
  clients.push(all, noPut, noDelete);
  const now = header(running.hub.revision);
  const put1 = `{"kv":${kvJson('replay/a', rev1, rev1, 1, '1')}}`;
  const put2 = `{"kv":${kvJson('replay/a', rev1, rev2, 2, '2')}`;
  const deleted = `{"type":"DELETE","kv":{"key":"${b64('replay/a')}","mod_revision":"${rev3}"}`;
  assert.deepEqual(await all.lines(2), [
    `{"result":{"header":${now},"created":true}}`,
    `{"result":{"header":${now},"events":[${put1},${put2},"prev_kv":${kvJson('replay/a', rev1, rev1, 1, '1')}},` +
      `${deleted},"prev_kv":${kvJson('replay/a', rev1, rev2, 2, '2')}}]}}`,
  ]);
  assert.deepEqual(await noPut.lines(2), [`{"result":{"header":${now},"created":true}}`, `{"result":{"header":${now},"events":[${deleted}}]}}`]);
  assert.deepEqual(await noDelete.lines(2), [`{"result":{"header":${now},"created":true}}`, `{"result":{"header":${now},"events":[${put1},${put2}}]}}`]);
}));

test('a start revision below the compaction is canceled with compact_revision, in a header without revision', () => withClients(async (clients) => {
  const old = await put('compacted/a', '1');
  const compactAt = await put('compacted/a', '2');
  await running.kv.compact({ revision: compactAt });
  const watch = open(`{"create_request":{"key":"${b64('compacted/a')}","start_revision":"${old}"}}`);
  clients.push(watch);
  assert.deepEqual(await watch.lines(2), [
    `{"result":{"header":${header(running.hub.revision)},"created":true}}`,
    `{"result":{"header":${header(0)},"canceled":true,"compact_revision":"${compactAt}"}}`,
  ]);
}));

test('every request object of a streamed body is served as it arrives; nothing is answered before the first response', () => withClients(async (clients) => {
  // `{}` and a cancel of an unknown id get no answer, so the progress answer is what comes first.
  const watch = WatchClient.streaming(app.port, '{}');
  clients.push(watch);
  watch.write('{"cancel_request":{"watch_id":"5"}}');
  watch.write('{"progress_request":{}}');
  assert.equal((await watch.head).status, 200);
  assert.equal(await watch.line(), `{"result":{"header":${header(running.hub.revision)},"watch_id":"-1"}}`);
  watch.write(`{"create_request":{"key":"${b64('multi/a')}"}}\n{"create_request":{"key":"${b64('multi/b')}","watch_id":"7"}}`);
  const now = header(running.hub.revision);
  assert.deepEqual(await watch.lines(2), [`{"result":{"header":${now},"created":true}}`, `{"result":{"header":${now},"watch_id":"7","created":true}}`]);
  watch.write('{"cancel_request":{"watch_id":"0"}}');
  assert.equal(await watch.line(), `{"result":{"header":${header(running.hub.revision)},"canceled":true}}`);
  watch.endBody();
  // Watcher 0 is gone: multi/a's change reaches no one; multi/b's reaches watcher 7 after the body ended.
  await put('multi/a', '1');
  const rev = await put('multi/b', '1');
  assert.equal(await watch.line(), `{"result":{"header":${header(rev)},"watch_id":"7","events":[{"kv":${kvJson('multi/b', rev, rev, 1, '1')}}]}}`);
}));

test('an object that cannot be decoded after the first ends the reading, and the watch goes on', () => withClients(async (clients) => {
  const watch = open(`{"create_request":{"key":"${b64('later/a')}"}}x{"create_request":{"key":"${b64('later/b')}"}}`);
  clients.push(watch);
  assert.equal(await watch.line(), `{"result":{"header":${header(running.hub.revision)},"created":true}}`);
  await put('later/b', '1');
  const rev = await put('later/a', '1');
  assert.equal(await watch.line(), `{"result":{"header":${header(rev)},"events":[{"kv":${kvJson('later/a', rev, rev, 1, '1')}}]}}`);
}));

test('a first object that cannot be decoded is answered 500 with code 2 and Go\'s message, as etcd\'s gateway answers it', async () => {
  const observed: ReadonlyArray<readonly [string, string]> = [
    ['x', "invalid character 'x' looking for beginning of value"],
    ['{"create_request":{"key":"YQ=="', 'unexpected EOF'],
    ['[]', 'json: cannot unmarshal array into Go value of type map[string]json.RawMessage'],
    ['{"create_request":{"key":"!!"}}', 'illegal base64 data at input byte 0'],
    ['{"create_request":{"key":"YQ==","filters":["BAD"]}}', 'unknown value "BAD" for enum etcdserverpb.WatchCreateRequest_FilterType'],
    ['{"create_request":{"key":"YQ==","start_revision":"x"}}', "invalid character 'x' looking for beginning of value"],
  ];
  for (const [body, message] of observed) {
    const watch = open(body);
    try {
      const head = await watch.head;
      const expected = `{"error":${JSON.stringify(message)},"message":${JSON.stringify(message)},"code":2}`;
      assert.equal(head.status, 500, body);
      assert.equal(head.headers['content-type'], 'application/json');
      assert.equal(head.headers['content-length'], String(Buffer.byteLength(expected)));
      assert.equal(head.headers['grpc-metadata-content-type'], undefined);
      assert.equal(head.headers['access-control-allow-origin'], '*');
      assert.equal(await watch.body, expected, body);
    } finally {
      watch.close();
    }
  }
});

test('a request over the gRPC receive limit fails the stream with grpc-gateway\'s error chunk: 429 first, or after the lines sent', () => withClients(async (clients) => {
  const key = Buffer.alloc(2_200_000, 'k').toString('base64');
  const error = '{"error":{"grpc_code":8,"http_code":429,"message":"grpc: received message larger than max (2200010 vs. 2097152)",' +
    '"http_status":"Too Many Requests"}}';
  const first = open(`{"create_request":{"key":"${key}"}}`);
  const second = open(`{"create_request":{"key":"${b64('big')}"}}{"create_request":{"key":"${key}"}}`);
  clients.push(first, second);
  const head = await first.head;
  assert.equal(head.status, 429);
  assert.equal(head.headers['transfer-encoding'], 'chunked');
  assert.equal(head.headers['grpc-metadata-content-type'], undefined);
  assert.equal(await first.body, error);
  assert.equal((await second.head).status, 200);
  assert.equal(await second.body, `{"result":{"header":${header(running.hub.revision)},"created":true}}\n${error}`);
}));

test('a watcher that asked for fragments gets a response over max-request-bytes + 512 KiB in parts of whole events', () => withClients(async (clients) => {
  const value = Buffer.alloc(1_000_000, 'v');
  const revs = [await put('frag/1', value), await put('frag/2', value), await put('frag/3', value)];
  const range = `"key":"${b64('frag/')}","range_end":"${b64('frag0')}","start_revision":"${revs[0]}"`;
  const fragmented = open(`{"create_request":{${range},"fragment":true}}`);
  const whole = open(`{"create_request":{${range}}}`);
  clients.push(fragmented, whole);
  const modRevisions = (line: string): number[] =>
    (JSON.parse(line) as { result: { events: { kv: { mod_revision: string } }[] } }).result.events.map((e) => Number(e.kv.mod_revision));
  const [created, part1, part2] = await fragmented.lines(3);
  assert.equal(created, `{"result":{"header":${header(running.hub.revision)},"created":true}}`);
  // Two 1 MB events stay under 2 MiB; a third would not.
  assert.deepEqual([modRevisions(part1!), modRevisions(part2!)], [[revs[0], revs[1]], [revs[2]]]);
  assert.ok(part1!.startsWith(`{"result":{"header":${header(running.hub.revision)},"fragment":true,"events":[`));
  assert.ok(!part2!.includes('"fragment"'));
  const [, all] = await whole.lines(2);
  assert.deepEqual(modRevisions(all!), revs);
}));

test('progress_notify: a watcher that saw nothing for an interval hears the revision', () => withClients(async (clients) => {
  const watch = WatchClient.open(progressApp.port, `{"create_request":{"key":"${b64('quiet')}","progress_notify":true}}`);
  clients.push(watch);
  const now = header(progressHub.revision);
  assert.deepEqual(await watch.lines(2), [`{"result":{"header":${now},"created":true}}`, `{"result":{"header":${now}}}`]);
}));

test('a client that goes away closes its watch stream: its watchers leave the hub', async () => {
  const before = running.hub.stats();
  const watch = open(`{"create_request":{"key":"${b64('gone')}"}}{"create_request":{"key":"${b64('gone2')}"}}`);
  try {
    await watch.lines(2);
    assert.equal(running.hub.stats().synced, before.synced + 2);
    assert.equal(running.hub.stats().streams, before.streams + 1);
  } finally {
    watch.close();
  }
  await waitFor('the watchers to leave', () => running.hub.stats().synced === before.synced && running.hub.stats().streams === before.streams);
  // The hub keeps serving: a put after the hang-up reaches no closed stream and breaks nothing.
  await put('gone', '1');
});

test('a client that stops reading congests its stream; once it reads again its watcher catches up from history, missing nothing', () => withClients(async (clients) => {
  const puts = 60;
  const value = Buffer.alloc(256 * 1024, 's');
  const watch = open(`{"create_request":{"key":"${b64('slow/')}","range_end":"${b64('slow0')}"}}`);
  clients.push(watch);
  await watch.line();
  watch.pause();
  const slowBefore = running.hub.stats().slowMoved;
  const revs: number[] = [];
  for (let i = 0; i < puts && running.hub.stats().slowMoved === slowBefore; i++) revs.push(await put(`slow/${i}`, value));
  assert.ok(running.hub.stats().slowMoved > slowBefore, `the stream congested within ${revs.length} puts of 256 KiB`);
  const afterCongestion = revs.length;
  for (let i = afterCongestion; i < afterCongestion + 3; i++) revs.push(await put(`slow/${i}`, value));
  watch.resume();
  const received: number[] = [];
  while (received.length < revs.length) {
    const line = await watch.line();
    const events = (JSON.parse(line) as { result: { events: { kv: { mod_revision: string } }[] } }).result.events;
    received.push(...events.map((e) => Number(e.kv.mod_revision)));
  }
  assert.deepEqual(received, revs);
  await waitFor('the watcher to be synced again', () => running.hub.stats().unsynced === 0);
  const live = await put('slow/live', '1');
  assert.match(await watch.line(), new RegExp(`"mod_revision":"${live}"`));
}));

test('/v3beta/watch streams too; other methods are 405, OPTIONS is 200, a trailing slash is 404', () => withClients(async (clients) => {
  const beta = open(`{"create_request":{"key":"${b64('beta')}"}}`, '/v3beta/watch');
  clients.push(beta);
  assert.equal(await beta.line(), `{"result":{"header":${header(running.hub.revision)},"created":true}}`);
  const base = `http://127.0.0.1:${app.port}`;
  for (const method of ['GET', 'PUT', 'DELETE']) {
    const answer = await fetch(`${base}/v3/watch`, { method });
    assert.deepEqual([answer.status, answer.headers.get('content-type'), await answer.text()], [405, 'text/plain; charset=utf-8', 'Method Not Allowed\n'], method);
  }
  const preflight = await fetch(`${base}/v3/watch`, { method: 'OPTIONS' });
  assert.deepEqual([preflight.status, await preflight.text()], [200, '']);
  const slash = await fetch(`${base}/v3/watch/`, { method: 'POST', body: '{}' });
  assert.deepEqual([slash.status, await slash.text()], [404, 'Not Found\n']);
}));
