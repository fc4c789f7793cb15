/**
 * etcdctl 3.4's per-endpoint commands with `http://` endpoints, against a 3-member cluster of real
 * cairn processes. etcdctl dials each endpoint of these commands (and, with --cluster, each
 * member's advertised client URL) as `passthrough:///http://host:port`, so grpc-go sends the whole
 * URL as :authority; they used to fail with "stream terminated by RST_STREAM with error code:
 * PROTOCOL_ERROR" (net/grpc/h2/authority-gate.ts).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { ProcessCluster, call } from './process-cluster.js';
import { etcdClient } from '../../net/grpc/protos.js';

const run = promisify(execFile);

let cluster: ProcessCluster;
let urls: string[];

before(async () => {
  // Advertised client URLs are the real ones, so --cluster reaches every member.
  cluster = new ProcessCluster(3, 20, 200, true);
  await cluster.start();
  await cluster.leader();
  urls = cluster.members.map((member) => `http://127.0.0.1:${member.clientPort}`);
  await everyMemberPublished();
});

/**
 * --cluster dials the client URLs the member list names, and a member's URLs are in that list only
 * once its publish has applied; cairn serves clients before that, so the tests wait for it here.
 */
async function everyMemberPublished(): Promise<void> {
  const Cluster = etcdClient('Cluster');
  const client = new Cluster(`127.0.0.1:${cluster.members[0]!.clientPort}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, Function>;
  try {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const list = await call<{ members: { clientURLs: string[] }[] }>(client, 'MemberList', {}).catch(() => null);
      const published = list?.members.flatMap((member) => member.clientURLs).sort() ?? [];
      if (published.join() === [...urls].sort().join()) return;
      if (Date.now() > deadline) throw new Error(`the members did not all publish their client URLs: ${published.join()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    client.close();
  }
}

after(async () => {
  await cluster.close();
});

async function etcdctl(...args: string[]): Promise<string[]> {
  const { stdout } = await run('/usr/bin/etcdctl', args, { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 30_000 });
  return stdout.trim().split('\n').sort();
}

test('endpoint status with one http:// endpoint, and with each member\'s', async () => {
  const [line] = await etcdctl(`--endpoints=${urls[0]}`, 'endpoint', 'status');
  assert.match(line!, new RegExp(`^${urls[0]}, [0-9a-f]+, 3\\.4\\.0, `));
  const lines = await etcdctl(`--endpoints=${urls.join(',')}`, 'endpoint', 'status');
  assert.deepEqual(lines.map((text) => text.split(',')[0]), [...urls].sort());
});

test('endpoint status --cluster reaches every member by its advertised http:// URL', async () => {
  const lines = await etcdctl(`--endpoints=${urls[1]}`, 'endpoint', 'status', '--cluster');
  assert.deepEqual(lines.map((text) => text.split(',')[0]), [...urls].sort());
  assert.equal(lines.filter((text) => text.split(', ')[4] === 'true').length, 1, 'one leader');
});

test('endpoint hashkv --cluster: every member answers, with the same hash', async () => {
  const lines = await etcdctl(`--endpoints=${urls[0]}`, 'endpoint', 'hashkv', '--cluster');
  assert.deepEqual(lines.map((text) => text.split(', ')[0]), [...urls].sort());
  assert.equal(new Set(lines.map((text) => text.split(', ')[1])).size, 1);
});

test('endpoint health --cluster: every member is healthy', async () => {
  const { stdout, stderr } = await run('/usr/bin/etcdctl', [`--endpoints=${urls[2]}`, 'endpoint', 'health', '--cluster'],
    { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 30_000 });
  // etcdctl writes health results to stderr for unhealthy members and stdout for healthy ones.
  const healthy = `${stdout}${stderr}`.trim().split('\n').filter((line) => line.includes('is healthy'));
  assert.deepEqual(healthy.map((line) => line.split(' ')[0]).sort(), [...urls].sort());
});
