/**
 * Segment files on disk: naming, listing, reading, and the pipeline that prepares the next
 * segment ahead of time.
 *
 * A segment is named by its number, `0000000000000001.wal`, `0000000000000002.wal`, ... A new
 * segment is filled with zeros (so later fdatasyncs need not allocate blocks: measured ~120 us
 * against ~210 us for a sparse file), given its header group, synced, and only then renamed from
 * `.wal.tmp` to `.wal` and the directory synced. So a `.wal` file always starts with a committed
 * header, and a leftover `.wal.tmp` is a crash during preparation: it is deleted on open.
 */
import { closeSync, fsync, fsyncSync, open, openSync, readdirSync, readFileSync, rmSync, unlinkSync, write } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WalCorruptionError } from './errors.js';

const SEGMENT_SUFFIX = '.wal';
const PREPARING_SUFFIX = '.wal.tmp';
const SEGMENT_NAME = /^([0-9a-f]{16})\.wal$/;
const ZERO_FILL_CHUNK_BYTES = 1 << 20;
const openAsync = promisify(open);
const writeAsync = promisify(write);
const fsyncAsync = promisify(fsync);

/** The file name of segment `segmentNumber`. */
export function segmentFileName(segmentNumber: number): string {
  return segmentNumber.toString(16).padStart(16, '0') + SEGMENT_SUFFIX;
}

/**
 * The segment numbers in `dir`, ascending, after deleting leftover `.wal.tmp` files. Throws
 * WalCorruptionError when a number is missing in the middle (a lost segment).
 */
export function listSegments(dir: string): number[] {
  const numbers: number[] = [];
  for (const name of readdirSync(dir)) {
    if (name.endsWith(PREPARING_SUFFIX)) { unlinkSync(join(dir, name)); continue; }
    const match = SEGMENT_NAME.exec(name);
    if (match) numbers.push(parseInt(match[1]!, 16));
  }
  numbers.sort((a, b) => a - b);
  for (let i = 1; i < numbers.length; i++) {
    if (numbers[i] !== numbers[i - 1]! + 1) {
      throw new WalCorruptionError(join(dir, segmentFileName(numbers[i - 1]! + 1)), 0, 'segment file is missing');
    }
  }
  return numbers;
}

/** Reads a whole segment file. */
export function readSegment(path: string): Uint8Array {
  return readFileSync(path);
}

/** fsyncs a directory so creations, renames and deletions in it are durable. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

/** Path of the file a segment is prepared in before it is renamed into place. */
export function preparingPath(dir: string, segmentNumber: number): string {
  return join(dir, segmentFileName(segmentNumber) + '.tmp');
}

/**
 * Creates `path` filled with `segmentBytes` zeros and synced, without blocking the worker's
 * thread (libuv does the writes), so it is ready when the current segment fills up. Resolves
 * to the open file descriptor.
 */
export async function prepareSegmentFile(path: string, segmentBytes: number): Promise<number> {
  const fd = await openAsync(path, 'w+');
  try {
    const zeros = new Uint8Array(Math.min(ZERO_FILL_CHUNK_BYTES, segmentBytes));
    for (let at = 0; at < segmentBytes;) {
      // On a nearly full disk a write may be short without an error; the next one then fails.
      const { bytesWritten } = await writeAsync(fd, zeros, 0, Math.min(zeros.length, segmentBytes - at), at);
      if (bytesWritten === 0) throw new Error(`wrote 0 bytes at offset ${at} of ${path}`);
      at += bytesWritten;
    }
    // fsync, not fdatasync: the file's size changed and must be durable too.
    await fsyncAsync(fd);
    return fd;
  } catch (error) {
    closeSync(fd);
    // On a full disk the partial file would hold the last free space hostage until a restart.
    rmSync(path, { force: true });
    throw error;
  }
}
