/**
 * The Lease calls of the JSON gateway on a 1-member cairn in this process (a real Member, its
 * LeaseServer and the HTTP app with the gateway), driven as curl drives etcd's gateway. Expected
 * bodies are written out by hand from what etcd 3.4.23 answers to the same requests
 * (tests/compat/gateway-lease-side-by-side.test.ts has the side by side). The last test runs a
 * 3-member cluster, to reach the leader's lessor through a follower's gateway.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { registerGateway } from '../../net/http/gateway-endpoint.js';
import { KEEPALIVES_READ_AHEAD_MAX } from '../../net/http/gateway-keepalive.js';
import { HttpApp } from '../../net/http/http-app.js';
import { ETCD_TIMINGS, etcdServerOf, TestCluster, type RunningMember } from '../node/cluster-harness.js';
import { WatchClient, within } from './watch-client.js';

const CLUSTER_ID = 42;
/** The app's --max-request-bytes; a keep-alive body held back may grow to 4 x (this + 512 KiB). */
const MAX_REQUEST_BYTES = 64 * 1024;
const HELD_BACK_BYTES_MAX = 4 * (MAX_REQUEST_BYTES + 512 * 1024);

let cluster: TestCluster;
let running: RunningMember;
let app: HttpApp;

before(async () => {
  cluster = new TestCluster(1);
  running = await cluster.start(1);
  await cluster.leader();
  app = await gatewayOn(running);
});

after(async () => {
  app.close();
  await cluster.close();
});

async function gatewayOn(member: RunningMember): Promise<HttpApp> {
  const server = etcdServerOf(member);
  const http = await HttpApp.listen({ host: '127.0.0.1', port: 0, server, maxRequestBytes: MAX_REQUEST_BYTES });
  registerGateway(http, server);
  return http;
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** The response header etcd writes: ids and term as strings, revision left out when 0. */
function header(of: RunningMember = running): string {
  const revision = of.member.applier.revision;
  const rev = revision === 0 ? '' : `"revision":"${revision}",`;
  return `{"cluster_id":"${CLUSTER_ID}","member_id":"${of.member.id}",${rev}"raft_term":"${of.member.raftTerm}"}`;
}

interface Answer {
  status: number;
  contentType: string | null;
  body: string;
}

async function post(path: string, body: string, port = app.port): Promise<Answer> {
  const answer = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', body });
  return { status: answer.status, contentType: answer.headers.get('content-type'), body: await answer.text() };
}

function ok(body: string): Answer {
  return { status: 200, contentType: 'application/json', body };
}

function failure(status: number, code: number, message: string): Answer {
  return { status, contentType: 'application/json', body: JSON.stringify({ error: message, message, code }).replaceAll('<', '\\u003c') };
}

/** A time-to-live answer with its remaining TTL replaced by "T", and that TTL. */
async function timeToLive(body: string, port = app.port): Promise<{ answer: Answer; ttl: number }> {
  const answer = await post('/v3/lease/timetolive', body, port);
  const ttl = Number(/"TTL":"(-?\d+)"/.exec(answer.body)?.[1]);
  return { answer: { ...answer, body: answer.body.replace(/"TTL":"\d+"/, '"TTL":"T"') }, ttl };
}

/** POSTs a keep-alive body whole; returns the status, headers and the whole streamed body. */
async function keepAlive(body: string | Uint8Array, port = app.port): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const client = WatchClient.open(port, body, '/v3/lease/keepalive');
  try {
    const head = await within(client.head, 'the keep-alive answer');
    return { status: head.status, headers: head.headers, body: await within(client.body, 'the end of the keep-alive answer') };
  } finally {
    client.close();
  }
}

