/**
 * The Watch call served on the raw HTTP/2 stream (net/grpc/raw/watch-stream.ts), against a real
 * one-member cluster: many watchers on one stream each get every event once and in order; a
 * client that stops reading congests the stream, and its watcher catches up from history once it
 * reads again, missing nothing; faults end the call with grpc-js's status and message. A grpc-js
 * client speaks for etcd's clients, a bare HTTP/2 client sends what they never do.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { GrpcCode } from '../../engine/errors.js';
import { etcdClient, etcdService } from '../../net/grpc/protos.js';
import { GrpcMessageReader } from '../../net/grpc/raw/grpc-wire.js';
import { WATCH_PATH, WATCH_SEND_BYTES_MAX } from '../../net/grpc/raw/watch-stream.js';
import { call, ProcessCluster } from '../cluster/process-cluster.js';

interface WireEvent { type: string; kv: { key: Buffer; mod_revision: string; value: Buffer } }
interface WireResponse { watch_id: string; created: boolean; canceled: boolean; events: WireEvent[] }

const watchMethod = etcdService('Watch')['Watch']!;
let cluster: ProcessCluster;
let target: string;

before(async () => {
  cluster = new ProcessCluster(1, 100, 1000);
  await cluster.start();
  await cluster.leader();
  target = `127.0.0.1:${cluster.members[0]!.clientPort}`;
});

after(async () => {
  await cluster.close();
});

function put(key: string, value: Buffer | string): Promise<{ header: { revision: string } }> {
  return call(cluster.members[0]!.clients!.kv, 'Put', { key: Buffer.from(key), value: Buffer.from(value) });
}

/** A gRPC message around a WatchRequest, as protobufjs encodes it. */
function framedRequest(request: object): Buffer {
  const body = watchMethod.requestSerialize(request);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(body.length, 1);
  return Buffer.concat([prefix, body]);
}

