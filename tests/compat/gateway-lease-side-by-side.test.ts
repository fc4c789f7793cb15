/**
 * The JSON gateway's Lease calls side by side: the same POSTs to real etcd 3.4's gateway and to
 * cairn's, in the same order; status, content type and body compared after masking cluster id,
 * member id and raft term (and the one lease id each server picks itself). Leases are granted
 * with explicit ids so the rest can match byte for byte; both stores start empty, so revisions are
 * compared as they are. A lease's keys, which etcd lists in Go map order, are compared sorted.
 * cairn runs with etcd's default election timeout (1 s), so both have the same minimum TTL (2 s).
 * Remaining TTLs are read half a second after a grant or renewal, so both round 59.5 s down to the
 * same 59. etcd lists leases by expiry and cairn by id: the leases listed are granted in id order.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ProcessCluster } from '../cluster/process-cluster.js';
import { WatchClient, within } from '../gateway/watch-client.js';
import { EtcdProcess, requireBinaries } from './etcd-process.js';

interface Target {
  name: string;
  base: string;
  port: number;
  /** The id this server picked for a grant without one. */
  pickedId: string;
}

interface Answer {
  status: number;
  contentType: string | null;
  body: string;
}

let etcd: EtcdProcess | undefined;
let cairn: ProcessCluster | undefined;
const targets: Target[] = [];

before(async () => {
  requireBinaries();
  cairn = new ProcessCluster(1, 100, 1000, true);
  const started = await Promise.allSettled([EtcdProcess.start().then((p) => { etcd = p; }), cairn.start()]);
  for (const result of started) if (result.status === 'rejected') throw result.reason;
  await cairn.leader();
  const m = cairn.members[0]!;
  // cairn's lessor takes up leadership on its next check (every 500 ms) or at the first keep-alive
  // or time-to-live; a lease granted before that would get an elected leader's extra time.
  const answer = await fetch(`http://127.0.0.1:${m.httpPort}/v3/lease/timetolive`, { method: 'POST', body: '{"ID":"1"}' });
  assert.equal(answer.status, 200);
  targets.push(
    { name: 'etcd', base: `http://${etcd!.address}`, port: etcd!.clientPort, pickedId: '' },
    { name: 'cairn', base: `http://127.0.0.1:${m.httpPort}`, port: m.httpPort, pickedId: '' },
  );
});

after(async () => {
  await Promise.all([etcd?.close(), cairn?.close()]);
});

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Masks what differs between two clusters. etcd lists a lease's keys in Go map order (random), so
 * they are compared sorted.
 */
function mask(text: string): string {
  return text.replace(/"(cluster_id|member_id|raft_term)":"\d+"/g, '"$1":"N"')
    .replace(/"keys":\[([^\]]*)\]/, (_, keys: string) => `"keys":[${keys.split(',').sort().join(',')}]`);
}

async function call(target: Target, path: string, body: string, method = 'POST'): Promise<Answer> {
  const answer = await fetch(`${target.base}${path}`, method === 'POST' ? { method, body } : { method });
  return { status: answer.status, contentType: answer.headers.get('content-type'), body: mask(await answer.text()) };
}

/** The same call on both, in order; asserts cairn answers as etcd did and etcd with `status`; returns etcd's answer. */
async function same(path: string, body: string | ((target: Target) => string), status: number, method = 'POST'): Promise<Answer> {
  const answers: Answer[] = [];
  for (const target of targets) answers.push(await call(target, path, typeof body === 'string' ? body : body(target), method));
  const what = `${method} ${path} ${typeof body === 'string' ? body : body(targets[1]!)}`;
  assert.equal(answers[0]!.status, status, `etcd: ${what}: ${answers[0]!.body}`);
  assert.deepEqual(answers[1], answers[0], what);
  return answers[0]!;
}

/** A keep-alive body POSTed whole to both; status, content type, gRPC metadata and streamed body compared. */
async function sameKeepAlive(body: string, status: number): Promise<string> {
  const answers = await Promise.all(targets.map(async (target) => {
    const client = WatchClient.open(target.port, body, '/v3/lease/keepalive');
    try {
      const head = await within(client.head, `${target.name}'s answer`);
      return {
        status: head.status, contentType: head.headers['content-type'], metadata: head.headers['grpc-metadata-content-type'],
        body: mask(await within(client.body, `the end of ${target.name}'s answer`)),
      };
    } finally {
      client.close();
    }
  }));
  assert.equal(answers[0]!.status, status, `etcd: ${body}: ${answers[0]!.body}`);
  assert.deepEqual(answers[1], answers[0], body);
  return answers[0]!.body;
}

