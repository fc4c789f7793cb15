/**
 * kill -9 of the leader of a 3-process cluster with a small --snapshot-count: while it is down the
 * survivors write far past it, snapshot and compact their logs, so when it restarts the new leader
 * can only catch it up by streaming a snapshot. Every acknowledged write is then readable on it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProcessCluster, call, type ClusterProcess } from './process-cluster.js';

interface RangeResponse { kvs: { key: Buffer; value: Buffer }[]; count: string }

/** Puts key-<i> = v<i> for i in [from, to) through whichever member answers, `concurrency` at a time. */
async function writeKeys(cluster: ProcessCluster, from: number, to: number, acknowledged: Set<number>, concurrency = 16): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < to) {
      const i = next++;
      for (let attempt = 0; attempt < 20; attempt++) {
        const member = cluster.members.find((m) => m.clients !== null)!;
        try {
          await call(member.clients!.kv, 'Put', { key: Buffer.from(`key-${i}`), value: Buffer.from(`v${i}`) }, 3000);
          acknowledged.add(i);
          break;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function localCount(member: ClusterProcess): Promise<number> {
  const got = await call<RangeResponse>(member.clients!.kv, 'Range',
    { key: Buffer.from('key-'), range_end: Buffer.from('key.'), serializable: true, count_only: true });
  return Number(got.count);
}

test('kill -9 of the leader; the survivors compact their logs past it; restarted, it catches up from a streamed snapshot and serves every acknowledged write', async () => {
  const cluster = new ProcessCluster(3, 20, 200, false, ['--snapshot-count', '200', '--experimental-snapshot-catchup-entries', '50']);
  try {
    await cluster.start();
    const acknowledged = new Set<number>();
    await writeKeys(cluster, 0, 300, acknowledged);
    const oldLeader = await cluster.leader();
    await cluster.kill(oldLeader);
    await cluster.leader(5000);
    await writeKeys(cluster, 300, 2000, acknowledged);
    assert.equal(acknowledged.size, 2000, 'every write was acknowledged once a leader was elected');
    const survivors = cluster.members.filter((m) => m !== oldLeader);
    assert.ok(survivors.some((m) => m.output.join('').includes('"msg":"saved snapshot"')), 'the survivors took snapshots');

    await cluster.launch(oldLeader);
    const deadline = Date.now() + 15_000;
    let count = 0;
    while ((count = await localCount(oldLeader)) < 2000 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(count, 2000, 'the restarted member serves every acknowledged write from its own store');
    // Both log lines may trail the catch-up: the receiver's store can serve reads a moment before
    // its main thread logs the restore, and the sender logs once the receiver's acknowledgement is back.
    const appliedLine = /"msg":"applied snapshot","current-snapshot-index":\d+/;
    const sentLine = /"msg":"sent database snapshot","snapshot-index":\d+,"remote-peer-id":"[0-9a-f]+"/;
    const sentBy = Date.now() + 5000;
    while (!appliedLine.test(oldLeader.output.join('')) && Date.now() < sentBy) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.match(oldLeader.output.join(''), appliedLine);
    while (!survivors.some((m) => sentLine.test(m.output.join(''))) && Date.now() < sentBy) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(survivors.some((m) => sentLine.test(m.output.join(''))), 'a survivor logged the snapshot it sent');
    const sample = await call<RangeResponse>(oldLeader.clients!.kv, 'Range', { key: Buffer.from('key-1999'), serializable: true });
    assert.equal(sample.kvs[0]!.value.toString(), 'v1999');
    // It is a full member again: writes through it still commit.
    await call(oldLeader.clients!.kv, 'Put', { key: Buffer.from('after'), value: Buffer.from('restart') }, 3000);
  } finally {
    await cluster.close();
  }
});
