/**
 * A whole RangeResponse's fields 2-4 (kvs, more, count) in one buffer, written from the same pieces
 * the gRPC route sends a paged range with: the reference paged answers are compared against, and
 * the bytes checked against etcd's own RangeResponse definition (tests/grpc/range-encode.test.ts).
 */
import { encodeKeyValue } from '../engine/mvcc/kv-codec.js';
import { encodeRangeTail, kvsFieldBytes, writeKvsField } from '../engine/mvcc/range-encode.js';
import type { RangeResponse } from '../engine/mvcc/rpc.js';

export function encodeRangeBody(response: RangeResponse): Buffer {
  const kvs = response.kvs.map((kv) => encodeKeyValue(kv));
  const fields = Buffer.alloc(kvs.reduce((total, kv) => total + kvsFieldBytes(kv.length), 0));
  let offset = 0;
  for (const kv of kvs) offset = writeKvsField(fields, offset, kv);
  return Buffer.concat([fields, encodeRangeTail(response.more, response.count)]);
}
