import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrRequestTooLarge, ErrTooManyRequests } from '../../engine/errors.js';
import { MAX_REQUEST_BYTES_DEFAULT } from '../../engine/node/member.js';
import { FRAME_HARD_LIMIT_FACTOR, FRAME_OVERHEAD_BYTES } from '../../net/http/ws/protocol.js';
import { RawSocket, WsCluster, withSocket } from './ws-harness.js';

const key = Buffer.from('k');
const FRAME_BYTES_MAX = MAX_REQUEST_BYTES_DEFAULT + FRAME_OVERHEAD_BYTES;
const errorOf = (answer: Record<string, unknown>): unknown => answer.error;

test('requests too large for max-request-bytes get "request is too large"; frames too large to read close the connection', async () => {
  await withSocket(async (cluster, socket) => {
  const { member } = await cluster.settledLeader();
  const before = member.status();
  const overRaft = await socket.call({ id: 1, op: 'put', body: { key, value: Buffer.alloc(MAX_REQUEST_BYTES_DEFAULT + 1024) } });
  assert.deepEqual(errorOf(overRaft), { code: ErrRequestTooLarge.code, message: ErrRequestTooLarge.message });
  const overFrame = await socket.call({ id: 2, op: 'put', body: { key, value: Buffer.alloc(FRAME_BYTES_MAX + 1024) } });
  assert.deepEqual(errorOf(overFrame), { code: ErrRequestTooLarge.code, message: ErrRequestTooLarge.message });
  assert.equal(member.status().revision, before.revision, 'nothing was written');
  assert.equal(member.status().commitIndex, before.commitIndex, 'nothing was proposed');
  const fine = await socket.call({ id: 3, op: 'put', body: { key, value: Buffer.alloc(1024) } });
  assert.equal((fine.result as { header: { revision: number } }).header.revision, before.revision + 1);

  socket.sendBytes(Buffer.alloc(FRAME_BYTES_MAX + 1024, 0xc0));
  const unreadable = await socket.closed;
  assert.equal(unreadable.code, 1009, 'an oversized frame without an id closes with "message too big"');
  assert.match(unreadable.reason, /frame larger than/);

  const another = await RawSocket.open(cluster.wsUrl(1));
  another.send({ id: 1, op: 'put', body: { key, value: Buffer.alloc(FRAME_BYTES_MAX * FRAME_HARD_LIMIT_FACTOR + 1024) } });
  const dropped = await another.closed;
  assert.notEqual(dropped.code, 1000, 'beyond the hard limit uWS drops the connection');
  });
});

test('requests beyond the in-flight bound of a connection get "too many requests" and are not applied', async () => {
  const cluster = new WsCluster(1, { wsInFlightMax: 4 });
  await cluster.start();
  const socket = await RawSocket.open(cluster.wsUrl(1));
  try {
    const { member } = await cluster.settledLeader();
    const before = member.status();
    socket.sendBatch(Array.from({ length: 10 }, (_, i) => ({ id: i, op: 'put', body: { key: Buffer.from(`k${i}`), value: key } })));
    const answers = await Promise.all(Array.from({ length: 10 }, () => socket.next()));
    const refused = answers.filter((answer) => answer.error !== undefined);
    const applied = answers.filter((answer) => answer.result !== undefined);
    assert.deepEqual(applied.map((answer) => answer.id).sort(), [0, 1, 2, 3]);
    for (const answer of refused) assert.deepEqual(answer.error, { code: ErrTooManyRequests.code, message: ErrTooManyRequests.message });
    assert.equal(member.status().revision, before.revision + 4);
    const later = await socket.call({ id: 20, op: 'range', body: { key: Buffer.from('k0'), range_end: Buffer.from('k9') } });
    assert.equal((later.result as { count: number }).count, 4, 'only the accepted puts applied; the bound frees as answers go out');
  } finally {
    socket.close();
    await cluster.close();
  }
});
