import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PeerTransport } from '../../net/peer/peer-transport.js';
import { encodeFrame, FrameDecoder } from '../../net/peer/frame-codec.js';
import { queryMembers } from '../../net/peer/members-query.js';
import type { SnapshotSink } from '../../net/peer/snapshot-stream.js';

interface TestMessage { to: number; from: number; term: number; kind: string }

const isTestMessage = (value: unknown): value is TestMessage =>
  typeof value === 'object' && value !== null && Number.isSafeInteger((value as TestMessage).to) &&
  typeof (value as TestMessage).kind === 'string';

/** A sink that records what it was given. */
function recordingSink(log: string[], refuse = false): SnapshotSink<TestMessage> {
  let bytes = 0;
  return {
    write: async (chunk) => { bytes += chunk.length; },
    finish: async (message, total) => {
      if (refuse) throw new Error('refused by the member');
      log.push(`finish ${message.kind} ${total} ${bytes}`);
    },
    abort: () => { log.push('abort'); },
  };
}

async function member(localId: number, options: { onSnapshot?: (from: number, term: number) => SnapshotSink<TestMessage> | null;
  removed?: Set<number>; onRemovedByPeer?: () => void; members?: unknown; memberPeerUrls?: string[] } = {}) {
  return PeerTransport.listen<TestMessage>({
    localId, cluster: 'test-cluster', clusterId: 7, listen: { host: '127.0.0.1', port: 0 },
    isMember: (id) => id >= 1 && id <= 4,
    onMessage: () => {}, isMessage: isTestMessage, sizeOf: () => 64,
    reconnectDelayMsMin: 10, reconnectDelayMsMax: 50,
    ...(options.onSnapshot ? { onSnapshot: options.onSnapshot } : {}),
    ...(options.removed ? { isRemoved: (from: number) => options.removed!.has(from) } : {}),
    ...(options.onRemovedByPeer ? { onRemovedByPeer: options.onRemovedByPeer } : {}),
    ...(options.members !== undefined ? { onMembersQuery: () => options.members } : {}),
    isMemberPeerUrl: (url) => options.memberPeerUrls?.includes(url) === true,
  });
}

/** Sends raw frames on a snapshot stream and returns the acknowledgement frame the receiver answers. */
async function rawStream(port: number, frames: unknown[]): Promise<unknown> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  const decoder = new FrameDecoder(1 << 20);
  const answers: unknown[] = [];
  socket.on('data', (chunk: Buffer) => answers.push(...decoder.push(chunk)));
  socket.write(encodeFrame({ cluster: 'test-cluster', clusterId: 7, from: 1, to: 2, stream: 'snapshot', term: 1 }));
  for (const frame of frames) socket.write(encodeFrame(frame));
  await once(socket, 'close');
  return answers[0];
}

