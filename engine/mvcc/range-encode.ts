/**
 * A RangeResponse's fields after its header, as protobuf: 2 kvs (each an mvccpb.KeyValue, the
 * bytes the kv table stores), 3 more, 4 count. The apply worker encodes them where it read them,
 * so a large range crosses to the main thread as one buffer instead of a hundred thousand objects,
 * and the main thread only adds the header it owns (fields may come in any order; etcd's come in
 * this one). Decoding and re-encoding a full 100k-key range on the main thread cost it seconds.
 */
import { encodeKeyValue, varintBytes, writeVarint } from './kv-codec.js';
import type { RangeResponse } from './rpc.js';

const KVS_TAG = (2 << 3) | 2;
const MORE_TAG = (3 << 3) | 0;
const COUNT_TAG = (4 << 3) | 0;

/** Fields 2-4 of etcdserverpb.RangeResponse. */
export function encodeRangeBody(response: RangeResponse): Buffer {
  return encodeRangeBodyOf(response.kvs.map((kv) => encodeKeyValue(kv)), response.more, response.count);
}

/** Fields 2-4 of etcdserverpb.RangeResponse, from kvs already encoded one by one (mvccpb.KeyValue each). */
export function encodeRangeBodyOf(kvs: readonly Uint8Array[], more: boolean, count: number): Buffer {
  const response = { more, count };
  let total = 0;
  for (const kv of kvs) total += 1 + varintBytes(kv.length) + kv.length;
  if (response.more) total += 2;
  if (response.count !== 0) total += 1 + varintBytes(response.count);
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const kv of kvs) {
    out[offset++] = KVS_TAG;
    offset = writeVarint(out, offset, kv.length);
    out.set(kv, offset);
    offset += kv.length;
  }
  if (response.more) { out[offset++] = MORE_TAG; out[offset++] = 1; }
  if (response.count !== 0) { out[offset++] = COUNT_TAG; offset = writeVarint(out, offset, response.count); }
  if (offset !== total) throw new Error(`RangeResponse encoding wrote ${offset} of ${total} bytes`);
  return out;
}
