/**
 * KeyValue <-> bytes: the protobuf encoding of etcd's mvccpb.KeyValue (fields 1 key, 2
 * create_revision, 3 mod_revision, 4 version, 5 value, 6 lease; zero values omitted, as proto3
 * does). The kv table stores exactly what etcd's `key` bucket stores, so HashKV over it is
 * computed over the same bytes etcd hashes. Revisions and versions are never negative; a lease id
 * may be (etcd's ids are int64s), and is then written as protobuf writes a negative int64: its
 * 64-bit two's complement, a 10-byte varint.
 */
import { bytesFieldBytes, varintFieldBytes, WIRE_BYTES, WIRE_VARINT } from '../wire/protobuf-size.js';
import { writeBytesField, writeVarintField } from '../wire/protobuf-writer.js';
import type { KeyValue } from './rpc.js';

const TWO_POW_7 = 128;
const EMPTY = new Uint8Array(0);
/** Seven 7-bit groups (49 bits) always fit a double exactly; longer varints are read through BigInt. */
const EXACT_GROUPS = 7;
const SAFE_INTEGER_MAX = BigInt(Number.MAX_SAFE_INTEGER);
const FIELD = { key: 1, create_revision: 2, mod_revision: 3, version: 4, value: 5, lease: 6 } as const;

function checkInt64(name: string, value: number, negativeAllowed = false): void {
  if (!Number.isSafeInteger(value) || (value < 0 && !negativeAllowed)) {
    throw new RangeError(`KeyValue.${name} must be a safe ${negativeAllowed ? '' : 'non-negative '}integer, got ${value}`);
  }
}

/** How many bytes encodeKeyValue writes for `kv`. */
export function keyValueBytes(kv: KeyValue): number {
  return bytesFieldBytes(FIELD.key, kv.key.length) + varintFieldBytes(FIELD.create_revision, kv.create_revision) +
    varintFieldBytes(FIELD.mod_revision, kv.mod_revision) + varintFieldBytes(FIELD.version, kv.version) +
    bytesFieldBytes(FIELD.value, kv.value.length) + varintFieldBytes(FIELD.lease, kv.lease);
}

/** Encodes a KeyValue as mvccpb.KeyValue protobuf bytes. */
export function encodeKeyValue(kv: KeyValue): Buffer {
  checkInt64('create_revision', kv.create_revision);
  checkInt64('mod_revision', kv.mod_revision);
  checkInt64('version', kv.version);
  checkInt64('lease', kv.lease, true);
  // Written with a local offset rather than a ProtobufWriter: every put's row and every watched
  // event is encoded here, and the object costs this hot path about a fifth (bench/micro/wire).
  const total = keyValueBytes(kv);
  const out = Buffer.allocUnsafe(total);
  let offset = writeBytesField(out, 0, FIELD.key, kv.key);
  offset = writeVarintField(out, offset, FIELD.create_revision, kv.create_revision);
  offset = writeVarintField(out, offset, FIELD.mod_revision, kv.mod_revision);
  offset = writeVarintField(out, offset, FIELD.version, kv.version);
  offset = writeBytesField(out, offset, FIELD.value, kv.value);
  offset = writeVarintField(out, offset, FIELD.lease, kv.lease);
  if (offset !== total) throw new Error(`KeyValue encoding wrote ${offset} of ${total} bytes`);
  return out;
}

/**
 * Decodes mvccpb.KeyValue bytes. key and value are views of `bytes` (no copy): pass bytes the
 * caller owns (lmdb-js `get` returns a fresh copy), never a buffer that will be reused. With
 * `withValue` false the value is left empty (keys_only).
 */
export function decodeKeyValue(bytes: Uint8Array, withValue = true): KeyValue {
  const kv: KeyValue = { key: EMPTY, create_revision: 0, mod_revision: 0, version: 0, value: EMPTY, lease: 0 };
  let offset = 0;
  /** A varint as an int64 (two's complement: a negative lease is 10 bytes); only safe integers are valid. */
  const readVarint = (): number => {
    let value = 0;
    let scale = 1;
    for (let group = 0; group < EXACT_GROUPS; group++) {
      if (offset >= bytes.length) throw new Error('corrupt KeyValue: truncated varint');
      const byte = bytes[offset++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= TWO_POW_7;
    }
    let big = BigInt(value);
    for (let shift = BigInt(7 * EXACT_GROUPS); shift < 70n; shift += 7n) {
      if (offset >= bytes.length) throw new Error('corrupt KeyValue: truncated varint');
      const byte = bytes[offset++]!;
      big |= BigInt(byte & 0x7f) << shift;
      if (byte >= 0x80) continue;
      const int64 = BigInt.asIntN(64, big);
      if (int64 > SAFE_INTEGER_MAX || int64 < -SAFE_INTEGER_MAX) throw new Error(`corrupt KeyValue: varint ${int64} is beyond 2^53-1`);
      return Number(int64);
    }
    throw new Error('corrupt KeyValue: varint longer than 10 bytes');
  };
  while (offset < bytes.length) {
    const tag = bytes[offset++]!;
    const field = tag >>> 3;
    if ((tag & 7) === WIRE_BYTES) {
      const length = readVarint();
      if (length < 0 || offset + length > bytes.length) throw new Error('corrupt KeyValue: field overruns the record');
      if (field === 1) kv.key = bytes.subarray(offset, offset + length);
      else if (field === 5 && withValue) kv.value = bytes.subarray(offset, offset + length);
      offset += length;
    } else if ((tag & 7) === WIRE_VARINT) {
      const value = readVarint();
      if (value < 0 && field !== 6) throw new Error(`corrupt KeyValue: field ${field} is negative`);
      if (field === 2) kv.create_revision = value;
      else if (field === 3) kv.mod_revision = value;
      else if (field === 4) kv.version = value;
      else if (field === 6) kv.lease = value;
    } else {
      throw new Error(`corrupt KeyValue: wire type ${tag & 7}`);
    }
  }
  return kv;
}

/** The key field of encoded mvccpb.KeyValue bytes, without decoding the rest (a view, not a copy). */
export function keyOfEncodedKeyValue(bytes: Uint8Array): Uint8Array {
  if (bytes[0] !== ((1 << 3) | WIRE_BYTES)) throw new Error('corrupt KeyValue: key is not the first field');
  let offset = 1;
  let length = 0;
  let scale = 1;
  for (;;) {
    const byte = bytes[offset++]!;
    length += (byte & 0x7f) * scale;
    if (byte < 0x80) break;
    scale *= TWO_POW_7;
  }
  return bytes.subarray(offset, offset + length);
}
