/**
 * Every member publishes its name and client URLs through Raft at start (etcd's publish), so
 * `etcdctl member list` (real etcdctl 3.4) against any member names every member's client URLs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ProcessCluster } from './process-cluster.js';

const run = promisify(execFile);

test('member list on any member shows every member\'s name, peer URL and client URL', async () => {
  const cluster = new ProcessCluster(3, 20, 200, true);
  try {
    await cluster.start();
    await cluster.leader();
    const expected = cluster.members.map((m) => `${m.name}, http://127.0.0.1:${m.peerPort}, http://127.0.0.1:${m.clientPort}`).sort();
    for (const member of cluster.members) {
      // A publish proposed during an election is retried once it fails: on a busy machine that takes seconds.
      const deadline = Date.now() + 15_000;
      let rows: string[] = [];
      do {
        const { stdout } = await run('/usr/bin/etcdctl', [`--endpoints=127.0.0.1:${member.clientPort}`, 'member', 'list'],
          { env: { ...process.env, ETCDCTL_API: '3' } });
        // "<id>, started, <name>, <peer urls>, <client urls>, <is learner>": compare name and URLs.
        rows = stdout.trim().split('\n').map((line) => line.split(', ').slice(2, 5).join(', ')).sort();
        if (JSON.stringify(rows) === JSON.stringify(expected)) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      } while (Date.now() < deadline);
      assert.deepEqual(rows, expected, `member list on ${member.name}`);
    }
  } finally {
    await cluster.close();
  }
});
