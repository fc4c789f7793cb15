/**
 * A request's size is measured as etcd measures it against --max-request-bytes: the protobuf of
 * its InternalRaftRequest. Checked against protobufjs encodings of etcd's own messages (rpc.proto).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etcdRequestBytes } from '../../engine/mvcc/request-size.js';
import type { PutRequest, TxnRequest } from '../../engine/mvcc/rpc.js';
import { etcdService } from '../../net/grpc/protos.js';

/**
 * The request without its zero fields: gogo-protobuf (etcd) leaves them out, while protobufjs
 * writes a field it was given even when empty or false.
 */
function withoutZeros(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutZeros);
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value)) {
    if (field === undefined || field === 0 || field === false || (Buffer.isBuffer(field) && field.length === 0)) continue;
    out[name] = withoutZeros(field);
  }
  return out;
}

/** What etcd adds around a KV request: RequestHeader{ID} in field 100 (id at its widest) and the request's own field tag and length. */
function wrapped(field: number, inner: number): number {
  const varint = (n: number): number => (n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4);
  const header = 2 + 1 + 1 + 10;
  return header + varint(field << 3) + varint(inner) + inner;
}

test('a put is measured as etcd marshals it, with zero fields left out', () => {
  const serialize = etcdService('KV').Put!.requestSerialize;
  const cases: PutRequest[] = [
    { key: Buffer.from('k'), value: Buffer.alloc(0) },
    { key: Buffer.alloc(1971, 'k'), value: Buffer.alloc(256, 'v'), lease: 7, prev_kv: true },
    { key: Buffer.alloc(1_572_800, 'k') },
    { key: Buffer.from('neg'), value: Buffer.from('x'), lease: -5, ignore_lease: false, ignore_value: false },
  ];
  for (const put of cases) {
    assert.equal(etcdRequestBytes({ put }), wrapped(4, serialize(withoutZeros(put)).length), `key ${put.key.length}, lease ${put.lease}`);
  }
});

test('a txn with compares and nested ops is measured as etcd marshals it', () => {
  const serialize = etcdService('KV').Txn!.requestSerialize;
  const txn: TxnRequest = {
    compare: [{ key: Buffer.from('a'), target: 3, result: 1, value: Buffer.alloc(300, 'v'), range_end: Buffer.from([0]) }, { key: Buffer.from('b'), version: 2 }],
    success: [
      { request_put: { key: Buffer.from('a'), value: Buffer.alloc(20_000, 'x') } },
      { request_txn: { success: [{ request_range: { key: Buffer.from('c'), limit: 3, sort_order: 2, keys_only: true } }] } },
    ],
    failure: [{ request_delete_range: { key: Buffer.from('d'), range_end: Buffer.from('e'), prev_kv: true } }],
  };
  assert.equal(etcdRequestBytes({ txn }), wrapped(6, serialize(withoutZeros(txn)).length));
});
