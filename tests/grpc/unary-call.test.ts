/**
 * Unary calls served on the raw HTTP/2 stream (net/grpc/raw/unary-call.ts) answer exactly as
 * grpc-js does: the same handlers are served by a plain grpc-js server and by one whose KV methods
 * are raw routes, the same bytes go to both from a bare HTTP/2 client, and the response headers,
 * messages and final statuses must match, for answers and for every fault a client can cause.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { EtcdError, ErrKeyNotFound, GrpcCode } from '../../engine/errors.js';
import { etcdClient, etcdService } from '../../net/grpc/protos.js';
import { addRawRoutes, RAW_ROUTE_SERVER_OPTIONS } from '../../net/grpc/raw/raw-routes.js';
import { unaryRoutes, type UnaryHandler } from '../../net/grpc/raw/unary-call.js';
import { GrpcServerMetrics } from '../../net/grpc/grpc-metrics.js';

const METRICS = new GrpcServerMetrics(false);

const MAX_MESSAGE_BYTES = 4096;
const kv = etcdService('KV');
const header = { cluster_id: '11', member_id: '22', revision: '33', raft_term: '4' };
let handled = 0;

/** The handlers both servers serve: an answer, an etcd error, a plain error, a slow call, a throw. */
const handlers: Record<string, UnaryHandler> = {
  Put: (request: { key: Buffer; value: Buffer }) => {
    handled++;
    // A response protobufjs cannot serialize (prev_kv must be a message).
    if (request.key.toString() === 'unserializable') return { header, prev_kv: 5 };
    return { header, prev_kv: { key: request.key, value: request.value, mod_revision: '9' } };
  },
  Range: async () => { throw ErrKeyNotFound; },
  DeleteRange: async () => { throw new Error('disk on fire'); },
  Txn: () => new Promise((resolve) => setTimeout(() => resolve({ header, succeeded: true }), 400)),
  Compact: () => { throw new EtcdError(GrpcCode.FAILED_PRECONDITION, 'etcdserver: mvcc: required revision has been compacted'); },
};

/** The same handlers through grpc-js's own unary call, as cairn served them before. */
function grpcJsImplementation(): grpc.UntypedServiceImplementation {
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [name, handle] of Object.entries(handlers)) {
    implementation[name] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      Promise.resolve().then(() => handle(call.request as never)).then((response) => callback(null, response), (error: Error) =>
        callback({ code: error instanceof EtcdError ? error.code as number : GrpcCode.UNKNOWN, details: error.message }));
    };
  }
  return implementation;
}

async function listen(server: grpc.Server): Promise<number> {
  return new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(),
    (error, port) => (error ? reject(error) : resolve(port))));
}

const servers: grpc.Server[] = [];
let reference: number;
let raw: number;

before(async () => {
  const plain = new grpc.Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES });
  plain.addService(kv, grpcJsImplementation());
  const routed = new grpc.Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES, ...RAW_ROUTE_SERVER_OPTIONS });
  addRawRoutes(routed, unaryRoutes(kv, handlers, MAX_MESSAGE_BYTES, METRICS));
  servers.push(plain, routed);
  reference = await listen(plain);
  raw = await listen(routed);
});

after(() => {
  for (const server of servers) server.forceShutdown();
});

interface Exchange {
  headers: Record<string, unknown>;
  messages: Buffer[];
  status: { code: string; message: string };
}

const framed = (body: Buffer, compressed = 0): Buffer => {
  const prefix = Buffer.alloc(5);
  prefix[0] = compressed;
  prefix.writeUInt32BE(body.length, 1);
  return Buffer.concat([prefix, body]);
};

/** Sends `frames` (then half-closes unless told not to) and collects what comes back. */
async function exchange(port: number, path: string, frames: Buffer[], extraHeaders: http2.OutgoingHttpHeaders = {},
  halfClose = true): Promise<Exchange> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...extraHeaders });
    const chunks: Buffer[] = [];
    let headers: Record<string, unknown> = {};
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    const status = await new Promise<{ code: string; message: string }>((resolve, reject) => {
      const onStatus = (h: http2.IncomingHttpHeaders): void => {
        if (h['grpc-status'] !== undefined) resolve({ code: String(h['grpc-status']), message: decodeURIComponent(String(h['grpc-message'] ?? '')) });
      };
      stream.on('response', (h) => {
        const { date: _date, ...kept } = h;
        headers = kept;
        onStatus(h);
      });
      stream.on('trailers', onStatus);
      stream.on('error', reject);
      for (const frame of frames) stream.write(frame);
      if (halfClose) stream.end();
    });
    const data = Buffer.concat(chunks);
    const messages: Buffer[] = [];
    for (let at = 0; at + 5 <= data.length; at += 5 + data.readUInt32BE(at + 1)) messages.push(data.subarray(at + 5, at + 5 + data.readUInt32BE(at + 1)));
    return { headers, messages, status };
  } finally {
    session.destroy();
  }
}

/** The exchange on both servers; they must agree. */
async function same(path: string, frames: Buffer[], extraHeaders: http2.OutgoingHttpHeaders = {}, halfClose = true): Promise<Exchange> {
  const expected = await exchange(reference, path, frames, extraHeaders, halfClose);
  const actual = await exchange(raw, path, frames, extraHeaders, halfClose);
  assert.deepEqual(actual, expected);
  return actual;
}

const putBytes = kv['Put']!.requestSerialize({ key: Buffer.from('k'), value: Buffer.from('v') });

test('an answer: the same headers, the same response bytes, then OK', async () => {
  const answer = await same('/etcdserverpb.KV/Put', [framed(putBytes)]);
  assert.equal(answer.status.code, '0');
  assert.equal(answer.messages.length, 1);
  const response = kv['Put']!.responseDeserialize(answer.messages[0]!) as { header: typeof header; prev_kv: { key: Buffer } };
  assert.deepEqual(response.header, header);
  assert.equal(response.prev_kv.key.toString(), 'k');
});