test('grant answers the lease\'s ID and TTL as strings; a TTL under the minimum is raised to it; ID 0 lets the server pick', async () => {
  assert.deepEqual(await post('/v3/lease/grant', '{"TTL":"60","ID":"1000"}'), ok(`{"header":${header()},"ID":"1000","TTL":"60"}`));
  assert.deepEqual(await post('/v3beta/lease/grant', '{"TTL":0,"ID":1001}'), ok(`{"header":${header()},"ID":"1001","TTL":"1"}`));
  const picked = await post('/v3/lease/grant', '{"TTL":"30"}');
  const id = /"ID":"(\d+)"/.exec(picked.body)?.[1];
  assert.ok(id !== undefined && Number(id) > 0, picked.body);
  assert.deepEqual(picked, ok(`{"header":${header()},"ID":"${id}","TTL":"30"}`));
  assert.deepEqual(await post('/v3/lease/revoke', `{"ID":"${id}"}`), ok(`{"header":${header()}}`));
  assert.deepEqual(await post('/v3/lease/revoke', '{"ID":"1001"}'), ok(`{"header":${header()}}`));
});

test('a put with a lease through /v3/kv/put attaches the key; timetolive lists the keys in base64 only when asked', async () => {
  assert.equal((await post('/v3/lease/grant', '{"TTL":"60","ID":"2000"}')).status, 200);
  for (const key of ['lk/a', 'lk/b']) {
    assert.deepEqual(await post('/v3/kv/put', `{"key":"${b64(key)}","value":"${b64('1')}","lease":"2000"}`), ok(`{"header":${header()}}`));
  }
  const range = await post('/v3/kv/range', `{"key":"${b64('lk/a')}"}`);
  assert.match(range.body, /"value":"MQ==","lease":"2000"\}/);
  const withKeys = await timeToLive('{"ID":"2000","keys":true}');
  assert.deepEqual(withKeys.answer, ok(`{"header":${header()},"ID":"2000","TTL":"T","grantedTTL":"60","keys":["${b64('lk/a')}","${b64('lk/b')}"]}`));
  assert.ok(withKeys.ttl >= 58 && withKeys.ttl <= 60, `remaining ${withKeys.ttl}`);
  const withoutKeys = await timeToLive('{"ID":2000}');
  assert.deepEqual(withoutKeys.answer, ok(`{"header":${header()},"ID":"2000","TTL":"T","grantedTTL":"60"}`));
  const alias = await post('/v3/kv/lease/timetolive', '{"ID":"2000","keys":true}');
  assert.equal(alias.body.replace(/"TTL":"\d+"/, '"TTL":"T"'), withKeys.answer.body);
});

test('a put with an unknown lease, and a revoke of one, are 404 "requested lease not found", code 5', async () => {
  const notFound = failure(404, 5, 'etcdserver: requested lease not found');
  assert.deepEqual(await post('/v3/kv/put', `{"key":"${b64('lk/x')}","value":"${b64('1')}","lease":"1999"}`), notFound);
  assert.deepEqual(await post('/v3/lease/revoke', '{"ID":"1999"}'), notFound);
  assert.deepEqual(await post('/v3/kv/lease/revoke', '{}'), notFound);
});

test('timetolive of an unknown lease is TTL "-1" and nothing else; ID 0 is left out', async () => {
  assert.deepEqual(await post('/v3/lease/timetolive', '{"ID":"1999","keys":true}'), ok(`{"header":${header()},"ID":"1999","TTL":"-1"}`));
  assert.deepEqual(await post('/v3/lease/timetolive', '{}'), ok(`{"header":${header()},"TTL":"-1"}`));
});

test('revoke deletes the lease\'s keys; the lease is then TTL -1, out of the list, and a second revoke is 404', async () => {
  assert.equal((await post('/v3/lease/grant', '{"TTL":"60","ID":"3000"}')).status, 200);
  await post('/v3/kv/put', `{"key":"${b64('rk/a')}","value":"${b64('1')}","lease":"3000"}`);
  await post('/v3/kv/put', `{"key":"${b64('rk/b')}","value":"${b64('1')}","lease":"3000"}`);
  const before = running.member.applier.revision;
  assert.deepEqual(await post('/v3/kv/lease/revoke', '{"ID":"3000"}'), ok(`{"header":${header()}}`));
  assert.equal(running.member.applier.revision, before + 1, 'both keys deleted in one revision');
  assert.deepEqual(await post('/v3/kv/range', `{"key":"${b64('rk/')}","range_end":"${b64('rk0')}"}`), ok(`{"header":${header()}}`));
  assert.deepEqual(await post('/v3/lease/timetolive', '{"ID":"3000","keys":true}'), ok(`{"header":${header()},"ID":"3000","TTL":"-1"}`));
  assert.doesNotMatch((await post('/v3/lease/leases', '{}')).body, /"3000"/);
  assert.deepEqual(await post('/v3/lease/revoke', '{"ID":"3000"}'), failure(404, 5, 'etcdserver: requested lease not found'));
});

