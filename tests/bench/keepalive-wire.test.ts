/**
 * The keep-alive benchmark's hand-written gRPC: int64 varints, the two LeaseKeepAlive messages
 * (checked byte for byte against protobufjs's encoding with etcd's protos), gRPC message framing
 * over arbitrary chunks, and one stream against a local node:http2 server (one DATA frame per
 * keep-alive, the status from the trailers).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { connectMember, KeepAliveCall } from '../../bench/lease/keepalive-call.js';
import {
  decodeGrpcMessage, decodeKeepAliveResponse, decodeVarint64, encodeKeepAliveRequest, encodeVarint64, GrpcMessageReader,
} from '../../bench/lease/keepalive-wire.js';
import { etcdService } from '../../net/grpc/protos.js';

const keepAlive = etcdService('Lease').LeaseKeepAlive!;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** protobufjs's bytes for a LeaseKeepAliveRequest, framed as gRPC frames it. */
function protobufjsRequest(id: bigint): Buffer {
  const body = keepAlive.requestSerialize({ ID: id.toString() });
  return Buffer.concat([Buffer.from([0, ...uint32(body.length)]), body]);
}

function uint32(value: number): number[] {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

/** A gRPC message around `body`. */
function framed(body: Uint8Array): Buffer {
  return Buffer.from([0, ...uint32(body.length), ...body]);
}

test('int64 varints round-trip, negative ones as ten bytes of two\'s complement', () => {
  const values = [0n, 1n, 127n, 128n, 300n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 35n + 5n, 2n ** 53n - 1n, 2n ** 53n + 1n,
    2n ** 56n, INT64_MAX, -1n, -2n, -(2n ** 32n), -(2n ** 53n) - 1n, INT64_MIN];
  for (const value of values) {
    const bytes = encodeVarint64(value);
    assert.deepEqual(decodeVarint64(bytes, 0), { value, end: bytes.length }, `${value}`);
    // Read from inside a larger buffer, as a field is.
    assert.deepEqual(decodeVarint64(Uint8Array.from([0xff, ...bytes, 0x01]), 1), { value, end: bytes.length + 1 }, `${value} inside`);
  }
  assert.deepEqual([...encodeVarint64(300n)], [0xac, 0x02]);
  assert.equal(encodeVarint64(INT64_MAX).length, 9);
  assert.equal(encodeVarint64(-1n).length, 10);
  assert.deepEqual([...encodeVarint64(-1n)], [...Array<number>(9).fill(0xff), 0x01]);
});

test('a truncated or over-long varint is refused', () => {
  assert.throws(() => decodeVarint64(Uint8Array.from([0x80, 0x80]), 0), /truncated/);
  assert.throws(() => decodeVarint64(Uint8Array.from(Array<number>(11).fill(0x80)), 0), /longer than 10/);
});

test('a keep-alive request is byte for byte the gRPC message protobufjs writes, for small, large and negative IDs', () => {
  for (const id of [0n, 1n, 7587869445620393478n, 2n ** 53n + 1n, INT64_MAX, -1n, INT64_MIN]) {
    assert.deepEqual(encodeKeepAliveRequest(id), protobufjsRequest(id), `ID ${id}`);
  }
});

test('a keep-alive answer written by protobufjs reads back its ID and TTL, the header skipped', () => {
  const header = { cluster_id: '14841639068965178418', member_id: '10276657743932975437', revision: '123456', raft_term: '7' };
  for (const [id, ttl] of [[INT64_MAX, 60n], [2n ** 53n + 1n, 0n], [1n, -1n], [0n, 9_000_000n]] as const) {
    const body = keepAlive.responseSerialize({ header, ID: id.toString(), TTL: ttl.toString() });
    assert.deepEqual(decodeKeepAliveResponse(body), { id, ttl });
  }
  assert.deepEqual(decodeKeepAliveResponse(new Uint8Array(0)), { id: 0n, ttl: 0n });
});

test('fields the answer does not know are skipped by wire type, wherever they come', () => {
  const body = Uint8Array.from([
    0x28, 0x96, 0x01, // field 5, varint 150
    0x10, ...encodeVarint64(42n), // ID
    0x31, 1, 2, 3, 4, 5, 6, 7, 8, // field 6, fixed64
    0x3a, 3, 0x18, 0x02, 0x00, // field 7, 3 bytes that look like a TTL field: inside a skipped field they are not one
    0x45, 9, 9, 9, 9, // field 8, fixed32
    0xc0, 0x3e, ...encodeVarint64(-5n), // field 1000, a negative varint
    0x18, 0x3c, // TTL 60
    0x0a, 0, // an empty header
  ]);
  assert.deepEqual(decodeKeepAliveResponse(body), { id: 42n, ttl: 60n });
  assert.throws(() => decodeKeepAliveResponse(Uint8Array.from([0x1b])), /wire type 3/);
  assert.throws(() => decodeKeepAliveResponse(Uint8Array.from([0x3a, 5, 1, 2])), /truncated/);
  assert.throws(() => decodeKeepAliveResponse(Uint8Array.from([0x31, 1, 2, 3])), /truncated/);
});

test('gRPC messages are cut out of chunks whatever the cuts: split prefixes, split bodies, several in one chunk', () => {
  const bodies = [Uint8Array.from([0x10, 0x01, 0x18, 0x3c]), new Uint8Array(0), Uint8Array.from(Array.from({ length: 300 }, (_, i) => i & 0xff)),
    Uint8Array.from([0x18, 0x05])];
  const stream = Buffer.concat(bodies.map(framed));
  const read = (chunks: Buffer[]): { got: number[][]; pending: number } => {
    const got: number[][] = [];
    const reader = new GrpcMessageReader((body) => got.push([...body]));
    for (const chunk of chunks) reader.push(chunk);
    return { got, pending: reader.pendingBytes };
  };
  const expected = { got: bodies.map((body) => [...body]), pending: 0 };
  assert.deepEqual(read([stream]), expected);
  assert.deepEqual(read([...stream].map((byte) => Buffer.from([byte]))), expected, 'one byte at a time');
  for (let cut = 1; cut < stream.length; cut++) {
    for (const second of [cut + 1, cut + 7, stream.length - 1]) {
      if (second <= cut || second >= stream.length) continue;
      assert.deepEqual(read([stream.subarray(0, cut), stream.subarray(cut, second), stream.subarray(second)]), expected, `cuts ${cut}, ${second}`);
    }
  }
  assert.deepEqual(read([stream.subarray(0, 7)]), { got: [], pending: 7 }, 'an unfinished message is held back');
});

test('a compressed or oversized gRPC message is refused', () => {
  const reader = new GrpcMessageReader(() => {});
  assert.throws(() => reader.push(Buffer.from([1, 0, 0, 0, 1, 0x08])), /compressed/);
  assert.throws(() => new GrpcMessageReader(() => {}).push(Buffer.from([0, 0x7f, 0, 0, 0])), /exceeds/);
});

test('grpc-message is percent-decoded, and left as it came when it is not valid percent-encoding', () => {
  assert.equal(decodeGrpcMessage('etcdserver: requested lease not found'), 'etcdserver: requested lease not found');
  assert.equal(decodeGrpcMessage('lease %E2%9C%97 gone%0A'), 'lease \u2717 gone\n');
  assert.equal(decodeGrpcMessage('100%'), '100%');
  assert.equal(decodeGrpcMessage('bad %E2%28'), 'bad %E2%28');
});

/** A local HTTP/2 server; `onStream` handles each request stream. */
async function withServer(onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void, body: (target: string) => Promise<void>): Promise<void> {
  const server = http2.createServer();
  server.on('stream', onStream);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await body(`127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (check()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(poll, 5);
    };
    poll();
  });
}

test('keep-alives sent in one tick each travel in their own DATA frame, and every answer comes back in order', async () => {
  const count = 50;
  const chunkBytes: number[] = [];
  let requestHeaders: http2.IncomingHttpHeaders = {};
  await withServer((stream, headers) => {
    requestHeaders = headers;
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    const reader = new GrpcMessageReader((body) => {
      const id = BigInt(keepAlive.requestDeserialize(Buffer.from(body)).ID as string);
      // Answers to a frame go back in one write, so the client also reads several messages per chunk.
      stream.write(framed(keepAlive.responseSerialize({ header: { revision: '9' }, ID: id.toString(), TTL: String(id % 2n === 0n ? 60 : 0) })));
    });
    stream.on('data', (chunk: Buffer) => { chunkBytes.push(chunk.length); reader.push(chunk); });
    stream.on('end', () => stream.end());
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  }, async (target) => {
    const session = await connectMember(target, 2000);
    const ttls: bigint[] = [];
    const errors: Error[] = [];
    const call = new KeepAliveCall(session, { onAnswer: (ttl) => ttls.push(ttl), onError: (error) => errors.push(error) });
    const requests = Array.from({ length: count }, (_, i) => encodeKeepAliveRequest(BigInt(i) + 2n ** 60n));
    for (const request of requests) call.send(request);
    await eventually(() => ttls.length === count, `${count} answers`);
    call.end();
    await new Promise((resolve) => setTimeout(resolve, 50));
    session.destroy();
    assert.deepEqual(errors, []);
    assert.deepEqual(ttls, requests.map((_, i) => (i % 2 === 0 ? 60n : 0n)));
    assert.deepEqual(chunkBytes, requests.map((request) => request.length), 'one DATA frame per keep-alive');
  });
  assert.equal(requestHeaders[':method'], 'POST');
  assert.equal(requestHeaders[':path'], '/etcdserverpb.Lease/LeaseKeepAlive');
  assert.equal(requestHeaders['content-type'], 'application/grpc');
  assert.equal(requestHeaders.te, 'trailers');
});

test('a non-OK grpc-status in the trailers fails the stream with its decoded message, once', async () => {
  await withServer((stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('data', () => stream.end());
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '5', 'grpc-message': 'etcdserver: requested lease not found %E2%9C%97' }));
  }, async (target) => {
    const session = await connectMember(target, 2000);
    const errors: Error[] = [];
    const call = new KeepAliveCall(session, { onAnswer: () => {}, onError: (error) => errors.push(error) });
    call.send(encodeKeepAliveRequest(1n));
    await eventually(() => errors.length > 0, 'the stream error');
    await new Promise((resolve) => setTimeout(resolve, 50));
    session.destroy();
    assert.deepEqual(errors.map((error) => error.message), ['grpc-status 5: etcdserver: requested lease not found \u2717']);
  });
});