test('a grpc-js client gets the answer and the etcd errors the same way from either server', async () => {
  const KV = etcdClient('KV');
  for (const port of [reference, raw]) {
    const client = new KV(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, Function>;
    const ask = (method: string, request: object) => new Promise<unknown>((resolve, reject) =>
      client[method]!(request, (error: grpc.ServiceError | null, response: unknown) => (error ? reject(error) : resolve(response))));
    const put = await ask('Put', { key: Buffer.from('a'), value: Buffer.from('b') }) as { header: typeof header };
    assert.deepEqual(put.header, header);
    await assert.rejects(ask('Range', { key: Buffer.from('a') }), { code: ErrKeyNotFound.code, details: ErrKeyNotFound.message });
    await assert.rejects(ask('DeleteRange', { key: Buffer.from('a') }), { code: GrpcCode.UNKNOWN, details: 'disk on fire' });
    await assert.rejects(ask('Compact', { revision: 3 }), { code: GrpcCode.FAILED_PRECONDITION, details: 'etcdserver: mvcc: required revision has been compacted' });
    client.close();
  }
});

test('handler errors, thrown or rejected, end the call with their status and no message', async () => {
  for (const path of ['/etcdserverpb.KV/Range', '/etcdserverpb.KV/DeleteRange', '/etcdserverpb.KV/Compact']) {
    const failed = await same(path, [framed(Buffer.alloc(0))]);
    assert.notEqual(failed.status.code, '0', path);
    assert.equal(failed.messages.length, 0, path);
  }
});

test('a response that cannot be serialized ends the call INTERNAL, as grpc-js ends it', async () => {
  const request = kv['Put']!.requestSerialize({ key: Buffer.from('unserializable'), value: Buffer.from('v') });
  const failed = await same('/etcdserverpb.KV/Put', [framed(request)]);
  assert.deepEqual(failed.status, { code: String(GrpcCode.INTERNAL), message: 'Error serializing response' });
  assert.equal(failed.messages.length, 0);
});

test('faults a client can cause: malformed, two requests, none, oversized, unsupported compression, a deadline', async () => {
  const before = handled;
  const malformed = await same('/etcdserverpb.KV/Put', [framed(Buffer.from([0x0a, 0xff]))]);
  assert.deepEqual(malformed.status, { code: String(GrpcCode.INTERNAL), message: 'Error deserializing request' });
  const twice = await same('/etcdserverpb.KV/Put', [framed(putBytes), framed(putBytes)]);
  assert.equal(twice.status.code, String(GrpcCode.UNIMPLEMENTED));
  const none = await same('/etcdserverpb.KV/Put', []);
  assert.equal(none.status.code, String(GrpcCode.UNIMPLEMENTED));
  const oversized = await same('/etcdserverpb.KV/Put', [framed(Buffer.alloc(MAX_MESSAGE_BYTES + 1))]);
  assert.deepEqual(oversized.status, { code: String(GrpcCode.RESOURCE_EXHAUSTED), message: `Received message larger than max (${MAX_MESSAGE_BYTES + 1} vs ${MAX_MESSAGE_BYTES})` });
  const snappy = await same('/etcdserverpb.KV/Put', [framed(putBytes, 1)], { 'grpc-encoding': 'snappy' });
  assert.equal(snappy.status.code, String(GrpcCode.UNIMPLEMENTED));
  assert.equal(handled, before, 'no faulty call reached its handler');
  const late = await same('/etcdserverpb.KV/Txn', [framed(Buffer.alloc(0))], { 'grpc-timeout': '100m' });
  assert.deepEqual(late.status, { code: String(GrpcCode.DEADLINE_EXCEEDED), message: 'Deadline exceeded' });
  assert.equal(late.messages.length, 0);
});

test('a gzip-compressed request is inflated and answered', async () => {
  const { gzipSync } = await import('node:zlib');
  const answer = await same('/etcdserverpb.KV/Put', [framed(gzipSync(putBytes), 1)], { 'grpc-encoding': 'gzip' });
  assert.equal(answer.status.code, '0');
  assert.equal(answer.messages.length, 1);
});

test('a method the server does not implement is still grpc-js\'s UNIMPLEMENTED', async () => {
  const missing = await same('/etcdserverpb.KV/NoSuchMethod', [framed(putBytes)]);
  assert.equal(missing.status.code, String(GrpcCode.UNIMPLEMENTED));
});

test('a method that is not unary cannot be routed as one', () => {
  assert.throws(() => unaryRoutes(etcdService('Watch'), { Watch: () => ({}) }, MAX_MESSAGE_BYTES, METRICS), /not a unary method/);
  assert.throws(() => unaryRoutes(kv, { Nope: () => ({}) }, MAX_MESSAGE_BYTES, METRICS), /not a unary method/);
});

test('a call the client cancels before its answer is dropped quietly; the server goes on serving', async () => {
  const session = http2.connect(`http://127.0.0.1:${raw}`);
  try {
    const stream = session.request({ ':method': 'POST', ':path': '/etcdserverpb.KV/Txn', 'content-type': 'application/grpc', te: 'trailers' });
    stream.on('error', () => {});
    stream.end(framed(Buffer.alloc(0)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    stream.close(http2.constants.NGHTTP2_CANCEL);
    // The handler answers 400 ms after it started; by then the call is gone.
    await new Promise((resolve) => setTimeout(resolve, 500));
  } finally {
    session.destroy();
  }
  const answer = await exchange(raw, '/etcdserverpb.KV/Put', [framed(putBytes)]);
  assert.equal(answer.status.code, '0');
});
