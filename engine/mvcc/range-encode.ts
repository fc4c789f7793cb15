/**
 * A RangeResponse's fields after its header, as protobuf: 2 kvs (each an mvccpb.KeyValue, the
 * bytes the kv table stores), 3 more, 4 count. The apply worker writes the kvs where it read them,
 * a page at a time (range-pages.ts), so a large range crosses to the main thread in bounded pieces
 * instead of a hundred thousand objects, and the main thread only adds the header it owns in front
 * and `more` and `count` behind (fields may come in any order; etcd's come in this one).
 */
import { boolFieldBytes, messageFieldBytes, varintFieldBytes, WIRE_BYTES } from '../wire/protobuf-size.js';
import { ProtobufWriter, writeTag, writeVarint } from '../wire/protobuf-writer.js';

const FIELD = { kvs: 2, more: 3, count: 4 } as const;

/** Bytes one kvs field takes for a KeyValue of `kvBytes` encoded bytes. */
export function kvsFieldBytes(kvBytes: number): number {
  return messageFieldBytes(FIELD.kvs, kvBytes);
}

/** Writes one kvs field (an encoded mvccpb.KeyValue) at `offset`; returns the offset after it. */
export function writeKvsField(out: Uint8Array, offset: number, kv: Uint8Array): number {
  offset = writeTag(out, offset, FIELD.kvs, WIRE_BYTES);
  offset = writeVarint(out, offset, kv.length);
  out.set(kv, offset);
  return offset + kv.length;
}

/** Fields 3-4 of etcdserverpb.RangeResponse (more, count), which follow the kvs. */
export function encodeRangeTail(more: boolean, count: number): Buffer {
  const writer = new ProtobufWriter(boolFieldBytes(FIELD.more, more) + varintFieldBytes(FIELD.count, count));
  writer.bool(FIELD.more, more);
  writer.varint(FIELD.count, count);
  return writer.finish();
}
