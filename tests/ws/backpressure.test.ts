import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { ErrTooManyRequests } from '../../engine/errors.js';
import { RawSocket, WsCluster } from './ws-harness.js';

const IN_FLIGHT_MAX = 8;
const VALUE_BYTES = 256 * 1024;
const REQUESTS = 200;

test('a client that stops reading is cut off once its unread answers reach the bound, instead of the server buffering them all', async () => {
  const cluster = new WsCluster(1, { wsInFlightMax: IN_FLIGHT_MAX });
  await cluster.start();
  const socket = await RawSocket.open(cluster.wsUrl(1));
  try {
    await cluster.cluster.leader();
    const stored = await socket.call({ id: 0, op: 'put', body: { key: Buffer.from('big'), value: Buffer.alloc(VALUE_BYTES) } });
    assert.ok(stored.result !== undefined);
    const tcp = (socket.socket as unknown as { _socket: Socket })._socket;
    tcp.pause();
    socket.sendBatch(Array.from({ length: REQUESTS }, (_, i) => ({
      id: i + 1, op: 'range', body: { key: Buffer.from('big'), serializable: true },
    })));
    // Give the server the time to read and answer every request while nothing is read here.
    await new Promise((resolve) => setTimeout(resolve, 500));
    tcp.resume();
    const answers: Record<string, unknown>[] = [];
    const closed = socket.closed;
    let done = false;
    void closed.then(() => { done = true; });
    while (!done) {
      const next = await Promise.race([socket.next(), closed.then(() => null)]);
      if (next !== null) answers.push(next);
    }
    const { code, reason } = await closed;
    assert.equal(code, 1008);
    assert.equal(reason, 'too many unread responses');
    const served = answers.filter((answer) => answer.result !== undefined).length;
    const refused = answers.filter((answer) => answer.error !== undefined);
    assert.ok(served < REQUESTS, `only what fit the socket buffers and the bound was served (${served})`);
    for (const answer of refused) assert.deepEqual(answer.error, { code: ErrTooManyRequests.code, message: ErrTooManyRequests.message });
  } finally {
    socket.close();
    await cluster.close();
  }
});