test('leases lists every lease by ID, at /v3/lease/leases and /v3/kv/lease/leases; unknown fields are ignored', async () => {
  await post('/v3/lease/grant', '{"TTL":"60","ID":"4000"}');
  const ids = (await running.lease.leases()).leases.map((lease) => `{"ID":"${lease.ID}"}`).join(',');
  assert.match(ids, /\{"ID":"4000"\}/);
  assert.deepEqual(await post('/v3/lease/leases', '{}'), ok(`{"header":${header()},"leases":[${ids}]}`));
  assert.deepEqual(await post('/v3/kv/lease/leases', ''), ok(`{"header":${header()},"leases":[${ids}]}`));
  assert.deepEqual(await post('/v3beta/kv/lease/leases', '{"anything":1}'), ok(`{"header":${header()},"leases":[${ids}]}`));
});

test('a negative ID is a lease like any other, as on etcd 3.4: granted, listed, holding keys apart from lease 1, revoked with them', async () => {
  assert.deepEqual(await post('/v3/lease/grant', '{"TTL":30,"ID":-5}'), ok(`{"header":${header()},"ID":"-5","TTL":"30"}`));
  assert.match((await post('/v3/lease/leases', '{}')).body, /"leases":\[\{"ID":"-5"\},/, 'listed first, by id');
  assert.deepEqual(await post('/v3/kv/put', `{"key":"${b64('nk/a')}","value":"${b64('b')}","lease":-5}`), ok(`{"header":${header()}}`));
  assert.match((await post('/v3/kv/range', `{"key":"${b64('nk/a')}"}`)).body, /"value":"Yg==","lease":"-5"\}/);
  await post('/v3/lease/grant', '{"TTL":30,"ID":-1}');
  await post('/v3/lease/grant', '{"TTL":30,"ID":1}');
  await post('/v3/kv/put', `{"key":"${b64('nk/minus-one')}","value":"${b64('b')}","lease":"-1"}`);
  await post('/v3/kv/put', `{"key":"${b64('nk/one')}","value":"${b64('b')}","lease":"1"}`);
  const live = await timeToLive('{"ID":-5,"keys":true}');
  assert.deepEqual(live.answer, ok(`{"header":${header()},"ID":"-5","TTL":"T","grantedTTL":"30","keys":["${b64('nk/a')}"]}`));
  assert.ok(live.ttl >= 29 && live.ttl <= 30, `remaining ${live.ttl}`);
  const keysOfLease = async (id: number): Promise<string[]> => {
    const { keys } = JSON.parse((await post('/v3/lease/timetolive', `{"ID":${id},"keys":true}`)).body) as { keys?: string[] };
    return (keys ?? []).map((key) => Buffer.from(key, 'base64').toString());
  };
  assert.deepEqual(await keysOfLease(-1), ['nk/minus-one']);
  assert.deepEqual(await keysOfLease(1), ['nk/one']);
  assert.match((await keepAlive('{"ID":"-5"}')).body, /"ID":"-5","TTL":"30"\}\}\n$/);
  assert.deepEqual(await post('/v3/lease/revoke', '{"ID":"-1"}'), ok(`{"header":${header()}}`));
  const left = await post('/v3/kv/range', `{"key":"${b64('nk/')}","range_end":"${b64('nk0')}","keys_only":true}`);
  assert.deepEqual([...left.body.matchAll(/"key":"([^"]+)"/g)].map((match) => Buffer.from(match[1]!, 'base64').toString()), ['nk/a', 'nk/one']);
  for (const ID of ['-5', '1']) assert.equal((await post('/v3/lease/revoke', `{"ID":"${ID}"}`)).status, 200);
  assert.deepEqual(await post('/v3/kv/range', `{"key":"${b64('nk/')}","range_end":"${b64('nk0')}"}`), ok(`{"header":${header()}}`));
  assert.deepEqual(await post('/v3/lease/revoke', '{"ID":"-5"}'), failure(404, 5, 'etcdserver: requested lease not found'));
});

