import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, readFileSync, closeSync, writeSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { WalCorruptionError } from '../../engine/wal/wal.js';
import { scanSegment } from '../../engine/wal/segment-scan.js';
import { appendDurably, entries, openWal, segmentFiles, withTempDir } from './helpers.js';

/** Segment 1's header group: SEGMENT_HEADER (24 B) + HARD_STATE (32 B) + COMMIT (24 B). */
const FIRST_GROUP_OFFSET = 80;
/** Where the first entry's data starts in its frame: frame header (8 B) + entry header (24 B). */
const ENTRY_DATA_OFFSET = 32;

function writeAt(path: string, offset: number, bytes: Uint8Array): void {
  const fd = openSync(path, 'r+');
  try { writeSync(fd, bytes, 0, bytes.length, offset); } finally { closeSync(fd); }
}

function flipByte(path: string, offset: number): void {
  const byte = readFileSync(path)[offset]!;
  writeAt(path, offset, new Uint8Array([byte ^ 0x5a]));
}

/** Writes three batches, each in its own commit group, and closes. */
async function writeThreeGroups(dir: string): Promise<void> {
  const { wal } = await openWal(dir);
  await appendDurably(wal, entries(1, 4, 1), { term: 1, vote: 1, commit: 0 });
  await appendDurably(wal, entries(5, 8, 1), { term: 1, vote: 1, commit: 4 });
  await appendDurably(wal, entries(9, 12, 1), { term: 1, vote: 1, commit: 8 });
  await wal.close();
}

test('a flipped byte mid-segment, followed by committed batches, is corruption naming file and offset', async () => {
  await withTempDir(async (dir) => {
    await writeThreeGroups(dir);
    const segment = join(dir, segmentFiles(dir)[0]!);
    flipByte(segment, FIRST_GROUP_OFFSET + ENTRY_DATA_OFFSET + 10);
    await assert.rejects(openWal(dir), (error: unknown) => {
      assert.ok(error instanceof WalCorruptionError);
      assert.equal(error.file, join(dir, '0000000000000001.wal'));
      assert.equal(error.offset, FIRST_GROUP_OFFSET);
      assert.match(error.message, /corrupt segment \S*\/0000000000000001\.wal at offset 80: frame checksum mismatch/);
      return true;
    });
  });
});

test('a zeroed frame header mid-segment is corruption, not a silent end of the log', async () => {
  await withTempDir(async (dir) => {
    await writeThreeGroups(dir);
    writeAt(join(dir, segmentFiles(dir)[0]!), FIRST_GROUP_OFFSET, new Uint8Array(8));
    await assert.rejects(openWal(dir), /corrupt segment \S*\/0000000000000001\.wal at offset 80: .*followed by committed data/);
  });
});

test('damage in a segment that is not the last one is always corruption', async () => {
  await withTempDir(async (dir) => {
    const { wal } = await openWal(dir);
    for (let first = 1; first <= 1000; first += 100) await appendDurably(wal, entries(first, first + 99, 1, 256));
    await wal.close();
    const files = segmentFiles(dir);
    assert.ok(files.length >= 2);
    const first = join(dir, files[0]!);
    const { validEnd } = scanSegment(readFileSync(first));
    // The last frame of the first segment: its commit frame, which nothing in that segment follows.
    flipByte(first, validEnd - 4);
    await assert.rejects(openWal(dir), /corrupt segment \S*\/0000000000000001\.wal at offset \d+: .*not the last segment/);
  });
});

test('a missing segment in the middle is corruption', async () => {
  await withTempDir(async (dir) => {
    const { wal } = await openWal(dir);
    for (let first = 1; first <= 1000; first += 100) await appendDurably(wal, entries(first, first + 99, 1, 256));
    await wal.close();
    const files = segmentFiles(dir);
    assert.ok(files.length >= 3);
    rmSync(join(dir, files[1]!));
    await assert.rejects(openWal(dir), /corrupt segment \S*\/0000000000000002\.wal at offset 0: segment file is missing/);
  });
});

test('garbage after the last commit frame is a torn tail: wiped on open, and appending continues', async () => {
  await withTempDir(async (dir) => {
    await writeThreeGroups(dir);
    const segment = join(dir, segmentFiles(dir)[0]!);
    const { validEnd } = scanSegment(readFileSync(segment));
    // A torn group: a plausible entry header followed by half-written noise.
    const garbage = new Uint8Array(300).map((_, i) => (i * 37 + 11) & 0xff);
    garbage[0] = 2;
    writeAt(segment, validEnd, garbage);

    const { wal, replay } = await openWal(dir);
    assert.deepEqual(replay.entries, entries(1, 12, 1));
    assert.deepEqual(replay.hardState, { term: 1, vote: 1, commit: 8 });
    assert.ok(readFileSync(segment).subarray(validEnd, validEnd + 300).every((byte) => byte === 0), 'the tail is zeroed');
    await appendDurably(wal, entries(13, 14, 1));
    await wal.close();
    const reopened = await openWal(dir);
    assert.deepEqual(reopened.replay.entries, entries(1, 14, 1));
    await reopened.wal.close();
  });
});

test('a last group whose commit frame never reached the disk is dropped whole', async () => {
  await withTempDir(async (dir) => {
    await writeThreeGroups(dir);
    const segment = join(dir, segmentFiles(dir)[0]!);
    const { validEnd } = scanSegment(readFileSync(segment));
    writeAt(segment, validEnd - 24, new Uint8Array(24));
    const { wal, replay } = await openWal(dir);
    assert.deepEqual(replay.entries, entries(1, 8, 1), 'batch 9..12 lost its commit frame, so none of it is replayed');
    assert.deepEqual(replay.hardState, { term: 1, vote: 1, commit: 4 });
    await wal.close();
  });
});

test('a flipped byte inside the last group cannot be told from a torn write: the group is dropped', async () => {
  await withTempDir(async (dir) => {
    await writeThreeGroups(dir);
    const segment = join(dir, segmentFiles(dir)[0]!);
    const { validEnd } = scanSegment(readFileSync(segment));
    flipByte(segment, validEnd - 60);
    const { wal, replay } = await openWal(dir);
    assert.deepEqual(replay.entries, entries(1, 8, 1));
    await wal.close();
  });
});
