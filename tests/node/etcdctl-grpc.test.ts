/**
 * Real etcdctl 3.4 (Debian's etcd-client) against a cairn member's gRPC endpoint: the commands an
 * etcd user runs first, with the output etcdctl prints for real etcd.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { etcdServerOf, TestCluster, type RunningMember } from './cluster-harness.js';
import { GrpcEndpoint } from '../../net/grpc/grpc-server.js';

const ETCDCTL = '/usr/bin/etcdctl';

let cluster: TestCluster;
let endpoint: GrpcEndpoint;
let leader: RunningMember;

/** Runs etcdctl with `stdin` as its input; resolves with {code, stdout, stderr}. */
function etcdctlRun(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(ETCDCTL, [`--endpoints=127.0.0.1:${endpoint.port}`, '--command-timeout=5s', ...args],
      { env: { ...process.env, ETCDCTL_API: '3' }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (error.code as number) ?? 1 : 0, stdout, stderr }));
    child.stdin!.end(stdin);
  });
}

async function etcdctl(...args: string[]): Promise<string> {
  const { code, stdout, stderr } = await etcdctlRun(args);
  if (code !== 0) throw new Error(`etcdctl ${args.join(' ')} failed: ${stderr}`);
  return stdout;
}

async function etcdctlFails(args: string[], stdin = ''): Promise<string> {
  const { code, stderr } = await etcdctlRun(args, stdin);
  assert.notEqual(code, 0, `etcdctl ${args.join(' ')} should have failed`);
  return stderr;
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
});

after(async () => {
  await endpoint.close();
  await cluster.close();
});

test('etcdctl put, get with flags, del', async () => {
  assert.equal(await etcdctl('put', 'foo', 'bar'), 'OK\n');
  assert.equal(await etcdctl('put', 'foo2', 'bar2'), 'OK\n');
  assert.equal(await etcdctl('put', 'goo', 'x'), 'OK\n');
  assert.equal(await etcdctl('get', 'foo'), 'foo\nbar\n');
  assert.equal(await etcdctl('get', 'foo', '--prefix'), 'foo\nbar\nfoo2\nbar2\n');
  assert.equal(await etcdctl('get', 'foo', '--prefix', '--keys-only'), 'foo\n\nfoo2\n\n');
  assert.equal(await etcdctl('get', 'foo', '--prefix', '--print-value-only'), 'bar\nbar2\n');
  assert.equal(await etcdctl('get', 'f', '--from-key', '--limit', '2'), 'foo\nbar\nfoo2\nbar2\n');
  assert.equal(await etcdctl('get', 'foo', '--prefix', '--sort-by', 'KEY', '--order', 'DESCEND'), 'foo2\nbar2\nfoo\nbar\n');
  assert.equal(await etcdctl('get', 'foo', '--rev', '2'), 'foo\nbar\n');
  const json = JSON.parse(await etcdctl('get', 'foo', '-w', 'json')) as { header: { revision: number }; kvs: { key: string; value: string }[]; count: number };
  assert.equal(json.header.revision, 4);
  assert.equal(Buffer.from(json.kvs[0]!.value, 'base64').toString(), 'bar');
  assert.equal(json.count, 1);
  assert.equal(await etcdctl('del', 'foo', '--prefix'), '2\n');
  assert.equal(await etcdctl('get', 'foo', '--prefix'), '');
});

test('etcdctl txn in scripted mode', async () => {
  await etcdctl('put', 'user', 'alice');
  const script = 'value("user") = "alice"\n\nput user bob\n\nput user carol\n\n';
  const { code, stdout } = await etcdctlRun(['txn'], script);
  assert.equal(code, 0);
  assert.equal(stdout, 'SUCCESS\n\nOK\n');
  assert.equal(await etcdctl('get', 'user', '--print-value-only'), 'bob\n');
});

test('etcdctl compaction, then a read below it fails with etcd\'s message', async () => {
  await etcdctl('put', 'c', '1');
  const revision = (JSON.parse(await etcdctl('get', 'c', '-w', 'json')) as { header: { revision: number } }).header.revision;
  assert.equal(await etcdctl('compaction', String(revision)), `compacted revision ${revision}\n`);
  const stderr = await etcdctlFails(['get', 'c', '--rev', '1']);
  assert.match(stderr, /etcdserver: mvcc: required revision has been compacted/);
});

test('etcdctl endpoint health, endpoint status and member list', async () => {
  const { stdout, stderr } = await etcdctlRun(['endpoint', 'health']);
  assert.match(stdout + stderr, new RegExp(`127.0.0.1:${endpoint.port} is healthy: successfully committed proposal: took = `));
  const status = await etcdctl('endpoint', 'status', '-w', 'json');
  const [row] = JSON.parse(status) as { Status: { leader: number; raft_term: number; header: { member_id: number } } }[];
  assert.equal(row!.Status.leader, 1);
  assert.equal(row!.Status.header.member_id, 1);
  assert.equal(await etcdctl('member', 'list'), `1, started, one, http://127.0.0.1:2380, http://127.0.0.1:${endpoint.port}, false\n`);
});

test('etcdctl sees etcd\'s errors for an empty key and an oversized request', async () => {
  assert.match(await etcdctlFails(['put', '', 'v']), /etcdserver: key is not provided/);
  // etcdctl reads the value from stdin when only the key is given (argv cannot hold 1.6 MB).
  assert.match(await etcdctlFails(['put', 'big'], 'x'.repeat(1.6 * 1024 * 1024)), /etcdserver: request is too large/);
  assert.equal(await etcdctl('get', 'big'), '', 'the refused put changed nothing');
});
