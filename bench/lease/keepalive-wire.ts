/**
 * The bytes of etcd's LeaseKeepAlive RPC, written and read by hand so the keep-alive process
 * (keepalive-process.ts) costs little CPU per keep-alive: gRPC's message framing and the two
 * protobuf messages, nothing else.
 *
 *   gRPC message:            [0 = not compressed][uint32 BE length][protobuf bytes]
 *   LeaseKeepAliveRequest:   1 ID (int64)
 *   LeaseKeepAliveResponse:  1 header (ResponseHeader, skipped) | 2 ID (int64) | 3 TTL (int64)
 *
 * int64 travels as the varint of its 64-bit two's complement (a negative one takes 10 bytes), so
 * values are bigints here: cairn's lease IDs stay below 2^53, etcd's go up to 2^63 - 1.
 */
import type { IncomingHttpHeaders } from 'node:http2';
import { tagBytes, VARINT_BYTES_MAX, varintBytes, WIRE_BYTES, WIRE_FIXED32, WIRE_FIXED64, WIRE_VARINT } from '../../engine/wire/protobuf-size.js';
import { writeTag, writeVarint } from '../../engine/wire/protobuf-writer.js';

/** gRPC's length prefix: the compressed flag, then the message length. */
export const GRPC_PREFIX_BYTES = 5;
/** gRPC's default limit on a received message; a keep-alive answer is ~30 bytes, so more is a broken stream. */
export const GRPC_MESSAGE_BYTES_MAX = 4 * 1024 * 1024;
const REQUEST_ID_FIELD = 1;
const RESPONSE_ID_FIELD = 2;
const RESPONSE_TTL_FIELD = 3;

/** The varint of an int64 (or uint64): negative values as their 64-bit two's complement, as protobuf writes them. */
export function encodeVarint64(value: bigint): Buffer {
  const out = Buffer.allocUnsafe(varintBytes(value));
  writeVarint(out, 0, value);
  return out;
}

/**
 * The varint at `position`, read as an int64, and the position after it. The low and high 32 bits
 * are gathered as numbers and joined once, so an answer costs two small bigints, not ten.
 */
export function decodeVarint64(bytes: Uint8Array, position: number): { value: bigint; end: number } {
  let low = 0;
  let high = 0;
  for (let i = 0; i < VARINT_BYTES_MAX; i++) {
    if (position + i >= bytes.length) throw new Error('protobuf: truncated varint');
    const byte = bytes[position + i]!;
    const bits = byte & 0x7f;
    const shift = 7 * i;
    if (shift < 28) low |= bits << shift;
    else if (shift === 28) {
      low |= bits << 28;
      high |= bits >>> 4;
    } else high |= bits << (shift - 32);
    if (byte < 0x80) {
      const value = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
      return { value: BigInt.asIntN(64, value), end: position + i + 1 };
    }
  }
  throw new Error('protobuf: varint longer than 10 bytes');
}

/** The whole gRPC message (prefix included) renewing lease `id`: built once per lease and written as is for every keep-alive. */
export function encodeKeepAliveRequest(id: bigint): Buffer {
  // The field is written even for ID 0 (never a lease), as protobufjs writes it; Go would leave it out, and both read the same.
  const bodyBytes = tagBytes(REQUEST_ID_FIELD) + varintBytes(id);
  const message = Buffer.alloc(GRPC_PREFIX_BYTES + bodyBytes);
  message.writeUInt32BE(bodyBytes, 1);
  writeVarint(message, writeTag(message, GRPC_PREFIX_BYTES, REQUEST_ID_FIELD, WIRE_VARINT), id);
  return message;
}

export interface KeepAliveAnswer {
  id: bigint;
  /** Seconds the lease has left; 0 (or below) when it no longer exists. */
  ttl: bigint;
}

