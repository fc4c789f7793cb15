/**
 * The request fuzzer: seeded random KV, Txn and Lease requests, with key and value sizes at and
 * around every limit, sent to a 3-member cairn cluster of real processes and to a real etcd 3.4
 * side by side. Every answer must be etcd's (the same response, or the same error code and
 * message), and after each batch every member must be up, agree on HashKV at the same revision,
 * and read a known key back. A failing seed replays: CAIRN_FUZZ_SEED=<seed>.
 *
 * It also replays the put that once took a whole cluster down for good: a 1,971-byte key with a
 * lease, which overflowed LMDB's key limit in every member's apply.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { etcdClient } from '../../net/grpc/protos.js';
import { ETCDCTL, EtcdProcess } from '../compat/etcd-process.js';
import { ProcessCluster, call, type ClusterProcess } from './process-cluster.js';
import { RequestFuzzer, seededRandom, type FuzzRequest } from './request-fuzz-gen.js';

const SEED = Number(process.env.CAIRN_FUZZ_SEED ?? 20261207);
const BATCHES = 6;
const REQUESTS_PER_BATCH = 30;
/** gRPC's own refusal of an oversized message: its words are the gRPC library's, the code is etcd's. */
const RESOURCE_EXHAUSTED = 8;
const CALL_TIMEOUT_MS = 20_000;

type Client = grpc.Client & Record<string, Function>;
interface Endpoint { kv: Client; lease: Client }

let cluster: ProcessCluster;
let etcd: EtcdProcess;
let cairnEndpoint: Endpoint;
let etcdEndpoint: Endpoint;

function endpoint(address: string): Endpoint {
  const credentials = grpc.credentials.createInsecure();
  const options = { 'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': -1 };
  return {
    kv: new (etcdClient('KV'))(address, credentials, options) as unknown as Client,
    lease: new (etcdClient('Lease'))(address, credentials, options) as unknown as Client,
  };
}

before(async () => {
  // etcd's default timings: the test is about requests, not elections.
  cluster = new ProcessCluster(3, 100, 1000);
  [etcd] = await Promise.all([EtcdProcess.start(), cluster.start()]);
  await cluster.leader();
  cairnEndpoint = endpoint(`127.0.0.1:${cluster.members[0]!.clientPort}`);
  etcdEndpoint = endpoint(etcd.address);
});

after(async () => {
  for (const e of [cairnEndpoint, etcdEndpoint]) { e?.kv.close(); e?.lease.close(); }
  await Promise.all([cluster?.close(), etcd?.close()]);
});

/** What a call answered, without what differs by server by design (ids of member and cluster, terms). */
function outcome(method: FuzzRequest['method'], error: grpc.ServiceError | null, response: unknown): unknown {
  if (error !== null) return error.code === RESOURCE_EXHAUSTED ? { code: error.code } : { code: error.code, message: error.details };
  return strip(method, response);
}

function strip(method: string, value: unknown): unknown {
  if (Buffer.isBuffer(value) || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => strip(method, item));
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value)) {
    if (name === 'cluster_id' || name === 'member_id' || name === 'raft_term') continue;
    // The remaining TTL ticks on its own clock on each server.
    if (method === 'LeaseTimeToLive' && name === 'TTL') continue;
    // etcd lists a lease's keys in Go's map order, which changes from call to call.
    if (method === 'LeaseTimeToLive' && name === 'keys') {
      out[name] = [...(field as Buffer[])].sort(Buffer.compare);
      continue;
    }
    out[name] = strip(method, field);
  }
  return out;
}

function send(target: Endpoint, fuzz: FuzzRequest): Promise<unknown> {
  const client = fuzz.service === 'KV' ? target.kv : target.lease;
  return new Promise((resolve) => {
    client[fuzz.method]!(fuzz.request, { deadline: Date.now() + CALL_TIMEOUT_MS }, (error: grpc.ServiceError | null, response: unknown) =>
      resolve(outcome(fuzz.method, error, response)));
  });
}

/** A short description of a request for a failure message (no megabytes of filler). */
function describe(fuzz: FuzzRequest): string {
  return JSON.stringify(fuzz.request, (_name, value: unknown) => {
    if (value !== null && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') {
      const data = (value as { data: number[] }).data;
      return `<${data.length} bytes: ${Buffer.from(data.slice(0, 6)).toString('latin1')}...>`;
    }
    return value;
  }).slice(0, 600);
}