test('grant errors: an existing ID is 412 code 9, a TTL over 9,000,000,000 s is 400 code 11, an ID beyond 2^53 is refused', async () => {
  await post('/v3/lease/grant', '{"TTL":"60","ID":"5000"}');
  assert.deepEqual(await post('/v3/lease/grant', '{"TTL":"60","ID":"5000"}'), failure(412, 9, 'etcdserver: lease already exists'));
  assert.deepEqual(await post('/v3/lease/grant', '{"TTL":9000000001,"ID":5001}'), failure(400, 11, 'etcdserver: too large lease TTL'));
  assert.deepEqual(await post('/v3/lease/grant', '{"TTL":"9223372036854775807","ID":5001}'), failure(400, 11, 'etcdserver: too large lease TTL'));
  assert.deepEqual(await post('/v3/lease/grant', '{"TTL":60,"ID":"9007199254740993"}'),
    failure(400, 3, 'cairn: ID 9007199254740993 is outside the supported range (|n| <= 2^53-1)'));
  assert.deepEqual(await post('/v3/lease/grant', '{"TTL":60,"ID":"-9007199254740992"}'),
    failure(400, 3, 'cairn: ID -9007199254740992 is outside the supported range (|n| <= 2^53-1)'));
});

test('malformed bodies and wrong types are 400 code 3 with Go\'s message; unknown fields are ignored', async () => {
  assert.deepEqual(await post('/v3/lease/grant', '{"TTL":"x"}'), failure(400, 3, "invalid character 'x' looking for beginning of value"));
  assert.deepEqual(await post('/v3/lease/grant', '{"TTL":30.5}'), failure(400, 3, 'json: cannot unmarshal number 30.5 into Go value of type int64'));
  assert.deepEqual(await post('/v3/lease/revoke', '[]'), failure(400, 3, 'json: cannot unmarshal array into Go value of type map[string]json.RawMessage'));
  assert.deepEqual(await post('/v3/lease/timetolive', '{"ID":"1","keys":"yes"}'), failure(400, 3, 'json: cannot unmarshal string into Go value of type bool'));
  assert.deepEqual(await post('/v3/lease/leases', '{"a":'), failure(400, 3, 'unexpected EOF'));
  assert.deepEqual(await post('/v3/lease/grant', '{"ttl":30,"id":6000,"TTL":30,"ID":6000,"extra":{"x":[1]}}'),
    ok(`{"header":${header()},"ID":"6000","TTL":"30"}`));
});

test('keepalive answers each request object of the body with a line, in order, then ends the response', async () => {
  await post('/v3/lease/grant', '{"TTL":"60","ID":"7000"}');
  const answer = await keepAlive('{"ID":"7000"}{"ID":7001} {"ID":"7000"}\n{}null');
  assert.equal(answer.status, 200);
  assert.equal(answer.headers['content-type'], 'application/json');
  assert.equal(answer.headers['transfer-encoding'], 'chunked');
  assert.equal(answer.headers['grpc-metadata-content-type'], 'application/grpc');
  assert.equal(answer.headers['access-control-allow-origin'], '*');
  const renewed = `{"result":{"header":${header()},"ID":"7000","TTL":"60"}}\n`;
  const unknown = `{"result":{"header":${header()},"ID":"7001"}}\n`;
  const zero = `{"result":{"header":${header()}}}\n`;
  assert.equal(answer.body, renewed + unknown + renewed + zero + zero);
  const beta = await keepAlive('{"ID":"7000"}', app.port);
  assert.equal(beta.body, renewed);
});

test('a keepalive renews: the lease\'s remaining TTL goes back to its granted TTL', async () => {
  await post('/v3/lease/grant', '{"TTL":"3","ID":"7100"}');
  await new Promise((resolve) => setTimeout(resolve, 1100));
  assert.ok((await timeToLive('{"ID":"7100"}')).ttl <= 1);
  assert.equal((await keepAlive('{"ID":"7100"}')).body, `{"result":{"header":${header()},"ID":"7100","TTL":"3"}}\n`);
  assert.ok((await timeToLive('{"ID":"7100"}')).ttl >= 2);
  await post('/v3/lease/revoke', '{"ID":"7100"}');
});

