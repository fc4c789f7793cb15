/**
 * The one protobuf writer: every message cairn encodes by hand (the stored mvccpb.KeyValue, the
 * ResponseHeader, Range, Watch and keep-alive answers, etcdctl's `-w protobuf`) is written here,
 * into a buffer sized beforehand with protobuf-size.ts, so an answer costs one allocation and no
 * copy of its parts but the ones it carries. The hottest encoders (a KeyValue, a watcher's
 * response) call the write*Field functions with an offset of their own; the ProtobufWriter object
 * around them costs those about a fifth more (bench/micro/wire) and serves the rest. Bytes are what protobufjs and gogoproto write for the
 * same fields in the same order (tests/wire/protobuf-writer.test.ts checks it for random values).
 */
import {
  boolFieldBytes, bytesFieldBytes, messageFieldBytes, varintFieldBytes, WIRE_BYTES, WIRE_VARINT, type Int64,
} from './protobuf-size.js';

/** Above this a number's 7-bit groups are cut by division; below it, by 32-bit shifts. */
const INT32_MAX = 0x7fffffff;

/**
 * Writes the varint of `value` at `offset` of a buffer with room for it; returns the offset after
 * it. A negative value (number or bigint) is written as its 64-bit two's complement: ten bytes.
 */
export function writeVarint(out: Uint8Array, offset: number, value: Int64): number {
  if (typeof value !== 'number' || value < 0) return writeBigintVarint(out, offset, BigInt(value));
  if (value < 0x80) {
    out[offset] = value;
    return offset + 1;
  }
  while (value > INT32_MAX) {
    out[offset++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  while (value > 0x7f) {
    out[offset++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  out[offset++] = value;
  return offset;
}

function writeBigintVarint(out: Uint8Array, offset: number, value: bigint): number {
  let rest = BigInt.asUintN(64, value);
  while (rest >= 0x80n) {
    out[offset++] = Number(rest & 0x7fn) | 0x80;
    rest >>= 7n;
  }
  out[offset++] = Number(rest);
  return offset;
}

/** Writes a field's tag; returns the offset after it. */
export function writeTag(out: Uint8Array, offset: number, field: number, wireType: number): number {
  const tag = field * 8 + wireType;
  if (tag >= 0x80) return writeVarint(out, offset, tag);
  out[offset] = tag;
  return offset + 1;
}

/** Writes an int64/uint64/enum field at `offset` (nothing at zero); returns the offset after it. */
export function writeVarintField(out: Uint8Array, offset: number, field: number, value: number): number {
  if (value === 0) return offset;
  return writeVarint(out, writeTag(out, offset, field, WIRE_VARINT), value);
}

/** Writes a bool field at `offset` (only true is written); returns the offset after it. */
export function writeBoolField(out: Uint8Array, offset: number, field: number, value: boolean | undefined): number {
  return value === true ? writeVarintField(out, offset, field, 1) : offset;
}

/** Writes a bytes field at `offset` (nothing when empty); returns the offset after it. */
export function writeBytesField(out: Uint8Array, offset: number, field: number, data: Uint8Array): number {
  return data.length === 0 ? offset : writeMessageField(out, offset, field, data);
}

/** Writes an embedded message field (its encoded bytes) at `offset`, even empty; returns the offset after it. */
export function writeMessageField(out: Uint8Array, offset: number, field: number, data: Uint8Array): number {
  offset = writeVarint(out, writeTag(out, offset, field, WIRE_BYTES), data.length);
  out.set(data, offset);
  return offset + data.length;
}

/**
 * Fields written in order into a buffer of exactly the size their *Bytes functions added up to
 * (`start` bytes before them are left for the caller, e.g. a gRPC message prefix). Zero scalars and
 * empty bytes are left out, as proto3 writes them; `finish` checks the size was right.
 */
export class ProtobufWriter {
  readonly out: Buffer;
  offset: number;

  constructor(bytes: number, start = 0) {
    this.out = Buffer.allocUnsafe(start + bytes);
    this.offset = start;
  }

  /** An int64, uint64 or enum field; left out at zero. */
  varint(field: number, value: Int64): void {
    if (typeof value === 'number' ? value === 0 : value === 0n) return;
    this.offset = writeTag(this.out, this.offset, field, WIRE_VARINT);
    this.offset = writeVarint(this.out, this.offset, value);
  }

  /** A bool field; only true is written. */
  bool(field: number, value: boolean | undefined): void {
    if (value === true) this.varint(field, 1);
  }

  /** A bytes or string field; left out when empty. */
  bytes(field: number, data: Uint8Array): void {
    if (data.length !== 0) this.message(field, data);
  }

  /** An embedded message (its encoded bytes), written even when empty. */
  message(field: number, data: Uint8Array): void {
    this.messageHead(field, data.length);
    this.raw(data);
  }

  /** The tag and length of an embedded message whose `length` bytes the caller writes next (raw). */
  messageHead(field: number, length: number): void {
    this.offset = writeTag(this.out, this.offset, field, WIRE_BYTES);
    this.offset = writeVarint(this.out, this.offset, length);
  }

  /** Bytes already encoded. */
  raw(data: Uint8Array): void {
    this.out.set(data, this.offset);
    this.offset += data.length;
  }

  /** The buffer, once every byte sized for has been written. */
  finish(): Buffer {
    if (this.offset !== this.out.length) throw new Error(`protobuf writer: wrote ${this.offset} of ${this.out.length} bytes`);
    return this.out;
  }
}

/** One field of a message built from parts (encodeFields). */
export type ProtobufField =
  | { field: number; varint: Int64 | undefined }
  | { field: number; bool: boolean | undefined }
  | { field: number; bytes: Uint8Array | undefined }
  | { field: number; message: Uint8Array };

function fieldBytes(part: ProtobufField): number {
  if ('varint' in part) return varintFieldBytes(part.field, part.varint);
  if ('bool' in part) return boolFieldBytes(part.field, part.bool);
  if ('bytes' in part) return bytesFieldBytes(part.field, part.bytes?.length);
  return messageFieldBytes(part.field, part.message.length);
}

/**
 * A message from a list of fields, for the cold paths that build one from parts (etcdctl's
 * output); hot paths size and write with ProtobufWriter directly.
 */
export function encodeFields(fields: readonly ProtobufField[]): Buffer {
  const writer = new ProtobufWriter(fields.reduce((sum, part) => sum + fieldBytes(part), 0));
  for (const part of fields) {
    if ('varint' in part) { if (part.varint !== undefined) writer.varint(part.field, part.varint); }
    else if ('bool' in part) writer.bool(part.field, part.bool);
    else if ('bytes' in part) { if (part.bytes !== undefined) writer.bytes(part.field, part.bytes); }
    else writer.message(part.field, part.message);
  }
  return writer.finish();
}
