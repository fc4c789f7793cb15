/**
 * The state snapshot file: a consistent copy of a member's MVCC store (every row of its LMDB
 * tables, read in ONE read transaction), as a leader streams it to a member that is too far
 * behind for its Raft log to catch it up. Written by the snapshot pool, read by the apply worker.
 *
 *   frame:  u32 LE payload bytes | u32 LE crc32c(payload) | msgpack payload
 *   first:  { format: 'cairn-snapshot', version: 2, applied_index, applied_term }
 *   then:   { table: 'kv' | 'meta' | 'lease', rows: [key, value, key, value, ...] }   (bounded bytes)
 *   last:   { end: true, rows: <total rows> }
 *
 * Rows are logical (not LMDB pages), so the file holds no free pages and restores into a store of
 * any layout version that reads these tables. Every frame is checksummed and the trailer counts
 * the rows, so a truncated or damaged transfer is refused before anything is replaced.
 */
import { closeSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { Packr } from 'msgpackr';
import { crc32c } from '../checksum/crc32c.js';

export const SNAPSHOT_FORMAT = 'cairn-snapshot';
/** 2: the key index and lease keys are no longer tables (the restoring store rebuilds them from kv). */
export const SNAPSHOT_VERSION = 2;
export const SNAPSHOT_TABLES = ['kv', 'meta', 'lease'] as const;
export type SnapshotTable = typeof SNAPSHOT_TABLES[number];
const FRAME_HEADER_BYTES = 8;
/** A row frame is cut once it holds this many bytes: bounds memory on both ends. */
export const SNAPSHOT_FRAME_BYTES_TARGET = 1 << 20;
/** No frame may exceed this (a row is at most about one request, 1.5 MiB by default). */
export const SNAPSHOT_FRAME_BYTES_MAX = 64 << 20;

export interface SnapshotHeader {
  format: string;
  version: number;
  applied_index: number;
  applied_term: number;
}

export interface SnapshotRows {
  table: SnapshotTable;
  rows: Uint8Array[];
}

interface SnapshotTrailer {
  end: true;
  rows: number;
}

const packr = new Packr({ useRecords: false, moreTypes: false });

/** A snapshot file that cannot be trusted: named, with where it went wrong. */
export class SnapshotFileError extends Error {
  constructor(path: string, reason: string) {
    super(`snapshot file ${path}: ${reason}`);
  }
}

/** Writes a snapshot file frame by frame with synchronous I/O (it runs on a pool thread). */
export class SnapshotFileWriter {
  private readonly fd: number;
  private rows: Uint8Array[] = [];
  private rowBytes = 0;
  private table: SnapshotTable = 'kv';
  private totalRows = 0;
  bytes = 0;

  constructor(readonly path: string, header: { applied_index: number; applied_term: number }) {
    this.fd = openSync(path, 'w');
    this.writeFrame({ format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, ...header } satisfies SnapshotHeader);
  }

  /** Adds one row of `table`; rows of a table must come together. */
  addRow(table: SnapshotTable, key: Uint8Array, value: Uint8Array): void {
    if (table !== this.table) this.flushRows();
    this.table = table;
    this.rows.push(key, value);
    this.rowBytes += key.length + value.length + 10;
    this.totalRows++;
    if (this.rowBytes >= SNAPSHOT_FRAME_BYTES_TARGET) this.flushRows();
  }

  /** Writes the trailer and makes the file durable. */
  finish(): { bytes: number; rows: number } {
    this.flushRows();
    this.writeFrame({ end: true, rows: this.totalRows } satisfies SnapshotTrailer);
    fsyncSync(this.fd);
    closeSync(this.fd);
    return { bytes: this.bytes, rows: this.totalRows };
  }

  /** Closes without a trailer (the file is then refused by readers). */
  abandon(): void {
    closeSync(this.fd);
  }

  private flushRows(): void {
    if (this.rows.length === 0) return;
    this.writeFrame({ table: this.table, rows: this.rows } satisfies SnapshotRows);
    this.rows = [];
    this.rowBytes = 0;
  }

  private writeFrame(value: object): void {
    const payload = packr.pack(value);
    const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
    header.writeUInt32LE(payload.length, 0);
    header.writeUInt32LE(crc32c(payload), 4);
    writeAll(this.fd, header);
    writeAll(this.fd, payload);
    this.bytes += FRAME_HEADER_BYTES + payload.length;
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

/** Reads exactly `length` bytes at `position`, or fewer at end of file. */
function readAt(fd: number, length: number, position: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let read = 0;
  while (read < length) {
    const n = readSync(fd, buffer, read, length - read, position + read);
    if (n === 0) break;
    read += n;
  }
  return buffer.subarray(0, read);
}

/**
 * Reads a snapshot file: its header (`onHeader` returns false to stop there), then each row frame
 * through `onRows`, then checks the trailer. Throws SnapshotFileError on any damage; a caller that
 * applies rows inside one transaction and aborts it on a throw never half-applies a snapshot.
 */
export function readSnapshotFile(path: string, onHeader: (header: SnapshotHeader) => boolean,
  onRows: (rows: SnapshotRows) => void): number {
  const fd = openSync(path, 'r');
  try {
    let position = 0;
    const next = (): unknown => {
      const header = readAt(fd, FRAME_HEADER_BYTES, position);
      if (header.length === 0) return undefined;
      if (header.length < FRAME_HEADER_BYTES) throw new SnapshotFileError(path, `torn frame header at offset ${position}`);
      const length = header.readUInt32LE(0);
      if (length > SNAPSHOT_FRAME_BYTES_MAX) throw new SnapshotFileError(path, `frame of ${length} bytes at offset ${position} exceeds the limit`);
      const payload = readAt(fd, length, position + FRAME_HEADER_BYTES);
      if (payload.length < length) throw new SnapshotFileError(path, `torn frame at offset ${position}`);
      if (crc32c(payload) !== header.readUInt32LE(4)) throw new SnapshotFileError(path, `checksum mismatch at offset ${position}`);
      position += FRAME_HEADER_BYTES + length;
      return packr.unpack(payload);
    };
    const header = next() as SnapshotHeader | undefined;
    if (header?.format !== SNAPSHOT_FORMAT || header.version !== SNAPSHOT_VERSION
      || !Number.isSafeInteger(header.applied_index) || !Number.isSafeInteger(header.applied_term)) {
      throw new SnapshotFileError(path, 'not a cairn snapshot (bad header)');
    }
    if (!onHeader(header)) return 0;
    let rows = 0;
    for (;;) {
      const frame = next() as Partial<SnapshotRows & SnapshotTrailer> | undefined;
      if (frame === undefined) throw new SnapshotFileError(path, 'truncated: no trailer');
      if (frame.end === true) {
        if (frame.rows !== rows) throw new SnapshotFileError(path, `trailer counts ${frame.rows} rows, file holds ${rows}`);
        if (next() !== undefined) throw new SnapshotFileError(path, 'data after the trailer');
        return rows;
      }
      if (!SNAPSHOT_TABLES.includes(frame.table as SnapshotTable) || !Array.isArray(frame.rows) || frame.rows.length % 2 !== 0
        || !frame.rows.every((row) => row instanceof Uint8Array)) {
        throw new SnapshotFileError(path, `malformed row frame before offset ${position}`);
      }
      rows += frame.rows.length / 2;
      onRows(frame as SnapshotRows);
    }
  } finally {
    closeSync(fd);
  }
}