test('keep-alives sent while the response streams are each answered as they arrive', async () => {
  await post('/v3/lease/grant', '{"TTL":"60","ID":"7200"}');
  const client = WatchClient.streaming(app.port, '{"ID":"7200"}', '/v3/lease/keepalive');
  try {
    assert.equal((await client.head).status, 200);
    const renewed = `{"result":{"header":${header()},"ID":"7200","TTL":"60"}}`;
    assert.equal(await client.line(), renewed);
    client.write('{"ID":');
    client.write('"7200"}');
    assert.equal(await client.line(), renewed);
    client.write('{"ID":"7201"}');
    assert.equal(await client.line(), `{"result":{"header":${header()},"ID":"7201"}}`);
    client.endBody();
    assert.equal(await within(client.body, 'the end of the answer'), `${renewed}\n${renewed}\n{"result":{"header":${header()},"ID":"7201"}}\n`);
  } finally {
    client.close();
  }
});

test('an empty keepalive body is answered 200 at once, with no body and no gRPC metadata', async () => {
  const answer = await keepAlive('');
  assert.equal(answer.status, 200);
  assert.equal(answer.headers['content-type'], 'application/json');
  assert.equal(answer.headers['grpc-metadata-content-type'], undefined);
  assert.equal(answer.body, '');
});

test('a first keepalive object that cannot be decoded is 500 code 2; a later one ends the stream after the answers due', async () => {
  for (const [body, message] of [['x', "invalid character 'x' looking for beginning of value"], ['{"ID":"x"}', "invalid character 'x' looking for beginning of value"],
    ['[]', 'json: cannot unmarshal array into Go value of type map[string]json.RawMessage'], ['{"ID":"7000"', 'unexpected EOF']] as const) {
    const answer = await keepAlive(body);
    assert.equal(answer.status, 500, body);
    assert.equal(answer.headers['grpc-metadata-content-type'], undefined);
    assert.equal(answer.body, JSON.stringify({ error: message, message, code: 2 }), body);
  }
  const renewed = `{"result":{"header":${header()},"ID":"7000","TTL":"60"}}\n`;
  for (const body of ['{"ID":"7000"}x{"ID":"7000"}', '{"ID":"7000"}{"ID":"x"}{"ID":"7000"}', '{"ID":"7000"}{"ID":"7000"', '{"ID":"7000"}[]']) {
    const answer = await keepAlive(body);
    assert.deepEqual([answer.status, answer.body], [200, renewed], body);
  }
});

test('a keepalive body of more objects than may wait for an answer is read as answers go out, all of them in order', async () => {
  const count = 3 * KEEPALIVES_READ_AHEAD_MAX + 5;
  await post('/v3/lease/grant', '{"TTL":"60","ID":"7300"}');
  const ids = Array.from({ length: count }, (_, i) => (i % 2 === 0 ? 7300 : 7301 + i));
  const answer = await keepAlive(ids.map((id) => `{"ID":"${id}"}`).join(''));
  const lines = answer.body.split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, count);
  assert.deepEqual(lines.map((line) => Number(/"ID":"(\d+)"/.exec(line)?.[1])), ids);
});

test('a keepalive body that keeps coming while its reading is held back fails the stream with "too many requests"', async () => {
  const body = Buffer.from('{"ID":"1"}'.repeat(Math.ceil((HELD_BACK_BYTES_MAX + 1024 * 1024) / 10)));
  // fetch keeps the connection open (WatchClient's "Connection: close" would have uWS close the
  // socket under the unread rest of the body, and the client lose the end of the answer).
  const response = await fetch(`http://127.0.0.1:${app.port}/v3/lease/keepalive`, { method: 'POST', body });
  const answer = { body: await within(response.text(), 'the end of the answer') };
  const error = '{"error":{"grpc_code":8,"http_code":429,"message":"etcdserver: too many requests","http_status":"Too Many Requests"}}';
  assert.ok(answer.body.endsWith(error), answer.body.slice(-200));
  const lines = answer.body.slice(0, -error.length).split('\n').filter((line) => line !== '');
  assert.ok(lines.length < body.length / 10, `${lines.length} answered before the failure`);
  for (const line of lines) assert.equal(line, `{"result":{"header":${header()},"ID":"1"}}`);
});

