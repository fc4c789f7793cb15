/**
 * The hand-written LeaseKeepAlive codec against protobufjs with etcd's own protos: requests
 * protobufjs encodes (every int64 corner, unknown fields) decode to the same ID; answers this
 * codec encodes decode, through protobufjs, to the same responses; malformed bytes are refused
 * with grpc-js's status. And gRPC's message framing over arbitrary chunks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { EtcdError, GrpcCode } from '../../engine/errors.js';
import { etcdService } from '../../net/grpc/protos.js';
import { encodeResponseHeader } from '../../engine/wire/response-header.js';
import { decodeKeepAliveRequest, encodeKeepAliveAnswers } from '../../net/grpc/raw/keepalive-codec.js';
import { GrpcMessageReader, grpcTimeoutMs } from '../../net/grpc/raw/grpc-wire.js';

const keepAlive = etcdService('Lease').LeaseKeepAlive!;

function statusOf(run: () => unknown): { code: number; message: string } {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof EtcdError, String(error));
    return { code: error.code, message: error.message };
  }
  assert.fail('expected an error');
}

test('requests protobufjs encodes decode to the same ID, however wide the varint', () => {
  for (const id of [0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 + 7, 2 ** 49 - 1, 2 ** 49, 2 ** 53 - 1, -1, -(2 ** 32), -(2 ** 53) + 1]) {
    assert.equal(decodeKeepAliveRequest(keepAlive.requestSerialize({ ID: String(id) })), id, `ID ${id}`);
  }
});

test('an ID beyond 2^53 is refused as the other int64 fields are; unknown fields are skipped', () => {
  const wide = statusOf(() => decodeKeepAliveRequest(keepAlive.requestSerialize({ ID: '9007199254740993' })));
  assert.deepEqual(wide, { code: GrpcCode.INVALID_ARGUMENT, message: 'cairn: ID 9007199254740993 is outside the supported range (|n| <= 2^53-1)' });
  // field 2 varint, field 3 bytes, field 4 fixed64, field 5 fixed32, then ID 42.
  const unknown = Buffer.from([0x10, 0x96, 0x01, 0x1a, 0x02, 0x61, 0x62, 0x21, 1, 2, 3, 4, 5, 6, 7, 8, 0x2d, 1, 2, 3, 4, 0x08, 42]);
  assert.equal(decodeKeepAliveRequest(unknown), 42);
  assert.equal(decodeKeepAliveRequest(Buffer.alloc(0)), 0);
});

test('malformed requests are refused with grpc-js\'s deserialization status', () => {
  const malformed = { code: GrpcCode.INTERNAL, message: 'Error deserializing request' };
  for (const bytes of [[0x08], [0x08, 0xff], [0x0a, 0x01, 0x01], [0x1a, 0x05, 0x61], [0x00, 0x01], [0x0b], [0x21, 1, 2],
    [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]]) {
    assert.deepEqual(statusOf(() => decodeKeepAliveRequest(Buffer.from(bytes))), malformed, `bytes ${bytes.join(',')}`);
  }
});

test('a batch of answers decodes through protobufjs to the same responses, one shared header', () => {
  const header = { cluster_id: 2 ** 52 + 11, member_id: 0x1234567, revision: 99, raft_term: 3 };
  const ids = [1, 0, 2 ** 53 - 1, -5, 300];
  const ttls = [60, 5, 0, 9_000_000_000, 2];
  const bytes = encodeKeepAliveAnswers(encodeResponseHeader(header), ids, ttls);
  const reader = new GrpcMessageReader(1 << 20, 'identity');
  const messages = reader.push(bytes);
  assert.equal(messages.length, ids.length);
  messages.forEach((message, i) => {
    const decoded = keepAlive.responseDeserialize(message) as { ID: string; TTL: string; header: Record<string, string> };
    assert.equal(decoded.ID, String(ids[i]));
    assert.equal(decoded.TTL, String(ttls[i]));
    assert.deepEqual(decoded.header, { cluster_id: String(header.cluster_id), member_id: String(header.member_id), revision: '99', raft_term: '3' });
  });
});

test('framing: messages cut anywhere across chunks, several per chunk, come out whole and in order', () => {
  const bodies = [Buffer.from([0x08, 1]), Buffer.alloc(0), Buffer.from([0x08, 0x96, 0x01]), Buffer.alloc(300, 7)];
  const wire = Buffer.concat(bodies.map((body) => Buffer.concat([Buffer.from([0, 0, 0, body.length >> 8, body.length & 0xff]), body])));
  for (const step of [1, 2, 3, 5, 7, wire.length]) {
    const reader = new GrpcMessageReader(1 << 20, 'identity');
    const out: Buffer[] = [];
    for (let i = 0; i < wire.length; i += step) out.push(...reader.push(wire.subarray(i, i + step)));
    assert.deepEqual(out.map((b) => b.toString('hex')), bodies.map((b) => b.toString('hex')), `step ${step}`);
    assert.equal(reader.partial, false);
  }
});

test('framing: a message over the limit fails before it is buffered, as grpc-js words it', () => {
  const reader = new GrpcMessageReader(100, 'identity');
  assert.deepEqual(statusOf(() => reader.push(Buffer.from([0, 0, 0, 0, 101]))),
    { code: GrpcCode.RESOURCE_EXHAUSTED, message: 'Received message larger than max (101 vs 100)' });
});

test('framing: gzip and deflate messages are inflated when the call declared them; others are unimplemented', () => {
  const body = Buffer.from([0x08, 42]);
  const compressed = gzipSync(body);
  const message = Buffer.concat([Buffer.from([1, 0, 0, 0, compressed.length]), compressed]);
  assert.deepEqual(new GrpcMessageReader(100, 'gzip').push(message), [body]);
  assert.deepEqual(statusOf(() => new GrpcMessageReader(100, 'snappy').push(message)),
    { code: GrpcCode.UNIMPLEMENTED, message: 'Received message compressed with unsupported encoding "snappy"' });
  assert.deepEqual(statusOf(() => new GrpcMessageReader(100, 'deflate').push(message)),
    { code: GrpcCode.INTERNAL, message: 'Failed to decompress message' });
  const bomb = gzipSync(Buffer.alloc(10_000));
  assert.deepEqual(statusOf(() => new GrpcMessageReader(1000, 'gzip').push(Buffer.concat([Buffer.from([1, 0, 0, bomb.length >> 8, bomb.length & 0xff]), bomb]))),
    { code: GrpcCode.RESOURCE_EXHAUSTED, message: 'Received message that decompresses to a size larger than 1000' });
});

test('grpc-timeout headers in every unit; a malformed one is an error', () => {
  assert.equal(grpcTimeoutMs('2S'), 2000);
  assert.equal(grpcTimeoutMs('1H'), 3_600_000);
  assert.equal(grpcTimeoutMs('3M'), 180_000);
  assert.equal(grpcTimeoutMs('250m'), 250);
  assert.equal(grpcTimeoutMs('1500u'), 2);
  assert.equal(grpcTimeoutMs('99999999n'), 100);
  assert.deepEqual(statusOf(() => grpcTimeoutMs('soon')), { code: GrpcCode.INTERNAL, message: 'Invalid grpc-timeout value "soon"' });
});