test('a snapshot file and its message reach the receiver\'s sink whole, and the sender hears it was used', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'snap-stream-'));
  const log: string[] = [];
  const b = await member(2, { onSnapshot: () => recordingSink(log) });
  const a = await member(1);
  try {
    a.setPeer(2, b.address());
    const file = join(dir, 'out.snap');
    writeFileSync(file, Buffer.alloc(3 * 1024 * 1024 + 17, 7));
    await a.sendSnapshot({ to: 2, from: 1, term: 1, kind: 'snap' }, file);
    assert.deepEqual(log, [`finish snap ${3 * 1024 * 1024 + 17} ${3 * 1024 * 1024 + 17}`]);
  } finally {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a snapshot stream that breaks the protocol is refused, the sink discards it, and a refusal reaches the sender', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'snap-stream-'));
  const log: string[] = [];
  let refuse = false;
  const b = await member(2, { onSnapshot: () => recordingSink(log, refuse) });
  const port = b.address().port;
  try {
    const chunk = new Uint8Array(10);
    assert.deepEqual(await rawStream(port, [{ chunk }, { end: { to: 2, from: 1, term: 1, kind: 'snap' }, bytes: 11 }]),
      { ok: false, error: 'expected 11 bytes, received 10' });
    assert.deepEqual(await rawStream(port, [{ chunk }, { end: { to: 'x' }, bytes: 10 }]), { ok: false, error: 'malformed snapshot message' });
    assert.deepEqual(await rawStream(port, [{ nonsense: true }]), { ok: false, error: 'malformed snapshot stream frame' });
    assert.deepEqual(log, ['abort', 'abort', 'abort']);
    // The member refusing to install it: the sender's promise rejects with its reason.
    refuse = true;
    const a = await member(1);
    a.setPeer(2, b.address());
    const file = join(dir, 'out.snap');
    writeFileSync(file, Buffer.alloc(100));
    await assert.rejects(a.sendSnapshot({ to: 2, from: 1, term: 1, kind: 'snap' }, file), /peer refused the snapshot: refused by the member/);
    await a.close();
    // A member that takes no snapshot (or is already receiving one) refuses the connection.
    const c = await member(3);
    const d = await member(4);
    c.setPeer(4, d.address());
    await assert.rejects(c.sendSnapshot({ to: 4, from: 3, term: 1, kind: 'snap' }, file));
    assert.equal(d.stats.connectionsRefused, 1);
    await c.close();
    await d.close();
  } finally {
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a snapshot stream is offered to the member with the sender and term its Hello declared, and its message must match both', async () => {
  const offers: string[] = [];
  const log: string[] = [];
  const b = await member(2, { onSnapshot: (from, term) => {
    offers.push(`${from}@${term}`);
    return recordingSink(log);
  } });
  const port = b.address().port;
  const chunk = new Uint8Array(10);
  const refused = { ok: false, error: 'malformed snapshot message' };
  try {
    assert.deepEqual(await rawStream(port, [{ chunk }, { end: { to: 2, from: 3, term: 1, kind: 'snap' }, bytes: 10 }]), refused);
    assert.deepEqual(await rawStream(port, [{ chunk }, { end: { to: 2, from: 1, term: 2, kind: 'snap' }, bytes: 10 }]), refused);
    assert.deepEqual(await rawStream(port, [{ chunk }, { end: { to: 2, from: 1, term: 1, kind: 'snap' }, bytes: 10 }]), { ok: true });
    assert.deepEqual(offers, ['1@1', '1@1', '1@1']);
    assert.deepEqual(log, ['abort', 'abort', 'finish snap 10 10']);
  } finally {
    await b.close();
  }
});

test('a membership query is answered only to a member of the same cluster, by a peer URL of its host', async () => {
  const joiner = 'http://127.0.0.1:2380';
  const elsewhere = 'http://192.0.2.1:2380';
  const b = await member(2, { members: { cluster_id: 7, members: [] }, memberPeerUrls: [joiner, elsewhere] });
  const refused = /closed the connection without an answer/;
  try {
    assert.deepEqual(await queryMembers(b.address(), 'test-cluster', ['http://127.0.0.1:9', joiner]), { cluster_id: 7, members: [] });
    await assert.rejects(queryMembers(b.address(), 'another-cluster', [joiner]), refused);
    await assert.rejects(queryMembers(b.address(), 'test-cluster', ['http://127.0.0.1:9']), refused);
    await assert.rejects(queryMembers(b.address(), 'test-cluster', [elsewhere]), refused);
    await assert.rejects(queryMembers(b.address(), 'test-cluster', []), refused);
    assert.deepEqual([b.stats.refused.wrong_cluster, b.stats.refused.not_a_member, b.stats.refused.wrong_address], [1, 2, 1]);
  } finally {
    await b.close();
  }
});

test('a removed member\'s traffic is refused with a "removed" answer, and the removed member hears it', async () => {
  let told = 0;
  const b = await member(2, { removed: new Set([1]) });
  const a = await member(1, { onRemovedByPeer: () => { told++; } });
  try {
    a.setPeer(2, b.address());
    const deadline = Date.now() + 5000;
    while (told === 0 && Date.now() < deadline) {
      a.send([{ to: 2, from: 1, term: 1, kind: 'heartbeat' }]);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(told >= 1);
    assert.ok(b.stats.connectionsRefused >= 1);
  } finally {
    await a.close();
    await b.close();
  }
});
