/**
 * A large Range over gRPC goes out in pages the apply worker encodes as the client takes them:
 * real etcdctl 3.4 reads it whole (plain, keys-only, sorted, limited), and a client that stops
 * reading holds only the pages in flight, while a client that goes away drops the read, so a
 * compaction it was holding back goes on.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http2 from 'node:http2';
import { GrpcEndpoint } from '../../net/grpc/grpc-server.js';
import { etcdService } from '../../net/grpc/protos.js';
import { TestCluster, bytes, etcdServerOf, type RunningMember } from '../node/cluster-harness.js';

const KEYS = 2000;
/** 2,000 values of 2 KiB: about 16 pages of RANGE_PAGE_BYTES. */
const VALUE_BYTES = 2048;

let cluster: TestCluster;
let endpoint: GrpcEndpoint;
let leader: RunningMember;

function keyName(i: number): string {
  return `big/${String(i).padStart(5, '0')}`;
}

/** A gRPC-framed RangeRequest for every key under big/. */
function rangeFrame(): Buffer {
  const request = etcdService('KV').Range!.requestSerialize({ key: bytes('big/'), range_end: bytes('big0') });
  const framed = Buffer.alloc(5 + request.length);
  framed.writeUInt32BE(request.length, 1);
  request.copy(framed, 5);
  return framed;
}

function etcdctl(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/etcdctl', [`--endpoints=127.0.0.1:${endpoint.port}`, '--command-timeout=20s', ...args],
      { env: { ...process.env, ETCDCTL_API: '3' }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => (error ? reject(new Error(`etcdctl ${args.join(' ')}: ${stderr}`)) : resolve(stdout)));
  });
}

before(async () => {
  cluster = new TestCluster(1);
  await cluster.startAll();
  leader = await cluster.leader();
  endpoint = await GrpcEndpoint.listen({
    server: etcdServerOf(leader,
      () => [{ id: 1, name: 'one', peerUrls: ['http://127.0.0.1:2380'], clientUrls: [`http://127.0.0.1:${endpoint.port}`], isLearner: false }]),
    host: '127.0.0.1', port: 0, maxRequestBytes: 1.5 * 1024 * 1024,
  });
  for (let i = 0; i < KEYS; i += 100) {
    const success = Array.from({ length: 100 }, (_, j) => ({
      request_put: { key: bytes(keyName(i + j)), value: Buffer.alloc(VALUE_BYTES, String.fromCharCode(97 + ((i + j) % 26))) },
    }));
    await leader.kv.txn({ success });
  }
});

after(async () => {
  await endpoint.close();
  await cluster.close();
});

test('etcdctl reads a range of many pages whole: plain, keys only, sorted, limited', { timeout: 60_000 }, async () => {
  const lines = (await etcdctl('get', 'big/', '--prefix')).split('\n');
  assert.equal(lines.length, 2 * KEYS + 1);
  for (const i of [0, 1, 777, KEYS - 1]) {
    assert.equal(lines[2 * i], keyName(i));
    assert.equal(lines[2 * i + 1], String.fromCharCode(97 + (i % 26)).repeat(VALUE_BYTES));
  }
  assert.equal((await etcdctl('get', 'big/', '--prefix', '--keys-only')).split('\n').filter((line) => line !== '').length, KEYS);
  const sorted = (await etcdctl('get', 'big/', '--prefix', '--sort-by=VALUE', '--order=DESCEND', '--print-value-only')).split('\n');
  assert.equal(sorted[0]![0], 'z');
  assert.equal(sorted[KEYS - 1]![0], 'a');
  const json = JSON.parse(await etcdctl('get', 'big/', '--prefix', '--limit=1500', '-w', 'json')) as { kvs: unknown[]; more: boolean; count: number };
  assert.equal(json.kvs.length, 1500);
  assert.equal(json.more, true);
  assert.equal(json.count, KEYS);
});

test('a call cancelled before its range is read holds no place among the paged ranges', { timeout: 60_000 }, async () => {
  const session = http2.connect(`http://127.0.0.1:${endpoint.port}`);
  const stream = session.request({ ':method': 'POST', ':path': '/etcdserverpb.KV/Range', 'content-type': 'application/grpc', te: 'trailers' });
  stream.end(rangeFrame());
  stream.close(http2.constants.NGHTTP2_CANCEL);
  // Reads answer in order: once a later full range is read, the cancelled one has been answered too.
  await etcdctl('get', 'big/', '--prefix', '--keys-only');
  session.close();
  assert.equal(leader.member.applier.pagedReadsOpen, 0);
});

test('a client that stops reading holds the range back only until it goes away: then a compaction goes on', { timeout: 60_000 }, async () => {
  const session = http2.connect(`http://127.0.0.1:${endpoint.port}`, { settings: { initialWindowSize: 65_535 } });
  const stream = session.request({ ':method': 'POST', ':path': '/etcdserverpb.KV/Range', 'content-type': 'application/grpc', te: 'trailers' });
  stream.end(rangeFrame());
  // Take the response headers and the first bytes, then stop reading.
  await new Promise<void>((resolve) => stream.once('data', () => { stream.pause(); resolve(); }));
  const revision = leader.member.applier.revision;
  await leader.kv.put({ key: bytes('big/00000'), value: bytes('rewritten') });
  let compacted = false;
  const compaction = leader.kv.compact({ revision: revision + 1, physical: true }).then(() => { compacted = true; });
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(compacted, false, 'the compaction waits for the range reading below it');
  stream.close(http2.constants.NGHTTP2_CANCEL);
  await compaction;
  session.close();
  assert.equal((await etcdctl('get', 'big/00000', '--print-value-only')).trim(), 'rewritten');
});