test('a lease that expires is revoked with its keys; a keepalive of it then answers no TTL', async () => {
  await post('/v3/lease/grant', '{"TTL":"1","ID":"8000"}');
  await post('/v3/kv/put', `{"key":"${b64('ek')}","value":"${b64('1')}","lease":"8000"}`);
  const deadline = Date.now() + 5000;
  while ((await post('/v3/lease/timetolive', '{"ID":"8000"}')).body.includes('"grantedTTL"')) {
    assert.ok(Date.now() < deadline, 'the lease expired in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual(await post('/v3/kv/range', `{"key":"${b64('ek')}"}`), ok(`{"header":${header()}}`));
  assert.equal((await keepAlive('{"ID":"8000"}')).body, `{"result":{"header":${header()},"ID":"8000"}}\n`);
});

test('lease paths: other methods are 405, OPTIONS is 200, grant and keepalive have no /v3/kv/lease/ path', async () => {
  const base = `http://127.0.0.1:${app.port}`;
  for (const path of ['/v3/lease/grant', '/v3/kv/lease/revoke', '/v3/lease/keepalive']) {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const answer = await fetch(`${base}${path}`, { method });
      assert.deepEqual([answer.status, answer.headers.get('content-type'), await answer.text()],
        [405, 'text/plain; charset=utf-8', 'Method Not Allowed\n'], `${method} ${path}`);
    }
    const preflight = await fetch(`${base}${path}`, { method: 'OPTIONS' });
    assert.deepEqual([preflight.status, await preflight.text()], [200, '']);
  }
  for (const path of ['/v3/kv/lease/grant', '/v3/kv/lease/keepalive', '/v3/lease/leases/']) {
    assert.deepEqual(await post(path, '{}'), { status: 404, contentType: 'text/plain; charset=utf-8', body: 'Not Found\n' }, path);
  }
});

test('on a follower, keepalive and timetolive reach the leader\'s lessor and grant and revoke go through Raft', async () => {
  // One leader and one term throughout: the expected headers name them.
  const three = new TestCluster(3, ETCD_TIMINGS);
  const apps: HttpApp[] = [];
  try {
    await three.startAll();
    const leader = await three.leader();
    const follower = [...three.members.values()].find((member) => member !== leader)!;
    const followerApp = await gatewayOn(follower);
    apps.push(followerApp);
    const port = followerApp.port;
    assert.deepEqual(await post('/v3/lease/grant', '{"TTL":"60","ID":"9000"}', port), ok(`{"header":${header(follower)},"ID":"9000","TTL":"60"}`));
    await post('/v3/kv/put', `{"key":"${b64('fk')}","value":"${b64('1')}","lease":"9000"}`, port);
    assert.equal((await keepAlive('{"ID":"9000"}{"ID":"9001"}', port)).body,
      `{"result":{"header":${header(follower)},"ID":"9000","TTL":"60"}}\n{"result":{"header":${header(follower)},"ID":"9001"}}\n`);
    const ttl = await timeToLive('{"ID":"9000","keys":true}', port);
    assert.deepEqual(ttl.answer, ok(`{"header":${header(follower)},"ID":"9000","TTL":"T","grantedTTL":"60","keys":["${b64('fk')}"]}`));
    assert.ok(ttl.ttl >= 59, `remaining ${ttl.ttl}`);
    assert.deepEqual(await post('/v3/lease/leases', '{}', port), ok(`{"header":${header(follower)},"leases":[{"ID":"9000"}]}`));
    assert.deepEqual(await post('/v3/lease/revoke', '{"ID":"9000"}', port), ok(`{"header":${header(follower)}}`));
    assert.deepEqual(await post('/v3/lease/timetolive', '{"ID":"9000"}', port), ok(`{"header":${header(follower)},"ID":"9000","TTL":"-1"}`));
  } finally {
    for (const http of apps) http.close();
    await three.close();
  }
});