interface Status { header: { revision: string }; raftAppliedIndex?: string }

/** Every member up, at the same revision, with the same HashKV there, and the canary readable on each. */
async function checkMembers(canary: Buffer): Promise<void> {
  for (const member of cluster.members) {
    assert.equal(member.process?.exitCode, null, `${member.name} is still running:\n${member.output.join('').slice(-2000)}`);
  }
  const revisionOf = async (member: ClusterProcess): Promise<string> =>
    (await call<Status>(member.clients!.maintenance, 'Status', {}, 5000)).header.revision;
  let revisions: string[] = [];
  const deadline = Date.now() + 15_000;
  do {
    revisions = await Promise.all(cluster.members.map(revisionOf));
    if (new Set(revisions).size === 1) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  } while (Date.now() < deadline);
  assert.equal(new Set(revisions).size, 1, `the members reach one revision: ${revisions.join(', ')}`);
  const hashes = await Promise.all(cluster.members.map((member) =>
    call<{ hash: number }>(member.clients!.maintenance, 'HashKV', { revision: revisions[0] }, 10_000)));
  assert.equal(new Set(hashes.map((h) => h.hash)).size, 1, `HashKV at revision ${revisions[0]}: ${hashes.map((h) => h.hash).join(', ')}`);
  for (const member of cluster.members) {
    const got = await call<{ kvs: { value: Buffer }[] }>(member.clients!.kv, 'Range', { key: canary, serializable: true }, 5000);
    assert.equal(got.kvs[0]?.value.toString(), 'alive', `${member.name} reads the canary back`);
  }
}

test('seeded random requests at every size limit get etcd 3.4\'s answers, and the cluster stays up and consistent', { timeout: 600_000 }, async () => {
  const canary = Buffer.from('canary');
  const put = { service: 'KV', method: 'Put', request: { key: canary, value: Buffer.from('alive') } } satisfies FuzzRequest;
  assert.deepEqual(await send(cairnEndpoint, put), await send(etcdEndpoint, put));
  const fuzzer = new RequestFuzzer(seededRandom(SEED));
  for (let batch = 0; batch < BATCHES; batch++) {
    for (let i = 0; i < REQUESTS_PER_BATCH; i++) {
      const fuzz = fuzzer.next();
      const [cairnAnswer, etcdAnswer] = await Promise.all([send(cairnEndpoint, fuzz), send(etcdEndpoint, fuzz)]);
      assert.deepEqual(cairnAnswer, etcdAnswer, `seed ${SEED}, batch ${batch}, request ${i}: ${fuzz.method} ${describe(fuzz)}`);
      const revision = (etcdAnswer as { header?: { revision?: string } }).header?.revision;
      if (revision !== undefined) fuzzer.revision = Math.max(fuzzer.revision, Number(revision));
    }
    await checkMembers(canary);
  }
});

function etcdctl(endpoints: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(ETCDCTL, [`--endpoints=${endpoints}`, ...args], { env: { ...process.env, ETCDCTL_API: '3' }, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => (error ? reject(new Error(`etcdctl ${args[0]}: ${stderr}`)) : resolve(stdout)));
  });
}

test('etcdctl put --lease of a 1,971-byte key is accepted and every member serves it (it once made apply throw on every member)', { timeout: 60_000 }, async () => {
  const endpoints = cluster.members.map((m) => `127.0.0.1:${m.clientPort}`).join(',');
  const lease = /lease ([0-9a-f]+) granted/.exec(await etcdctl(endpoints, ['lease', 'grant', '600']))![1]!;
  const key = 'k'.repeat(1971);
  assert.equal((await etcdctl(endpoints, ['put', `--lease=${lease}`, key, 'v'])).trim(), 'OK');
  for (const member of cluster.members) {
    const got = await etcdctl(`127.0.0.1:${member.clientPort}`, ['get', key, '--consistency=s', '--print-value-only']);
    assert.equal(got.trim(), 'v', `${member.name} serves the key`);
  }
  assert.match(await etcdctl(endpoints, ['lease', 'timetolive', lease, '--keys']), new RegExp(`attached keys\\(\\[${key}\\]\\)`));
  await checkMembers(Buffer.from('canary'));
});
