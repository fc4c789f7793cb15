/**
 * LeaseKeepAliveRequest and LeaseKeepAliveResponse as protobuf bytes, by hand: thousands of
 * keep-alives a second are the reason this call bypasses grpc-js and protobufjs, and a batch of
 * answers shares one encoded header.
 *
 *   LeaseKeepAliveRequest:  1 ID (int64)
 *   LeaseKeepAliveResponse: 1 header (ResponseHeader) | 2 ID (int64) | 3 TTL (int64)
 */
import { EtcdError, GrpcCode } from '../../../engine/errors.js';
import { VARINT_BYTES_MAX, WIRE_BYTES, WIRE_FIXED32, WIRE_FIXED64, WIRE_VARINT } from '../../../engine/wire/protobuf-size.js';
import { writeTag, writeVarint } from '../../../engine/wire/protobuf-writer.js';
import { int64 } from '../int64.js';
import { MESSAGE_PREFIX_BYTES } from './grpc-wire.js';

/** What grpc-js answers a request protobufjs cannot parse. */
const malformed = (): EtcdError => new EtcdError(GrpcCode.INTERNAL, 'Error deserializing request');

const RESPONSE = { header: 1, ID: 2, TTL: 3 } as const;
/** Seven 7-bit groups (49 bits) always fit a double exactly; longer varints go through BigInt. */
const EXACT_GROUPS = 7;

class Cursor {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  /** A varint as an int64 (two's complement beyond 63 bits), exact as a bigint when it is long. */
  varint(): number | bigint {
    const { bytes } = this;
    let value = 0;
    let scale = 1;
    for (let group = 0; group < EXACT_GROUPS; group++) {
      if (this.pos >= bytes.length) throw malformed();
      const byte = bytes[this.pos++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    let big = BigInt(value);
    let shift = BigInt(7 * EXACT_GROUPS);
    for (let group = EXACT_GROUPS; group < VARINT_BYTES_MAX; group++) {
      if (this.pos >= bytes.length) throw malformed();
      const byte = bytes[this.pos++]!;
      big |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asIntN(64, big);
      shift += 7n;
    }
    throw malformed();
  }

  skip(wire: number): void {
    if (wire === WIRE_VARINT) this.varint();
    else if (wire === WIRE_FIXED64) this.pos += 8;
    else if (wire === WIRE_FIXED32) this.pos += 4;
    else if (wire === WIRE_BYTES) {
      // Read the length first: `pos += varint()` would add it to the position before the varint.
      const length = Number(this.varint());
      if (length < 0) throw malformed();
      this.pos += length;
    }
    else throw malformed();
    if (this.pos > this.bytes.length) throw malformed();
  }
}

/** The ID a LeaseKeepAliveRequest carries (0 when absent); unknown fields are skipped, as protobuf does. */
export function decodeKeepAliveRequest(bytes: Uint8Array): number {
  const cursor = new Cursor(bytes);
  let id: number | bigint = 0;
  while (cursor.pos < bytes.length) {
    const tag = Number(cursor.varint());
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0) throw malformed();
    if (field === 1 && wire === WIRE_VARINT) id = cursor.varint();
    else if (field === 1) throw malformed();
    else cursor.skip(wire);
  }
  return typeof id === 'number' ? id : int64(id.toString(), 'ID');
}

/** The most bytes one framed answer takes beyond its header: prefix, header tag and length, two tagged int64s. */
const ANSWER_OVERHEAD_MAX = MESSAGE_PREFIX_BYTES + 1 + 5 + 2 * (1 + VARINT_BYTES_MAX);

/**
 * A batch of LeaseKeepAliveResponses, each already framed as a gRPC message, in one buffer (one
 * write for the whole batch). `header` is the encoded ResponseHeader they all carry.
 */
export function encodeKeepAliveAnswers(header: Buffer, ids: readonly number[], ttls: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(ids.length * (ANSWER_OVERHEAD_MAX + header.length));
  let pos = 0;
  for (let i = 0; i < ids.length; i++) {
    const start = pos;
    pos += MESSAGE_PREFIX_BYTES;
    pos = writeTag(out, pos, RESPONSE.header, WIRE_BYTES);
    pos = writeVarint(out, pos, header.length);
    pos += header.copy(out, pos);
    if (ids[i] !== 0) { pos = writeTag(out, pos, RESPONSE.ID, WIRE_VARINT); pos = writeVarint(out, pos, ids[i]!); }
    if (ttls[i] !== 0) { pos = writeTag(out, pos, RESPONSE.TTL, WIRE_VARINT); pos = writeVarint(out, pos, ttls[i]!); }
    out[start] = 0;
    out.writeUInt32BE(pos - start - MESSAGE_PREFIX_BYTES, start + 1);
  }
  return out.subarray(0, pos);
}
