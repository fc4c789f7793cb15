/**
 * Protobuf sizes, computed without writing (gogoproto's Size()): what the writer
 * (protobuf-writer.ts) sizes its buffer by, what etcd measures a request against
 * --max-request-bytes by, and where a fragmenting watch response is split.
 *
 *   field  = varint(number << 3 | wire type), then the value:
 *            wire type 0 (varint): 7 bits a byte, low group first, the high bit set on all but the last
 *            wire type 2 (length-delimited): varint(length), then that many bytes
 *
 * int64, uint64 and enums are varints; a negative one is its 64-bit two's complement, always ten
 * bytes. proto3 leaves out a scalar at its zero (0, false, empty bytes); an embedded message that
 * is set is written even when empty.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

/** 64 bits in 7-bit groups. */
export const VARINT_BYTES_MAX = 10;

/**
 * A 64-bit integer as cairn holds it: a number while it is a safe integer (revisions, cairn's
 * 53-bit ids), a bigint when it must be exact beyond 2^53 (etcd's uint64 ids as etcdctl reads them).
 */
export type Int64 = number | bigint;

/** The first value each varint length can no longer hold: 2^7, 2^14, ... 2^63. */
const VARINT_LIMITS = Array.from({ length: VARINT_BYTES_MAX - 1 }, (_, i) => 2 ** (7 * (i + 1)));

/** Bytes of the varint of `value` (a negative one: ten, its 64-bit two's complement). */
export function varintBytes(value: Int64): number {
  if (typeof value !== 'number') return bigintVarintBytes(value);
  if (value < 0) return VARINT_BYTES_MAX;
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  let bytes = 4;
  while (bytes < VARINT_BYTES_MAX && value >= VARINT_LIMITS[bytes - 1]!) bytes++;
  return bytes;
}

function bigintVarintBytes(value: bigint): number {
  let rest = BigInt.asUintN(64, value);
  let bytes = 1;
  while (rest >= 0x80n) {
    rest >>= 7n;
    bytes++;
  }
  return bytes;
}

/** Bytes of a field's tag (one below field 16). */
export function tagBytes(field: number): number {
  return field < 16 ? 1 : varintBytes(field * 8);
}

/** A varint field (int64, uint64, enum); left out at zero. */
export function varintFieldBytes(field: number, value: Int64 | undefined): number {
  if (value === undefined || (typeof value === 'number' ? value === 0 : value === 0n)) return 0;
  return tagBytes(field) + varintBytes(value);
}

/** A bool field; only true is written. */
export function boolFieldBytes(field: number, value: boolean | undefined): number {
  return value === true ? tagBytes(field) + 1 : 0;
}

/** A bytes or string field of `length` bytes; left out when empty. */
export function bytesFieldBytes(field: number, length: number | undefined): number {
  return length === undefined || length === 0 ? 0 : messageFieldBytes(field, length);
}

/** An embedded message field of `length` bytes: written whenever the message is set, even empty. */
export function messageFieldBytes(field: number, length: number): number {
  return tagBytes(field) + varintBytes(length) + length;
}
