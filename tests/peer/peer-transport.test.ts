import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { PeerTransport } from '../../net/peer/peer-transport.js';
import { encodeFrame, FrameDecoder, FrameTooLargeError } from '../../net/peer/frame-codec.js';
import { REFUSAL_LOG_LINES_MAX } from '../../net/peer/rate-limited-log.js';

interface TestMessage {
  to: number;
  from: number;
  term: number;
  seq: number;
  data: Uint8Array;
}

const CLUSTER_ID = 7;

const isTestMessage = (value: unknown): value is TestMessage =>
  typeof value === 'object' && value !== null && Number.isSafeInteger((value as TestMessage).to) &&
  Number.isSafeInteger((value as TestMessage).from) && Number.isSafeInteger((value as TestMessage).seq) &&
  (value as TestMessage).data instanceof Uint8Array;

/** A message from `from` to `to`. */
const message = (from: number, to: number, seq: number, data = new Uint8Array(1)): TestMessage => ({ to, from, term: 1, seq, data });

/** A transport whose cluster has members 1, 2 and 3 (unless told otherwise). */
async function startMember(localId: number, inbox: Array<[TestMessage, number]>,
  extra: { queueMessagesMax?: number; port?: number; members?: number[]; log?: string[] } = {}) {
  const members = extra.members ?? [1, 2, 3];
  return PeerTransport.listen<TestMessage>({
    localId,
    cluster: 'test-cluster',
    clusterId: CLUSTER_ID,
    listen: { host: '127.0.0.1', port: extra.port ?? 0 },
    onMessage: (message, from) => inbox.push([message, from]),
    isMessage: isTestMessage,
    sizeOf: (message) => 32 + message.data.byteLength,
    isMember: (id) => members.includes(id),
    reconnectDelayMsMin: 10,
    reconnectDelayMsMax: 50,
    ...(extra.queueMessagesMax === undefined ? {} : { queueMessagesMax: extra.queueMessagesMax }),
    ...(extra.log === undefined ? {} : { log: (line: string) => extra.log!.push(line) }),
  });
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('messages sent in one turn arrive in order, from the right member, batched into few frames', async () => {
  const inboxA: Array<[TestMessage, number]> = [];
  const inboxB: Array<[TestMessage, number]> = [];
  const a = await startMember(1, inboxA);
  const b = await startMember(2, inboxB);
  a.setPeer(2, b.address());
  b.setPeer(1, a.address());
  await until(() => a.isConnected(2) && b.isConnected(1), 'connections');
  const messages = Array.from({ length: 1000 }, (_, seq) => message(1, 2, seq, new Uint8Array([seq & 0xff, 7])));
  a.send(messages);
  b.send([message(2, 1, 0, new Uint8Array(3))]);
  await until(() => inboxB.length === 1000 && inboxA.length === 1, 'delivery');
  assert.deepEqual(inboxB.map(([m]) => m.seq), messages.map((m) => m.seq));
  assert.ok(inboxB.every(([m, from]) => from === 1 && m.data[0] === (m.seq & 0xff)));
  assert.equal(inboxA[0]![1], 2);
  assert.ok(a.stats.framesSent < 10, `1000 messages in ${a.stats.framesSent} frames`);
  await a.close();
  await b.close();
});

test('messages to an unreachable peer are dropped and counted, and delivery resumes when it comes up', async () => {
  const inboxB: Array<[TestMessage, number]> = [];
  const drops: string[] = [];
  const probe = await startMember(9, []);
  const port = probe.address().port;
  await probe.close();
  const a = await PeerTransport.listen<TestMessage>({
    localId: 1, cluster: 'test-cluster', clusterId: CLUSTER_ID, listen: { host: '127.0.0.1', port: 0 },
    onMessage: () => {}, isMessage: isTestMessage, sizeOf: () => 32,
    onDrop: (to, _message, reason) => drops.push(`${to}:${reason}`),
    reconnectDelayMsMin: 10, reconnectDelayMsMax: 50,
  });
  a.setPeer(2, { host: '127.0.0.1', port });
  a.send([message(1, 2, 1)]);
  a.send([message(1, 3, 2)]);
  assert.deepEqual(drops.filter((d) => d.startsWith('3:')), ['3:unknown_peer']);
  await until(() => drops.includes('2:unreachable'), 'the message to the down peer to be dropped');
  assert.ok(a.stats.dropped.unreachable >= 1);
  const b = await startMember(2, inboxB, { port });
  await until(() => a.isConnected(2), 'reconnect');
  a.send([message(1, 2, 3)]);
  await until(() => inboxB.length === 1, 'delivery after reconnect');
  assert.equal(inboxB[0]![0].seq, 3, 'the dropped message is not delivered late');
  await a.close();
  await b.close();
});

test('a full send queue drops the overflow with reason queue_full instead of growing', async () => {
  const inboxB: Array<[TestMessage, number]> = [];
  const b = await startMember(2, inboxB);
  const a = await startMember(1, [], { queueMessagesMax: 10 });
  a.setPeer(2, b.address());
  await until(() => a.isConnected(2), 'connection');
  a.send(Array.from({ length: 25 }, (_, seq) => message(1, 2, seq)));
  assert.equal(a.stats.dropped.queue_full, 15);
  await until(() => inboxB.length === 10, 'the first ten');
  assert.deepEqual(inboxB.map(([m]) => m.seq), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  await a.close();
  await b.close();
});

/** A connection the receiver has not closed after this long counts as accepted. */
const ACCEPTED_AFTER_MS = 2000;

/** Writes `frames` on a raw connection; fails unless the receiver closes it (refuses it). */
async function rawConnection(port: number, frames: Buffer[]): Promise<void> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  for (const frame of frames) socket.write(frame);
  const closed = once(socket, 'close').then(() => true);
  const open = new Promise<false>((resolve) => setTimeout(() => resolve(false), ACCEPTED_AFTER_MS).unref());
  const refused = await Promise.race([closed, open]);
  socket.destroy();
  assert.ok(refused, 'the connection was refused');
}

test('connections with a wrong cluster, wrong member, malformed message or oversized frame are refused and deliver nothing', async () => {
  const inbox: Array<[TestMessage, number]> = [];
  const b = await startMember(2, inbox);
  const port = b.address().port;
  const good = message(1, 2, 1);
  await rawConnection(port, [encodeFrame({ cluster: 'other', clusterId: CLUSTER_ID, from: 1, to: 2 }), encodeFrame([good])]);
  await rawConnection(port, [encodeFrame({ cluster: 'test-cluster', clusterId: CLUSTER_ID, from: 1, to: 5 }), encodeFrame([good])]);
  await rawConnection(port, [encodeFrame({ cluster: 'test-cluster', clusterId: CLUSTER_ID, from: 1, to: 2 }), encodeFrame([good, { to: 'x' }])]);
  const oversized = Buffer.alloc(8);
  oversized.writeUInt32LE(0xffffff00, 0);
  await rawConnection(port, [encodeFrame({ cluster: 'test-cluster', clusterId: CLUSTER_ID, from: 1, to: 2 }), oversized]);
  await rawConnection(port, [Buffer.from([3, 0, 0, 0, 0xc1, 0xc1, 0xc1])]);
  assert.equal(inbox.length, 0);
  assert.equal(b.stats.connectionsRefused, 5);
  await b.close();
});

/** A Hello from `from` to member 2 of the test cluster, with `fields` changed. */
const hello = (from: number, fields: Record<string, unknown> = {}): Buffer =>
  encodeFrame({ cluster: 'test-cluster', clusterId: CLUSTER_ID, from, to: 2, ...fields });

/** Opens a raw connection and writes `frames`; the caller closes it. */
async function openRaw(port: number, frames: Buffer[]) {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  for (const frame of frames) socket.write(frame);
  return socket;
}

test('a connection is refused unless its Hello names a current member of our cluster, by token and id, and nothing it sends is delivered', async () => {
  const inbox: Array<[TestMessage, number]> = [];
  const log: string[] = [];
  const b = await startMember(2, inbox, { log });
  const port = b.address().port;
  await rawConnection(port, [hello(99), encodeFrame([message(99, 2, 1)])]);
  await rawConnection(port, [hello(2), encodeFrame([message(2, 2, 1)])]);
  await rawConnection(port, [hello(1, { clusterId: CLUSTER_ID + 1 }), encodeFrame([message(1, 2, 1)])]);
  await rawConnection(port, [hello(1, { cluster: 'etcd-cluster' }), encodeFrame([message(1, 2, 1)])]);
  await rawConnection(port, [encodeFrame({ cluster: 'test-cluster', from: 1, to: 2 }), encodeFrame([message(1, 2, 1)])]);
  assert.equal(inbox.length, 0);
  assert.equal(b.stats.connectionsRefused, 5);
  assert.deepEqual({ ...b.stats.refused }, {
    malformed: 1, wrong_cluster: 2, wrong_member: 1, not_a_member: 1, wrong_address: 0, removed: 0, forged_sender: 0, stream_refused: 0,
  });
  assert.equal(log.length, 5);
  assert.match(log[0]!, /^refused peer connection from 127\.0\.0\.1:\d+: not_a_member \(63 is not a member\)$/);
  await b.close();
});

test('a member speaks only for itself: a message from another member, or to another, refuses the connection and nothing of it is delivered', async () => {
  const inbox: Array<[TestMessage, number]> = [];
  const b = await startMember(2, inbox);
  const port = b.address().port;
  await rawConnection(port, [hello(1), encodeFrame([message(1, 2, 1), message(3, 2, 2)])]);
  await rawConnection(port, [hello(1), encodeFrame([message(1, 3, 1)])]);
  assert.equal(inbox.length, 0);
  assert.equal(b.stats.refused.forged_sender, 2);
  const socket = await openRaw(port, [hello(1), encodeFrame([message(1, 2, 3)])]);
  await until(() => inbox.length === 1, 'the member\'s own message');
  assert.deepEqual(inbox.map(([m, from]) => [m.seq, from]), [[3, 1]]);
  socket.destroy();
  await b.close();
});

test('the membership checked follows changes: a member known at another IP address is refused, and one removed while connected is cut off', async () => {
  const inbox: Array<[TestMessage, number]> = [];
  const members = [1, 2, 3];
  const b = await startMember(2, inbox, { members });
  const port = b.address().port;
  // Member 1 is known at an address nothing answers on; member 3 by a host name (not resolved on accept).
  b.setPeer(1, { host: '192.0.2.1', port: 2380 });
  b.setPeer(3, { host: 'localhost', port: 1 });
  await rawConnection(port, [hello(1), encodeFrame([message(1, 2, 1)])]);
  assert.equal(b.stats.refused.wrong_address, 1);
  const socket = await openRaw(port, [hello(3), encodeFrame([message(3, 2, 2)])]);
  await until(() => inbox.length === 1, 'a message from member 3');
  members.splice(members.indexOf(3), 1);
  b.removePeer(3);
  socket.write(encodeFrame([message(3, 2, 3)]));
  await once(socket, 'close');
  assert.deepEqual(inbox.map(([m]) => m.seq), [2]);
  assert.equal(b.stats.refused.not_a_member, 1);
  await b.close();
});

test('a flood of refused connections is counted in full but logged a bounded number of times', async () => {
  const inbox: Array<[TestMessage, number]> = [];
  const log: string[] = [];
  const b = await startMember(2, inbox, { log });
  const port = b.address().port;
  await Promise.all(Array.from({ length: 30 }, () => rawConnection(port, [hello(99), encodeFrame([message(99, 2, 1)])])));
  assert.equal(b.stats.refused.not_a_member, 30);
  assert.equal(log.length, REFUSAL_LOG_LINES_MAX);
  assert.equal(inbox.length, 0);
  await b.close();
});

test('the frame decoder reassembles frames split at every byte and rejects oversized ones', () => {
  const frames = Buffer.concat([encodeFrame({ a: 1 }), encodeFrame([1, 2, 3]), encodeFrame('x')]);
  const decoder = new FrameDecoder(1024);
  const values: unknown[] = [];
  for (let i = 0; i < frames.length; i++) values.push(...decoder.push(frames.subarray(i, i + 1)));
  assert.deepEqual(values, [{ a: 1 }, [1, 2, 3], 'x']);
  assert.throws(() => new FrameDecoder(2).push(encodeFrame([1, 2, 3])), FrameTooLargeError);
});

test('a peer that comes back on a new port is dialled at once after setPeer, whatever the back-off', async () => {
  const inbox: Array<[TestMessage, number]> = [];
  const probe = await startMember(9, []);
  const deadPort = probe.address().port;
  await probe.close();
  const a = await PeerTransport.listen<TestMessage>({
    localId: 1, cluster: 'test-cluster', clusterId: CLUSTER_ID, listen: { host: '127.0.0.1', port: 0 },
    onMessage: () => {}, isMessage: isTestMessage, sizeOf: () => 32,
    reconnectDelayMsMin: 10_000, reconnectDelayMsMax: 10_000,
  });
  a.setPeer(2, { host: '127.0.0.1', port: deadPort });
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(a.isConnected(2), false, 'the first dial failed and the sender now backs off for 10 s');
  const b = await startMember(2, inbox);
  a.setPeer(2, b.address());
  await until(() => a.isConnected(2), 'the redirected dial', 2000);
  a.send([message(1, 2, 7)]);
  await until(() => inbox.length === 1, 'delivery');
  await a.close();
  await b.close();
});
