import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrCompacted, ErrDuplicateKey, ErrEmptyKey, ErrFutureRev } from '../../engine/errors.js';
import { CompareResult, CompareTarget, SortOrder, SortTarget } from '../../engine/mvcc/rpc.js';
import { CairnClient } from '../../net/client/cairn-client.js';
import { text } from '../node/cluster-harness.js';
import { WsCluster, withSocket } from './ws-harness.js';

const keysOf = (kvs: { key: Uint8Array }[]): string[] => kvs.map((kv) => text(kv.key));

test('every KV op through the client, with its options, answers as etcd with headers', async () => {
  const cluster = new WsCluster(1);
  await cluster.start();
  const client = new CairnClient({ endpoints: [cluster.wsUrl(1)], requestTimeoutMs: 5000 });
  try {
    await cluster.cluster.leader();
    const first = await client.put('a', '1');
    assert.equal(first.header.revision, 2);
    assert.equal(first.header.member_id, 1);
    assert.equal(first.header.cluster_id, 42);
    await client.put('b', new Uint8Array([0x32]));
    await client.put('c', '3');
    const replaced = await client.put('a', 'one', { prev_kv: true });
    assert.equal(text(replaced.prev_kv!.value), '1');
    await assert.rejects(client.put('', 'x'), ErrEmptyKey);

    const all = await client.get('\0', { range_end: '\0' });
    assert.deepEqual(keysOf(all.kvs), ['a', 'b', 'c']);
    assert.equal(all.header.revision, 5);
    const prefixed = await client.get('b', { prefix: true });
    assert.deepEqual(keysOf(prefixed.kvs), ['b']);
    const limited = await client.get('a', { range_end: 'z', limit: 2, sort_order: SortOrder.DESCEND, sort_target: SortTarget.KEY });
    assert.deepEqual(keysOf(limited.kvs), ['c', 'b']);
    assert.equal(limited.more, true);
    assert.equal(limited.count, 3);
    const keysOnly = await client.get('a', { keys_only: true, serializable: true });
    assert.equal(keysOnly.kvs[0]!.value.length, 0);
    const counted = await client.get('a', { range_end: 'z', count_only: true });
    assert.equal(counted.count, 3);
    assert.equal(counted.kvs.length, 0);
    const old = await client.get('a', { revision: 2 });
    assert.equal(text(old.kvs[0]!.value), '1');
    const recent = await client.get('a', { range_end: 'z', min_mod_revision: 4 });
    assert.deepEqual(keysOf(recent.kvs), ['a', 'c']);
    await assert.rejects(client.get('a', { revision: 100 }), ErrFutureRev);

    const txn = await client.txn({
      compare: [{ key: 'a', target: CompareTarget.VALUE, result: CompareResult.EQUAL, value: 'one' }],
      success: [
        { request_put: { key: 'd', value: '4' } },
        { request_txn: { success: [{ request_range: { key: 'a' } }] } },
      ],
      failure: [{ request_delete_range: { key: 'a' } }],
    });
    assert.equal(txn.succeeded, true);
    assert.equal(text(txn.responses[1]!.response_txn!.responses[0]!.response_range!.kvs[0]!.value), 'one');
    await assert.rejects(client.txn({ success: [{ request_put: { key: 'x' } }, { request_put: { key: 'x' } }] }), ErrDuplicateKey);

    const deleted = await client.delete('c', { prev_kv: true });
    assert.equal(deleted.deleted, 1);
    assert.equal(text(deleted.prev_kvs[0]!.value), '3');
    const byPrefix = await client.delete('\0', { range_end: '\0' });
    assert.equal(byPrefix.deleted, 3);

    const status = await client.status();
    assert.equal(status.leader, 1);
    assert.equal(status.header.revision, byPrefix.header.revision);
    assert.ok(status.raftIndex >= status.raftAppliedIndex && status.raftAppliedIndex > 0);

    const hash = await client.hashKV();
    assert.equal(hash.hash_revision, byPrefix.header.revision);
    await client.compact(4, { physical: true });
    await assert.rejects(client.get('a', { revision: 3 }), ErrCompacted);
  } finally {
    client.close();
    await cluster.close();
  }
});

test('a thousand pipelined requests on one connection all get their own answers', async () => {
  const cluster = new WsCluster(1);
  await cluster.start();
  const client = new CairnClient({ endpoints: [cluster.wsUrl(1)], requestTimeoutMs: 10_000 });
  try {
    await cluster.cluster.leader();
    const puts = await Promise.all(Array.from({ length: 1000 }, (_, i) => client.put(`k${i}`, `v${i}`)));
    const revisions = puts.map((put) => put.header.revision).sort((a, b) => a - b);
    assert.deepEqual(revisions, Array.from({ length: 1000 }, (_, i) => i + 2), 'every write got its own revision');
    const gets = await Promise.all(Array.from({ length: 1000 }, (_, i) => client.get(`k${i}`, { serializable: i % 2 === 0 })));
    gets.forEach((got, i) => assert.equal(text(got.kvs[0]!.value), `v${i}`));
  } finally {
    client.close();
    await cluster.close();
  }
});

test('answers come back as each request completes, not in request order', async () => {
  await withSocket(async (cluster, socket) => {
  await cluster.cluster.leader();
  // A put waits for Raft and the WAL's fsync; a serializable range is served at once.
  socket.sendBatch([
    { id: 1, op: 'put', body: { key: Buffer.from('k'), value: Buffer.from('v') } },
    { id: 2, op: 'range', body: { key: Buffer.from('k'), serializable: true } },
  ]);
  const firstAnswer = await socket.next();
  const secondAnswer = await socket.next();
  assert.equal(firstAnswer.id, 2);
  assert.equal(secondAnswer.id, 1);
  assert.equal((secondAnswer.result as { header: { revision: number } }).header.revision, 2);
  });
});
