import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrEmptyKey, ErrInvalidSortOption, GrpcCode } from '../../engine/errors.js';
import { assertInvalidArgument, RawSocket, WsCluster, withSocket } from './ws-harness.js';

const key = Buffer.from('k');
const value = Buffer.from('v');

/** Malformed requests that carry a usable id, and the error each must get. */
const CASES: { name: string; frame: Record<string, unknown>; message: string | RegExp }[] = [
  { name: 'no op', frame: { body: { key } }, message: /op must be one of range, put/ },
  { name: 'unknown op', frame: { op: 'get', body: { key } }, message: /op must be one of/ },
  { name: 'no body', frame: { op: 'put' }, message: /put must be a map/ },
  { name: 'body not a map', frame: { op: 'put', body: [key, value] }, message: /put must be a map/ },
  { name: 'key as text, not bytes', frame: { op: 'put', body: { key: 'k', value } }, message: /put\.key must be bytes/ },
  { name: 'missing key', frame: { op: 'put', body: { value } }, message: ErrEmptyKey.message },
  { name: 'empty key', frame: { op: 'delete_range', body: { key: Buffer.alloc(0) } }, message: ErrEmptyKey.message },
  { name: 'lease as text', frame: { op: 'put', body: { key, value, lease: '7' } }, message: /put\.lease must be an integer/ },
  { name: 'fractional lease', frame: { op: 'put', body: { key, value, lease: 1.5 } }, message: /put\.lease must be an integer/ },
  { name: 'prev_kv as number', frame: { op: 'put', body: { key, value, prev_kv: 1 } }, message: /put\.prev_kv must be a boolean/ },
  { name: 'misspelt option', frame: { op: 'put', body: { key, valeu: value } }, message: /put has unknown field "valeu"/ },
  { name: 'bad sort order', frame: { op: 'range', body: { key, sort_order: 9 } }, message: ErrInvalidSortOption.message },
  { name: 'bad compare target', frame: { op: 'txn', body: { compare: [{ key, target: 9 }] } }, message: /txn\.compare\[0\]\.target 9 is not a valid value/ },
  { name: 'empty request op', frame: { op: 'txn', body: { success: [{}] } }, message: /txn\.success\[0\] must set exactly one/ },
  { name: 'two request ops in one', frame: { op: 'txn', body: { success: [{ request_put: { key, value }, request_range: { key } }] } }, message: /must set exactly one/ },
  { name: 'success not a list', frame: { op: 'txn', body: { success: 'x' } }, message: /txn\.success must be an array/ },
  { name: 'nested put key as number', frame: { op: 'txn', body: { failure: [{ request_txn: { success: [{ request_put: { key: 5 } }] } }] } }, message: /txn\.failure\[0\]\.request_txn\.success\[0\]\.request_put\.key must be bytes/ },
  { name: 'compact revision as text', frame: { op: 'compact', body: { revision: 'x' } }, message: /compact\.revision must be an integer/ },
  { name: 'status with arguments', frame: { op: 'status', body: { verbose: true } }, message: /status has unknown field/ },
];

test('malformed requests with an id get an INVALID_ARGUMENT answer in etcd wording, change nothing, and keep the connection', async () => {
  await withSocket(async (cluster, socket) => {
  const { member } = await cluster.settledLeader();
  const before = member.status();
  let id = 100;
  for (const { name, frame, message } of CASES) {
    const answer = await socket.call({ id: ++id, ...frame });
    assertInvalidArgument(answer, id, message, name);
  }
  const after = member.status();
  assert.equal(after.revision, before.revision, 'the revision did not move');
  assert.equal(after.commitIndex, before.commitIndex, 'nothing was proposed');
  const fine = await socket.call({ id: 1, op: 'put', body: { key, value } });
  assert.equal((fine.result as { header: { revision: number } }).header.revision, before.revision + 1, 'the connection still serves');
  });
});

test('a second request with an id already in flight is refused', async () => {
  await withSocket(async (cluster, socket) => {
  await cluster.cluster.leader();
  socket.sendBatch([
    { id: 7, op: 'put', body: { key, value } },
    { id: 7, op: 'put', body: { key, value: Buffer.from('other') } },
  ]);
  const refused = await socket.next();
  assert.deepEqual(refused.error, { code: GrpcCode.INVALID_ARGUMENT, message: 'cairn: invalid request: id 7 is already in flight' });
  const applied = await socket.next();
  assert.equal((applied.result as { header: { revision: number } }).header.revision, 2);
  const got = await socket.call({ id: 8, op: 'range', body: { key } });
  assert.equal(Buffer.from((got.result as { kvs: { value: Uint8Array }[] }).kvs[0]!.value).toString(), 'v');
  });
});

/** Frames without a usable id, and the close each must cause. */
const CLOSING: { name: string; send: (socket: RawSocket) => void; code: number; reason: RegExp }[] = [
  { name: 'not msgpack', send: (s) => s.sendBytes(Buffer.from([0x92, 0x01])), code: 1008, reason: /malformed frame: not msgpack/ },
  { name: 'trailing garbage', send: (s) => s.sendBytes(Buffer.from('hello')), code: 1008, reason: /not msgpack/ },
  { name: 'not a map', send: (s) => s.send([1, 'put', {}]), code: 1008, reason: /a map with id/ },
  { name: 'no id', send: (s) => s.send({ op: 'put', body: { key, value } }), code: 1008, reason: /a map with id/ },
  { name: 'negative id', send: (s) => s.send({ id: -1, op: 'put', body: { key, value } }), code: 1008, reason: /a map with id/ },
  { name: 'id as text', send: (s) => s.send({ id: '1', op: 'put', body: { key, value } }), code: 1008, reason: /a map with id/ },
  { name: 'text frame', send: (s) => s.socket.send('{"id":1}'), code: 1003, reason: /text frames are not supported/ },
];

test('a frame without a usable id, or a text frame, closes the connection with a reason and changes nothing', async () => {
  const cluster = new WsCluster(1);
  await cluster.start();
  try {
    const { member } = await cluster.settledLeader();
    const before = member.status();
    for (const { name, send, code, reason } of CLOSING) {
      const socket = await RawSocket.open(cluster.wsUrl(1));
      send(socket);
      const closed = await socket.closed;
      assert.equal(closed.code, code, name);
      assert.match(closed.reason, reason, name);
    }
    assert.equal(member.status().revision, before.revision);
    assert.equal(member.status().commitIndex, before.commitIndex);
  } finally {
    await cluster.close();
  }
});