/** A bare HTTP/2 Watch call: what it receives, decoded, and its final status. */
function bareCall(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders = {}) {
  const stream = session.request({ ':method': 'POST', ':path': WATCH_PATH, 'content-type': 'application/grpc', te: 'trailers', ...headers });
  const responses: WireResponse[] = [];
  const reader = new GrpcMessageReader(64 * 1024 * 1024, 'identity');
  stream.on('data', (chunk: Buffer) => {
    for (const message of reader.push(chunk)) responses.push(watchMethod.responseDeserialize(message) as WireResponse);
  });
  const status = new Promise<{ code: number; message: string }>((resolve) => {
    const onStatus = (h: http2.IncomingHttpHeaders): void => {
      if (h['grpc-status'] !== undefined) resolve({ code: Number(h['grpc-status']), message: decodeURIComponent(String(h['grpc-message'] ?? '')) });
    };
    stream.on('response', onStatus);
    stream.on('trailers', onStatus);
  });
  stream.on('error', () => {});
  return { stream, responses, status };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('one stream, 200 watchers of one key: every put reaches every watcher once, in order; a cancelled watcher gets no more', async () => {
  const Watch = etcdClient('Watch');
  const client = new Watch(target, grpc.credentials.createInsecure()) as grpc.Client & Record<string, Function>;
  const stream = client['Watch']!() as grpc.ClientDuplexStream<object, WireResponse>;
  const seen = new Map<string, number[]>();
  let created = 0;
  let cancelled = false;
  stream.on('data', (response: WireResponse) => {
    if (response.created) created++;
    if (response.canceled) cancelled = true;
    for (const event of response.events) {
      const revisions = seen.get(response.watch_id) ?? [];
      revisions.push(Number(event.kv.mod_revision));
      seen.set(response.watch_id, revisions);
    }
  });
  stream.on('error', () => {});
  try {
    for (let id = 1; id <= 200; id++) stream.write({ create_request: { key: Buffer.from('fan'), watch_id: id } });
    await until(() => created === 200, '200 created responses');
    const first = Number((await put('fan', 'a')).header.revision);
    const revisions = [first];
    for (let i = 0; i < 4; i++) revisions.push(Number((await put('fan', `v${i}`)).header.revision));
    await until(() => [...seen.values()].filter((r) => r.length === 5).length === 200, 'every watcher to get 5 events');
    for (let id = 1; id <= 200; id++) assert.deepEqual(seen.get(String(id)), revisions, `watcher ${id}`);

    stream.write({ cancel_request: { watch_id: 7 } });
    await until(() => cancelled, 'the cancel response');
    const last = Number((await put('fan', 'after-cancel')).header.revision);
    await until(() => seen.get('8')!.length === 6, 'watcher 8 to get the put after the cancel');
    assert.deepEqual(seen.get('8')!.at(-1), last);
    assert.equal(seen.get('7')!.length, 5, 'the cancelled watcher got nothing more');
  } finally {
    stream.end();
    client.close();
  }
});

test('a client that stops reading congests its stream; reading again, its watcher catches up from history with every event once', async () => {
  const session = http2.connect(`http://${target}`);
  try {
    const { stream, responses } = bareCall(session);
    stream.write(framedRequest({ create_request: { key: Buffer.from('big'), watch_id: 1 } }));
    await until(() => responses.some((r) => r.created), 'the created response');
    stream.pause();
    // More than WATCH_SEND_BYTES_MAX of events while nothing is read: HTTP/2 flow control stops
    // the writes, and the member moves the watcher to catch-up instead of buffering them.
    const value = Buffer.alloc(200 * 1024, 'x');
    const puts = Math.ceil((WATCH_SEND_BYTES_MAX * 1.5) / value.length);
    const revisions: number[] = [];
    for (let i = 0; i < puts; i++) revisions.push(Number((await put('big', value)).header.revision));
    const metrics = await (await fetch(`http://127.0.0.1:${cluster.members[0]!.httpPort}/metrics`)).text();
    assert.match(metrics, /^etcd_debugging_mvcc_slow_watcher_total [1-9]/m, 'the watcher was moved to catch-up');
    stream.resume();
    const received = (): number[] => responses.flatMap((r) => r.events.map((e) => Number(e.kv.mod_revision)));
    await until(() => received().length >= puts, `all ${puts} events`, 30_000);
    assert.deepEqual(received(), revisions);
    stream.close();
  } finally {
    session.destroy();
  }
});

test('faults end the call with grpc-js\'s status: a malformed request, an oversized one, a deadline; a half-close ends it with OK', async () => {
  const session = http2.connect(`http://${target}`);
  try {
    const malformed = bareCall(session);
    malformed.stream.end(Buffer.from([0, 0, 0, 0, 2, 0x0a, 0xff]));
    assert.deepEqual(await malformed.status, { code: GrpcCode.INTERNAL, message: 'Error deserializing request' });

    const oversized = bareCall(session);
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(64 * 1024 * 1024, 1);
    oversized.stream.write(prefix);
    const limit = 1.5 * 1024 * 1024 + 512 * 1024;
    assert.deepEqual(await oversized.status, { code: GrpcCode.RESOURCE_EXHAUSTED, message: `Received message larger than max (${64 * 1024 * 1024} vs ${limit})` });
    oversized.stream.close();

    const timed = bareCall(session, { 'grpc-timeout': '300m' });
    timed.stream.write(framedRequest({ create_request: { key: Buffer.from('t'), watch_id: 3 } }));
    assert.deepEqual(await timed.status, { code: GrpcCode.DEADLINE_EXCEEDED, message: 'Deadline exceeded' });
    assert.equal(timed.responses[0]?.created, true, 'the created response came before the status');

    const halfClosed = bareCall(session);
    halfClosed.stream.end(framedRequest({ create_request: { key: Buffer.from('h'), watch_id: 4 } }));
    assert.deepEqual(await halfClosed.status, { code: GrpcCode.OK, message: '' });
    assert.equal(halfClosed.responses[0]?.created, true);
  } finally {
    session.destroy();
  }
});