test('grant: explicit ids, TTLs raised to the minimum or refused as too large, duplicates and malformed bodies answer as etcd', async () => {
  await same('/v3/lease/grant', '{"TTL":"60","ID":"1500"}', 200);
  await same('/v3/lease/grant', '{"TTL":60,"ID":1500}', 412);
  await same('/v3/lease/revoke', '{"ID":"1500"}', 200);
  await same('/v3/lease/grant', '{"TTL":1,"ID":"2000"}', 200);
  await same('/v3/lease/revoke', '{"ID":"2000"}', 200);
  await same('/v3beta/lease/grant', '{"TTL":"-5","ID":"2001"}', 200);
  await same('/v3/kv/lease/revoke', '{"ID":2001}', 200);
  await same('/v3/lease/grant', '{"TTL":9000000001,"ID":2002}', 400);
  await same('/v3/lease/grant', '{"TTL":"9000000000","ID":"9000"}', 200);
  await same('/v3/lease/grant', '{"ttl":30,"id":7,"TTL":"60","ID":"300","other":[1,{}]}', 200);
  for (const body of ['{"TTL":"x"}', '{"TTL":true}', '{"TTL":30,"ID":9223372036854775808}', '{"TTL":30,"ID":"1e3"}', '{"TTL":30.5}',
    '[]', '"str"', '{"TTL":30,"ID":"802"', '{"TTL":30,"ID":{}}']) {
    await same('/v3/lease/grant', body, 400);
  }
  const picked = await Promise.all(targets.map((target) => call(target, '/v3/lease/grant', '{"TTL":"60"}')));
  for (const [index, answer] of picked.entries()) {
    const id = /"ID":"(\d+)"/.exec(answer.body)?.[1];
    assert.ok(id !== undefined, answer.body);
    targets[index]!.pickedId = id;
  }
  const [etcdPicked, cairnPicked] = picked.map((answer) => ({ ...answer, body: answer.body.replace(/"ID":"\d+"/, '"ID":"PICKED"') }));
  assert.deepEqual(cairnPicked, etcdPicked, 'a grant without an id');
  await same('/v3/lease/revoke', (target) => `{"ID":"${target.pickedId}"}`, 200);
});

test('puts with a lease through /v3/kv/put, timetolive with and without keys, and unknown leases answer as etcd', async () => {
  const grantedAt = Date.now();
  await same('/v3/lease/grant', '{"TTL":"60","ID":"1000"}', 200);
  await same('/v3/kv/put', `{"key":"${b64('lk/a')}","value":"${b64('1')}","lease":"1000"}`, 200);
  await same('/v3/kv/put', `{"key":"${b64('lk/b')}","value":"${b64('2')}","lease":1000}`, 200);
  await same('/v3/kv/put', `{"key":"${b64('lk/c')}","value":"${b64('3')}","lease":"999"}`, 404);
  await same('/v3/kv/range', `{"key":"${b64('lk/')}","range_end":"${b64('lk0')}"}`, 200);
  // Half a second after the grant, not after the calls since: on a loaded machine they may take
  // most of a second themselves.
  await sleep(Math.max(0, grantedAt + 500 - Date.now()));
  const withKeys = await same('/v3/lease/timetolive', '{"ID":"1000","keys":true}', 200);
  assert.match(withKeys.body, /"ID":"1000","TTL":"59","grantedTTL":"60","keys":\[/);
  await same('/v3/kv/lease/timetolive', '{"ID":1000}', 200);
  await same('/v3beta/kv/lease/timetolive', '{"ID":"1000","keys":null}', 200);
  await same('/v3/lease/timetolive', '{"ID":"999","keys":true}', 200);
  await same('/v3/lease/timetolive', '{}', 200);
  await same('/v3/lease/timetolive', '{"ID":"1000","keys":"yes"}', 400);
  await same('/v3/lease/timetolive', '{"ID":"1000","keys":1}', 400);
});

test('leases lists the same leases at every path; malformed bodies answer as etcd', async () => {
  const list = await same('/v3/lease/leases', '{}', 200);
  // etcd lists leases by expiry, cairn by id: these were granted in id order, 9000 with the longest TTL.
  assert.match(list.body, /"leases":\[\{"ID":"300"\},\{"ID":"1000"\},\{"ID":"9000"\}\]/);
  await same('/v3/kv/lease/leases', '', 200);
  await same('/v3beta/lease/leases', '{"anything":1}', 200);
  await same('/v3/lease/leases', 'x', 400);
  await same('/v3/lease/leases', '[]', 400);
  await same('/v3/lease/leases', '{"a":', 400);
});

test('keepalive streams: one line per request object in order, unknown leases without TTL, the end of the body ends them, and malformed objects', async () => {
  const renewed = await sameKeepAlive('{"ID":"1000"}', 200);
  assert.match(renewed, /^\{"result":\{"header":\{[^}]*\},"ID":"1000","TTL":"60"\}\}\n$/);
  await sameKeepAlive('{"ID":"1000"}{"ID":999} {"ID":"1000"}\n{"ID":300}', 200);
  await sameKeepAlive('{}', 200);
  await sameKeepAlive('null', 200);
  await sameKeepAlive('', 200);
  for (const body of ['x', '{"ID":"x"}', '[]', '{"ID":"1000"', '{"ID":true}']) await sameKeepAlive(body, 500);
  for (const body of ['{"ID":"1000"}x', '{"ID":"1000"}{"ID":"x"}{"ID":"1000"}', '{"ID":"1000"}{"ID":"1000"', '{"ID":"1000"}[] {"ID":"1000"}']) {
    await sameKeepAlive(body, 200);
  }
  await sleep(500);
  const afterRenewal = await same('/v3/lease/timetolive', '{"ID":"1000"}', 200);
  assert.match(afterRenewal.body, /"TTL":"59","grantedTTL":"60"/);
});

