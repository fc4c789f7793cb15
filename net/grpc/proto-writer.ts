/**
 * A small protobuf writer for the responses cairn encodes by hand (watch events, keep-alive
 * answers) instead of through protobufjs: those are the hot ones, and their bytes can be shared
 * (an event for all its watchers, a header for a batch of answers).
 */
import type { ResponseHeader } from '../../engine/node/kv-server.js';

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;
const TWO_POW_7 = 128;

/** A growable protobuf writer for the few field kinds these messages use. */
export class ProtoWriter {
  private readonly parts: Buffer[] = [];
  private scratch: number[] = [];
  private bytes = 0;

  get length(): number {
    return this.bytes + this.scratch.length;
  }

  varint(field: number, value: number): void {
    if (value === 0) return;
    this.tag(field, WIRE_VARINT);
    this.rawVarint(value);
  }

  bool(field: number, value: boolean | undefined): void {
    if (value === true) this.varint(field, 1);
  }

  bytesField(field: number, data: Uint8Array): void {
    this.tag(field, WIRE_BYTES);
    this.rawVarint(data.length);
    this.flushScratch();
    this.parts.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    this.bytes += data.length;
  }

  string(field: number, text: string | undefined): void {
    if (text !== undefined && text.length > 0) this.bytesField(field, Buffer.from(text, 'utf8'));
  }

  finish(): Buffer {
    this.flushScratch();
    return this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.bytes);
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire);
  }

  /** int64 varint; a negative value is its 64-bit two's complement (10 bytes), as protobuf writes it. */
  private rawVarint(value: number): void {
    if (value < 0) {
      let big = (1n << 64n) + BigInt(value);
      while (big >= 128n) { this.scratch.push(Number(big & 127n) | 0x80); big >>= 7n; }
      this.scratch.push(Number(big));
      return;
    }
    while (value >= TWO_POW_7) {
      this.scratch.push((value % TWO_POW_7) | 0x80);
      value = Math.floor(value / TWO_POW_7);
    }
    this.scratch.push(value);
  }

  private flushScratch(): void {
    if (this.scratch.length === 0) return;
    this.parts.push(Buffer.from(this.scratch));
    this.bytes += this.scratch.length;
    this.scratch = [];
  }
}

// The stored KeyValue's codec writes the same varints.
export { varintBytes, writeVarint } from '../../engine/mvcc/kv-codec.js';

/** etcdserverpb.ResponseHeader: 1 cluster_id | 2 member_id | 3 revision | 4 raft_term. */
export function encodeResponseHeader(header: ResponseHeader): Buffer {
  const writer = new ProtoWriter();
  writer.varint(1, header.cluster_id);
  writer.varint(2, header.member_id);
  writer.varint(3, header.revision);
  writer.varint(4, header.raft_term);
  return writer.finish();
}

/** The varint of an int64 given exactly as a bigint (negative: its 64-bit two's complement, 10 bytes). */
export function varint64Bytes(value: bigint): Buffer {
  let rest = BigInt.asUintN(64, value);
  const bytes: number[] = [];
  while (rest >= 0x80n) {
    bytes.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  bytes.push(Number(rest));
  return Buffer.from(bytes);
}
