/**
 * Revisions: etcd's (main, sub) pair. main grows by one per write transaction (a put, a delete that
 * deleted something, a txn with writes); sub numbers the changes inside that transaction from 0.
 *
 * On disk a revision is etcd's 17-byte key `main(8, big-endian) '_' sub(8, big-endian)`, with a
 * trailing 't' (18 bytes) when the row is a tombstone. Big-endian keeps LMDB's byte order equal to
 * revision order, and using etcd's exact bytes makes HashKV comparable with etcd's.
 */

export const REVISION_BYTES = 17;
export const TOMBSTONE_REVISION_BYTES = 18;
const SEPARATOR = 0x5f; // '_'
const TOMBSTONE_MARK = 0x74; // 't'
const TWO_POW_32 = 2 ** 32;

/** A revision; main and sub are non-negative integers below 2^53. */
export interface Revision {
  main: number;
  sub: number;
}

function writeUint64(bytes: Uint8Array, offset: number, value: number): void {
  const high = Math.floor(value / TWO_POW_32);
  const low = value >>> 0;
  bytes[offset] = high >>> 24; bytes[offset + 1] = high >>> 16; bytes[offset + 2] = high >>> 8; bytes[offset + 3] = high;
  bytes[offset + 4] = low >>> 24; bytes[offset + 5] = low >>> 16; bytes[offset + 6] = low >>> 8; bytes[offset + 7] = low;
}

function readUint64(bytes: Uint8Array, offset: number): number {
  const high = ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
  const low = ((bytes[offset + 4]! << 24) | (bytes[offset + 5]! << 16) | (bytes[offset + 6]! << 8) | bytes[offset + 7]!) >>> 0;
  return high * TWO_POW_32 + low;
}

/** The kv-table key of a revision (with the tombstone mark when `tombstone`). */
export function revisionToBytes(main: number, sub: number, tombstone = false): Buffer {
  if (!Number.isSafeInteger(main) || main < 0 || !Number.isSafeInteger(sub) || sub < 0) {
    throw new RangeError(`invalid revision ${main}_${sub}`);
  }
  const bytes = Buffer.allocUnsafe(tombstone ? TOMBSTONE_REVISION_BYTES : REVISION_BYTES);
  writeUint64(bytes, 0, main);
  bytes[8] = SEPARATOR;
  writeUint64(bytes, 9, sub);
  if (tombstone) bytes[17] = TOMBSTONE_MARK;
  return bytes;
}

/** The main revision a kv-table key starts with. */
export function mainOfRevisionBytes(bytes: Uint8Array): number {
  return readUint64(bytes, 0);
}

/** Decodes a kv-table key. */
export function bytesToRevision(bytes: Uint8Array): Revision & { tombstone: boolean } {
  if ((bytes.length !== REVISION_BYTES && bytes.length !== TOMBSTONE_REVISION_BYTES) || bytes[8] !== SEPARATOR) {
    throw new Error(`corrupt revision key of ${bytes.length} bytes`);
  }
  return { main: readUint64(bytes, 0), sub: readUint64(bytes, 9), tombstone: bytes.length === TOMBSTONE_REVISION_BYTES };
}
