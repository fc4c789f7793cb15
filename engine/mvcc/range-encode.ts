/**
 * A RangeResponse's fields after its header, as protobuf: 2 kvs (each an mvccpb.KeyValue, the
 * bytes the kv table stores), 3 more, 4 count. The apply worker writes the kvs where it read them,
 * a page at a time (range-pages.ts), so a large range crosses to the main thread in bounded pieces
 * instead of a hundred thousand objects, and the main thread only adds the header it owns in front
 * and `more` and `count` behind (fields may come in any order; etcd's come in this one).
 */
import { varintBytes, writeVarint } from './kv-codec.js';

const KVS_TAG = (2 << 3) | 2;
const MORE_TAG = (3 << 3) | 0;
const COUNT_TAG = (4 << 3) | 0;

/** Bytes one kvs field takes for a KeyValue of `kvBytes` encoded bytes. */
export function kvsFieldBytes(kvBytes: number): number {
  return 1 + varintBytes(kvBytes) + kvBytes;
}

/** Writes one kvs field (an encoded mvccpb.KeyValue) at `offset`; returns the offset after it. */
export function writeKvsField(out: Uint8Array, offset: number, kv: Uint8Array): number {
  out[offset++] = KVS_TAG;
  offset = writeVarint(out, offset, kv.length);
  out.set(kv, offset);
  return offset + kv.length;
}

/** Fields 3-4 of etcdserverpb.RangeResponse (more, count), which follow the kvs. */
export function encodeRangeTail(more: boolean, count: number): Buffer {
  const out = Buffer.allocUnsafe((more ? 2 : 0) + (count !== 0 ? 1 + varintBytes(count) : 0));
  let offset = 0;
  if (more) { out[offset++] = MORE_TAG; out[offset++] = 1; }
  if (count !== 0) { out[offset++] = COUNT_TAG; offset = writeVarint(out, offset, count); }
  return out;
}