/** Reads a LeaseKeepAliveResponse's body; fields it does not need (the header, anything newer) are skipped by wire type. */
export function decodeKeepAliveResponse(body: Uint8Array): KeepAliveAnswer {
  const answer: KeepAliveAnswer = { id: 0n, ttl: 0n };
  let position = 0;
  while (position < body.length) {
    const tag = decodeVarint64(body, position);
    position = tag.end;
    const field = Number(tag.value >> 3n);
    const wire = Number(tag.value & 7n);
    if (wire === WIRE_VARINT && (field === RESPONSE_ID_FIELD || field === RESPONSE_TTL_FIELD)) {
      const value = decodeVarint64(body, position);
      position = value.end;
      if (field === RESPONSE_ID_FIELD) answer.id = value.value;
      else answer.ttl = value.value;
    } else {
      position = skipField(body, position, wire);
    }
  }
  return answer;
}

/** The position after a field's value of wire type `wire` that starts at `position`. */
function skipField(body: Uint8Array, position: number, wire: number): number {
  let end: number;
  switch (wire) {
    case WIRE_VARINT: return decodeVarint64(body, position).end;
    case WIRE_FIXED64: end = position + 8; break;
    case WIRE_FIXED32: end = position + 4; break;
    case WIRE_BYTES: {
      const length = decodeVarint64(body, position);
      if (length.value < 0n) throw new Error('protobuf: negative length');
      end = length.end + Number(length.value);
      break;
    }
    // Groups (3, 4) are proto2's and absent from etcd's API; 6 and 7 do not exist.
    default: throw new Error(`protobuf: unsupported wire type ${wire}`);
  }
  if (end > body.length) throw new Error('protobuf: truncated field');
  return end;
}

/**
 * Cuts the gRPC messages out of a stream's DATA chunks: a message may be split over chunks, and a
 * chunk may hold several. `onMessage` gets each body (a view of the chunk, valid during the call).
 */
export class GrpcMessageReader {
  /** The start of a message whose end has not arrived yet. */
  private partial: Buffer | null = null;

  constructor(private readonly onMessage: (body: Buffer) => void) {}

  /** Bytes of an unfinished message held back; non-zero when the stream ends means a truncated message. */
  get pendingBytes(): number {
    return this.partial?.length ?? 0;
  }

  push(chunk: Buffer): void {
    // The common case (whole messages in one chunk) copies nothing; a split message is joined once its rest arrives.
    const bytes = this.partial === null ? chunk : Buffer.concat([this.partial, chunk]);
    this.partial = null;
    let position = 0;
    while (bytes.length - position >= GRPC_PREFIX_BYTES) {
      if (bytes[position] !== 0) throw new Error(`gRPC: compressed message (flag ${bytes[position]}) though no compression was offered`);
      const length = bytes.readUInt32BE(position + 1);
      if (length > GRPC_MESSAGE_BYTES_MAX) throw new Error(`gRPC: message of ${length} bytes exceeds ${GRPC_MESSAGE_BYTES_MAX}`);
      const end = position + GRPC_PREFIX_BYTES + length;
      if (end > bytes.length) break;
      this.onMessage(bytes.subarray(position + GRPC_PREFIX_BYTES, end));
      position = end;
    }
    // Copied, so a small remainder does not keep a large chunk alive.
    if (position < bytes.length) this.partial = Buffer.from(bytes.subarray(position));
  }
}

/**
 * grpc-message as sent: percent-encoded UTF-8. gRPC asks readers to be lenient, so text that is not
 * valid percent-encoding is returned as it came.
 */
export function decodeGrpcMessage(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The gRPC status carried by trailers (or by the headers of a trailers-only answer); null when they carry none. */
export function grpcStatusOf(headers: IncomingHttpHeaders): { code: number; message: string } | null {
  const status = headers['grpc-status'];
  if (typeof status !== 'string') return null;
  const message = headers['grpc-message'];
  return { code: Number(status), message: typeof message === 'string' ? decodeGrpcMessage(message) : '' };
}
