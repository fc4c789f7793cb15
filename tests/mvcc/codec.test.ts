import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ErrCompacted, ErrEmptyKey, ErrNoLeader, ErrRequestTooLarge, ErrTimeout, EtcdError, GrpcCode, etcdErrorFrom, etcdErrorOfRecord,
  etcdErrorRecord,
} from '../../engine/errors.js';
import { decodeKeyValue, encodeKeyValue, keyOfEncodedKeyValue } from '../../engine/mvcc/kv-codec.js';
import { decodeInternalRequest, encodeInternalRequest } from '../../engine/mvcc/request.js';
import { bytesToRevision, revisionToBytes } from '../../engine/mvcc/revision.js';
import { b } from './helpers.js';

test('revision keys sort in revision order, with etcd\'s 17-byte layout and tombstone mark', () => {
  const revisions = [[1, 0], [1, 1], [2, 0], [255, 7], [256, 0], [2 ** 32, 0], [2 ** 40 + 3, 2 ** 33]] as const;
  const encoded = revisions.map(([main, sub]) => revisionToBytes(main, sub));
  const sorted = [...encoded].sort(Buffer.compare);
  assert.deepEqual(sorted, encoded);
  assert.deepEqual(revisionToBytes(1, 2), Buffer.from([0, 0, 0, 0, 0, 0, 0, 1, 0x5f, 0, 0, 0, 0, 0, 0, 0, 2]));
  assert.equal(revisionToBytes(1, 2, true).at(-1), 0x74);
  assert.deepEqual(bytesToRevision(revisionToBytes(2 ** 40 + 3, 9, true)), { main: 2 ** 40 + 3, sub: 9, tombstone: true });
});

test('KeyValue encodes as mvccpb.KeyValue protobuf and decodes back', () => {
  const kv = { key: b('a'), create_revision: 1, mod_revision: 2, version: 1, value: b('b'), lease: 0 };
  assert.deepEqual(encodeKeyValue(kv), Buffer.from([0x0a, 0x01, 0x61, 0x10, 0x01, 0x18, 0x02, 0x20, 0x01, 0x2a, 0x01, 0x62]));
  const large = { key: b('k'.repeat(300)), create_revision: 2 ** 40, mod_revision: 2 ** 52 + 1, version: 128, value: b('v'.repeat(70_000)), lease: 2 ** 50 };
  const decoded = decodeKeyValue(encodeKeyValue(large));
  assert.deepEqual({ ...decoded, key: Buffer.from(decoded.key), value: Buffer.from(decoded.value) }, large);
  assert.deepEqual(Buffer.from(keyOfEncodedKeyValue(encodeKeyValue(large))), large.key);
  assert.equal(decodeKeyValue(encodeKeyValue(large), false).value.length, 0);
});

test('a negative lease is stored as protobuf writes an int64: a 10-byte two\'s complement varint, read back signed', () => {
  const kv = { key: b('a'), create_revision: 1, mod_revision: 1, version: 1, value: b('b'), lease: -5 };
  const encoded = encodeKeyValue(kv);
  assert.deepEqual(encoded.subarray(-11), Buffer.from([0x30, 0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
  const decoded = decodeKeyValue(encoded);
  assert.deepEqual({ ...decoded, key: Buffer.from(decoded.key), value: Buffer.from(decoded.value) }, kv);
  for (const lease of [-1, Number.MIN_SAFE_INTEGER + 1, Number.MIN_SAFE_INTEGER, -(2 ** 49), 2 ** 49, Number.MAX_SAFE_INTEGER]) {
    assert.equal(decodeKeyValue(encodeKeyValue({ ...kv, lease })).lease, lease);
  }
  assert.throws(() => encodeKeyValue({ ...kv, lease: Number.MIN_SAFE_INTEGER - 1 }), /KeyValue\.lease must be a safe integer/);
  assert.throws(() => encodeKeyValue({ ...kv, mod_revision: -1 }), /KeyValue\.mod_revision must be a safe non-negative integer/);
  assert.throws(() => encodeKeyValue({ ...kv, version: -1 }), /non-negative/);
  // A revision that reads back negative, or an int64 beyond 2^53-1, is corruption, never a number.
  const negativeRevision = Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  assert.throws(() => decodeKeyValue(negativeRevision), /corrupt KeyValue: field 2 is negative/);
  assert.throws(() => decodeKeyValue(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10])), /beyond 2\^53-1/);
  assert.throws(() => decodeKeyValue(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x01])), /longer than 10 bytes/);
});

test('internal requests round-trip through msgpack; foreign data decodes to nothing', () => {
  const request = { txn: { compare: [{ key: b('a'), version: 3 }], success: [{ request_put: { key: b('a'), value: new Uint8Array([1, 2]) } }] } };
  const decoded = decodeInternalRequest(encodeInternalRequest(request));
  assert.ok(decoded !== undefined && 'txn' in decoded);
  assert.deepEqual(Buffer.from(decoded.txn.success![0]!.request_put!.value!), Buffer.from([1, 2]));
  assert.equal(decoded.txn.compare![0]!.version, 3);
  assert.equal(decodeInternalRequest(encodeInternalRequest({ auth_enable: {} } as never)), undefined);
  const grant = decodeInternalRequest(encodeInternalRequest({ lease_grant: { ID: 7, TTL: 5 } }));
  assert.deepEqual(grant, { lease_grant: { ID: 7, TTL: 5 } });
  assert.equal(decodeInternalRequest(new Uint8Array([0xc1])), undefined);
});

test('errors carry etcd\'s gRPC code, message and gateway HTTP status; a status from another process maps to etcd\'s value', () => {
  assert.equal(ErrCompacted.code, GrpcCode.OUT_OF_RANGE);
  assert.equal(ErrCompacted.httpStatus, 400);
  assert.equal(ErrNoLeader.code, GrpcCode.UNAVAILABLE);
  assert.equal(ErrNoLeader.httpStatus, 503);
  assert.equal(ErrNoLeader.message, 'etcdserver: no leader');
  assert.equal(ErrRequestTooLarge.message, 'etcdserver: request is too large');
  assert.equal(etcdErrorFrom(GrpcCode.INVALID_ARGUMENT, 'etcdserver: key is not provided'), ErrEmptyKey);
  assert.equal(etcdErrorFrom(GrpcCode.OUT_OF_RANGE, ErrCompacted.message), ErrCompacted);
  const internal = etcdErrorFrom(GrpcCode.INTERNAL, 'disk on fire');
  assert.ok(internal instanceof EtcdError);
  assert.equal(internal.httpStatus, 500);
});

test('an error crosses a thread boundary by its id and comes back as the same value, never looked up by its text', () => {
  for (const error of [ErrCompacted, ErrTimeout, ErrEmptyKey]) {
    const record = structuredClone(etcdErrorRecord(error));
    assert.equal(typeof record.id, 'string');
    assert.equal(etcdErrorOfRecord(record), error);
    // The id decides, not the message: a record whose text was changed on the way still revives etcd's value.
    assert.equal(etcdErrorOfRecord({ ...record, message: 'reworded' }), error);
  }
  const own = new EtcdError(GrpcCode.INTERNAL, ErrCompacted.message);
  const revived = etcdErrorOfRecord(structuredClone(etcdErrorRecord(own)));
  assert.notEqual(revived, ErrCompacted, 'an error that is not etcd\'s is not mistaken for one that reads the same');
  assert.deepEqual([revived.code, revived.message, revived.httpStatus], [GrpcCode.INTERNAL, ErrCompacted.message, 500]);
});
