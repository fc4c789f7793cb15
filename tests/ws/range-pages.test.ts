/**
 * A large range over the WebSocket protocol goes out as one message in fragments, a page of kvs
 * each, read from the apply worker as the socket takes them: the client gets the whole answer,
 * the answers queued behind it on the connection follow it, and a client that stops reading and
 * goes away drops the read, so a compaction it held back goes on.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { RawSocket, WsCluster } from './ws-harness.js';
import type { RunningMember } from '../node/cluster-harness.js';

/** 3,000 values of 4 KiB: about 50 pages, more than loopback socket buffers hold. */
const KEYS = 3000;
const VALUE_BYTES = 4096;

let cluster: WsCluster;
let leader: RunningMember;

function keyName(i: number): string {
  return `big/${String(i).padStart(5, '0')}`;
}

before(async () => {
  cluster = new WsCluster(1);
  await cluster.start();
  leader = await cluster.settledLeader();
  for (let i = 0; i < KEYS; i += 100) {
    const success = Array.from({ length: 100 }, (_, j) => ({
      request_put: { key: Buffer.from(keyName(i + j)), value: Buffer.alloc(VALUE_BYTES, 97 + ((i + j) % 26)) },
    }));
    await leader.kv.txn({ success });
  }
});

after(async () => {
  await cluster.close();
});

test('a range of many pages arrives whole, and the answers behind it on the connection follow it', { timeout: 60_000 }, async () => {
  const socket = await RawSocket.open(cluster.wsUrl(1));
  try {
    socket.sendBatch([
      { id: 1, op: 'range', body: { key: Buffer.from('big/'), range_end: Buffer.from('big0') } },
      { id: 2, op: 'range', body: { key: Buffer.from(keyName(7)) } },
      { id: 3, op: 'range', body: { key: Buffer.from('big/'), range_end: Buffer.from('big0'), keys_only: true, limit: 2500 } },
    ]);
    const answers = new Map<number, { kvs: { key: Buffer; value: Buffer }[]; count: number; more: boolean }>();
    for (let i = 0; i < 3; i++) {
      const answer = await socket.next() as { id: number; result: { kvs: { key: Buffer; value: Buffer }[]; count: number; more: boolean } };
      answers.set(answer.id, answer.result);
    }
    const all = answers.get(1)!;
    assert.equal(all.count, KEYS);
    assert.equal(all.kvs.length, KEYS);
    assert.ok(all.kvs.every((kv, i) => kv.key.toString() === keyName(i) && kv.value.equals(Buffer.alloc(VALUE_BYTES, 97 + (i % 26)))));
    assert.equal(answers.get(2)!.kvs[0]!.key.toString(), keyName(7));
    const keysOnly = answers.get(3)!;
    assert.equal(keysOnly.kvs.length, 2500);
    assert.equal(keysOnly.more, true);
    assert.ok(keysOnly.kvs.every((kv) => kv.value.length === 0));
  } finally {
    socket.close();
  }
});

test('a client that stops reading a paged range holds compaction back only until it goes away', { timeout: 60_000 }, async () => {
  const socket = await RawSocket.open(cluster.wsUrl(1));
  const tcp = (socket.socket as unknown as { _socket: Socket })._socket;
  tcp.pause();
  socket.sendBatch([{ id: 1, op: 'range', body: { key: Buffer.from('big/'), range_end: Buffer.from('big0') } }]);
  const revision = leader.member.applier.revision;
  await leader.kv.put({ key: Buffer.from(keyName(0)), value: Buffer.from('rewritten') });
  let compacted = false;
  const compaction = leader.kv.compact({ revision: revision + 1, physical: true }).then(() => { compacted = true; });
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(compacted, false, 'the compaction waits for the range reading below it');
  socket.socket.terminate();
  await compaction;
  const after = await leader.kv.range({ key: Buffer.from(keyName(0)) });
  assert.equal(Buffer.from(after.kvs[0]!.value).toString(), 'rewritten');
});