test('revoke deletes the lease\'s keys; then timetolive is -1, the list shrinks, and revokes of unknown leases are 404', async () => {
  await same('/v3/kv/lease/revoke', '{"ID":"1000"}', 200);
  await same('/v3/kv/range', `{"key":"${b64('lk/')}","range_end":"${b64('lk0')}"}`, 200);
  await same('/v3/lease/timetolive', '{"ID":"1000","keys":true}', 200);
  await same('/v3/lease/revoke', '{"ID":"1000"}', 404);
  await same('/v3/lease/revoke', '{}', 404);
  await same('/v3/lease/revoke', '{"ID":true}', 400);
  await same('/v3/lease/leases', '{}', 200);
  await sameKeepAlive('{"ID":"1000"}', 200);
});

test('a lease that expires takes its keys with it, as on etcd', async () => {
  await same('/v3/lease/grant', '{"TTL":"2","ID":"5000"}', 200);
  await same('/v3/kv/put', `{"key":"${b64('ek')}","value":"${b64('1')}","lease":"5000"}`, 200);
  await Promise.all(targets.map(async (target) => {
    const deadline = Date.now() + 10_000;
    while ((await call(target, '/v3/lease/timetolive', '{"ID":"5000"}')).body.includes('"grantedTTL"')) {
      assert.ok(Date.now() < deadline, `${target.name}: the lease expired in time`);
      await sleep(100);
    }
  }));
  await same('/v3/kv/range', `{"key":"${b64('ek')}"}`, 200);
  await same('/v3/lease/timetolive', '{"ID":"5000","keys":true}', 200);
  await sameKeepAlive('{"ID":"5000"}', 200);
});

test('negative lease ids are leases like any other: granted, holding keys apart from lease 1, listed, renewed and revoked as on etcd', async () => {
  await same('/v3/lease/grant', '{"TTL":30,"ID":-5}', 200);
  await same('/v3/lease/grant', '{"TTL":"30","ID":"-1"}', 200);
  await same('/v3/lease/grant', '{"TTL":30,"ID":1}', 200);
  await same('/v3/lease/grant', '{"TTL":30,"ID":-5}', 412);
  await same('/v3/kv/put', `{"key":"${b64('nk/a')}","value":"${b64('b')}","lease":-5}`, 200);
  await same('/v3/kv/put', `{"key":"${b64('nk/b')}","value":"${b64('b')}","lease":"-1"}`, 200);
  await same('/v3/kv/put', `{"key":"${b64('nk/c')}","value":"${b64('b')}","lease":1}`, 200);
  await same('/v3/kv/put', `{"key":"${b64('nk/d')}","value":"${b64('b')}","lease":-2}`, 404);
  await same('/v3/kv/range', `{"key":"${b64('nk/')}","range_end":"${b64('nk0')}"}`, 200);
  // etcd compares leases as int64s: -5 is less than no lease.
  const compared = await same('/v3/kv/txn', `{"compare":[{"key":"${b64('nk/a')}","target":"LEASE","result":"LESS","lease":"0"}]}`, 200);
  assert.match(compared.body, /"succeeded":true/);
  await sleep(500);
  for (const id of ['-5', '-1', '1']) await same('/v3/lease/timetolive', `{"ID":"${id}","keys":true}`, 200);
  // etcd lists by expiry: these expire before 300 and 9000, in the order granted, which is id order.
  const list = await same('/v3/lease/leases', '{}', 200);
  assert.match(list.body, /"leases":\[\{"ID":"-5"\},\{"ID":"-1"\},\{"ID":"1"\},/);
  await sameKeepAlive('{"ID":"-5"}{"ID":-2}', 200);
  await same('/v3/lease/revoke', '{"ID":"-1"}', 200);
  await same('/v3/kv/range', `{"key":"${b64('nk/')}","range_end":"${b64('nk0')}"}`, 200);
  await same('/v3/lease/revoke', '{"ID":-5}', 200);
  await same('/v3/lease/revoke', '{"ID":1}', 200);
  await same('/v3/lease/revoke', '{"ID":-5}', 404);
  await same('/v3/kv/range', `{"key":"${b64('nk/')}","range_end":"${b64('nk0')}"}`, 200);
});

test('other methods, preflights and paths etcd does not serve are answered as etcd answers them', async () => {
  for (const path of ['/v3/lease/grant', '/v3/kv/lease/revoke', '/v3/lease/timetolive', '/v3/lease/leases', '/v3/lease/keepalive']) {
    for (const method of ['GET', 'PUT', 'DELETE']) await same(path, '', 405, method);
    await same(path, '', 200, 'OPTIONS');
  }
  for (const path of ['/v3/kv/lease/grant', '/v3/kv/lease/keepalive', '/v3/lease/leases/', '/v3/lease']) await same(path, '{}', 404);
});
