/**
 * Growing and shrinking a cluster of real processes with real etcdctl 3.4: `member add` a learner,
 * start it with --initial-cluster-state existing (it learns its id and the membership from a
 * peer, then everything else from the leader, by snapshot since the log was compacted),
 * `member promote` it, `member remove` another member (which then stops by itself).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ProcessCluster, call, type ClusterProcess } from './process-cluster.js';

const run = promisify(execFile);

async function etcdctl(member: ClusterProcess, ...args: string[]): Promise<string> {
  const { stdout } = await run('/usr/bin/etcdctl', [`--endpoints=127.0.0.1:${member.clientPort}`, ...args],
    { env: { ...process.env, ETCDCTL_API: '3' } });
  return stdout;
}

async function eventually<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('etcdctl member add / promote / remove against a cairn cluster; the added member joins with --initial-cluster-state existing', async () => {
  const cluster = new ProcessCluster(3, 20, 200, true, ['--snapshot-count', '50', '--experimental-snapshot-catchup-entries', '10']);
  try {
    await cluster.start();
    const leader = await cluster.leader();
    for (let i = 0; i < 200; i++) await call(leader.clients!.kv, 'Put', { key: Buffer.from(`key-${i}`), value: Buffer.from(`v${i}`) });

    const peerPort = await ProcessCluster.freePort();
    const clientPort = await ProcessCluster.freePort();
    const added = await etcdctl(leader, 'member', 'add', 'm4', '--learner', `--peer-urls=http://127.0.0.1:${peerPort}`);
    const id = /Member\s+([0-9a-f]+) added to cluster/.exec(added)?.[1];
    assert.ok(id !== undefined, added);
    assert.match(added, /ETCD_INITIAL_CLUSTER_STATE="existing"/);
    assert.match(added, new RegExp(`m4=http://127.0.0.1:${peerPort}`));

    const joiner: ClusterProcess = {
      name: 'm4', peerPort, dataDir: join(cluster.root, 'm4'), process: null, clientPort, httpPort: 0, clients: null, output: [],
      extraArgs: ['--initial-cluster-state', 'existing'],
    };
    cluster.members.push(joiner);
    await cluster.launch(joiner);
    assert.match(joiner.output.join(''), new RegExp(`member ${id} \\(m4\\)`), 'it took the id MemberAdd gave it');
    await eventually('the new member to serve the data', async () => {
      const got = await call<{ count: string }>(joiner.clients!.kv, 'Range',
        { key: Buffer.from('key-'), range_end: Buffer.from('key.'), serializable: true, count_only: true });
      return got.count === '200' ? true : undefined;
    });
    await eventually('the new member to log the snapshot it installed', async () =>
      (/"msg":"applied snapshot"/.test(joiner.output.join('')) ? true : undefined), 5000);
    const listed = await eventually('m4 to be listed as started with its client URL', async () => {
      const out = await etcdctl(leader, 'member', 'list');
      return out.includes(`${id}, started, m4, http://127.0.0.1:${peerPort}, http://127.0.0.1:${clientPort}, true`) ? out : undefined;
    });
    assert.equal(listed.trim().split('\n').length, 4);

    const promoted = await eventually('the learner to be promoted', async () => etcdctl(leader, 'member', 'promote', id));
    assert.match(promoted, new RegExp(`Member\\s+${id} promoted in cluster`));
    // The joiner lists its own table, which has the promotion once it has applied it.
    await eventually('the joiner to list itself as a voter', async () =>
      (new RegExp(`${id}, started, m4, .*, false`).test(await etcdctl(joiner, 'member', 'list')) ? true : undefined));

    // Remove a founding follower; it learns of its removal and exits.
    const victim = cluster.members.find((m) => m !== leader && m !== joiner)!;
    const victimId = /member ([0-9a-f]+) \(/.exec(victim.output.join(''))![1]!;
    const exited = new Promise<number | null>((resolve) => victim.process!.once('exit', (code) => resolve(code)));
    assert.match(await etcdctl(leader, 'member', 'remove', victimId), new RegExp(`Member\\s+${victimId} removed from cluster`));
    assert.equal(await exited, 1, 'a removed member stops with an error status, as etcd');
    assert.match(victim.output.join(''), /the member has been permanently removed from the cluster/);
    victim.process = null;
    victim.clients?.kv.close();
    victim.clients?.maintenance.close();
    victim.clients = null;

    await call(joiner.clients!.kv, 'Put', { key: Buffer.from('after'), value: Buffer.from('remove') }, 5000);
    const rows = (await etcdctl(joiner, 'member', 'list')).trim().split('\n');
    assert.equal(rows.length, 3);
    assert.ok(!rows.some((row) => row.startsWith(victimId)));
    assert.match(await etcdctl(leader, 'member', 'remove', victimId).catch((error: { stderr: string }) => error.stderr), /etcdserver: member not found/);
  } finally {
    await cluster.close();
  }
});
