/**
 * gRPC's framing over HTTP/2, for the calls cairn serves on the raw HTTP/2 stream instead of
 * through @grpc/grpc-js (raw-routes.ts): each message is a 5-byte prefix (compressed flag, uint32
 * big-endian length) and its bytes; a call ends with trailers carrying grpc-status and
 * grpc-message. Statuses and messages match what grpc-js sends for the same faults.
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import { EtcdError, GrpcCode } from '../../../engine/errors.js';

export const MESSAGE_PREFIX_BYTES = 5;

/** The deadline a grpc-timeout header asks for, in ms (gRPC's units H M S m u n), or an error. */
export function grpcTimeoutMs(header: string): number {
  const match = /^(\d{1,8})\s*([HMSmun])$/.exec(header.trim());
  if (match === null) throw new EtcdError(GrpcCode.INTERNAL, `Invalid grpc-timeout value "${header}"`);
  const unitMs = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 }[match[2] as 'H'];
  return Math.ceil(Number(match[1]) * unitMs);
}

/**
 * Splits a call's incoming DATA into messages, however the chunks cut them. A message longer than
 * `maxMessageBytes` fails before it is buffered; a compressed one is inflated if the call declared
 * gzip or deflate (grpc-encoding), as grpc-js accepts them.
 */
export class GrpcMessageReader {
  private pending: Buffer | null = null;

  constructor(private readonly maxMessageBytes: number, private readonly encoding: string) {}

  /** Every whole message in what has arrived so far. */
  push(chunk: Buffer): Buffer[] {
    let data = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    const messages: Buffer[] = [];
    while (data.length >= MESSAGE_PREFIX_BYTES) {
      const length = data.readUInt32BE(1);
      if (length > this.maxMessageBytes) {
        throw new EtcdError(GrpcCode.RESOURCE_EXHAUSTED, `Received message larger than max (${length} vs ${this.maxMessageBytes})`);
      }
      if (data.length < MESSAGE_PREFIX_BYTES + length) break;
      const body = data.subarray(MESSAGE_PREFIX_BYTES, MESSAGE_PREFIX_BYTES + length);
      messages.push(data[0] === 1 ? this.inflate(body) : body);
      data = data.subarray(MESSAGE_PREFIX_BYTES + length);
    }
    this.pending = data.length > 0 ? data : null;
    return messages;
  }

  /** True while part of a message has arrived and the rest has not. */
  get partial(): boolean {
    return this.pending !== null;
  }

  private inflate(body: Buffer): Buffer {
    if (this.encoding !== 'gzip' && this.encoding !== 'deflate') {
      throw new EtcdError(GrpcCode.UNIMPLEMENTED, `Received message compressed with unsupported encoding "${this.encoding}"`);
    }
    let inflated: Buffer;
    try {
      inflated = this.encoding === 'gzip'
        ? gunzipSync(body, { maxOutputLength: this.maxMessageBytes + 1 })
        : inflateSync(body, { maxOutputLength: this.maxMessageBytes + 1 });
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new EtcdError(GrpcCode.RESOURCE_EXHAUSTED, `Received message that decompresses to a size larger than ${this.maxMessageBytes}`);
      }
      throw new EtcdError(GrpcCode.INTERNAL, 'Failed to decompress message');
    }
    if (inflated.length > this.maxMessageBytes) {
      throw new EtcdError(GrpcCode.RESOURCE_EXHAUSTED, `Received message that decompresses to a size larger than ${this.maxMessageBytes}`);
    }
    return inflated;
  }
}

/** The grpc-status and grpc-message header values of a status (the message URI-encoded, as grpc-js sends it). */
export function statusHeaders(code: number, message: string): { 'grpc-status': string; 'grpc-message': string } {
  return { 'grpc-status': String(code), 'grpc-message': encodeURI(message) };
}
