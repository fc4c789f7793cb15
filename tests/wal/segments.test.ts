import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { prepareSegmentFile, preparingPath } from '../../engine/wal/segment-files.js';
import { mountTmpfs, tmpfsUnavailable, unmountTmpfs } from '../tmpfs.js';
import { appendDurably, entries, openWal, segmentFiles, snapshotDurably, withTempDir } from './helpers.js';

test('segments roll over when full; every segment replays in order', async () => {
  await withTempDir(async (dir) => {
    const { wal } = await openWal(dir);
    for (let first = 1; first <= 2000; first += 100) {
      await appendDurably(wal, entries(first, first + 99, 1, 256), { term: 1, vote: 1, commit: first });
    }
    await wal.close();
    assert.ok(segmentFiles(dir).length >= 5, `2000 entries of 256 B in 128 KiB segments, got ${segmentFiles(dir).length}`);
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.tmp')), [], 'close removes the prepared segment');
    const reopened = await openWal(dir);
    assert.deepEqual(reopened.replay.entries, entries(1, 2000, 1, 256));
    assert.deepEqual(reopened.replay.hardState, { term: 1, vote: 1, commit: 1901 });
    await reopened.wal.close();
  });
});

test('release deletes only whole segments below the index; the snapshot marker and hard state stay readable', async () => {
  await withTempDir(async (dir) => {
    const { wal } = await openWal(dir);
    for (let first = 1; first <= 2000; first += 100) await appendDurably(wal, entries(first, first + 99, 1, 256));
    const snapshot = { index: 1500, term: 1, confState: { voters: [1, 2, 3], learners: [] } };
    await snapshotDurably(wal, snapshot);
    await appendDurably(wal, entries(2001, 2100, 2, 256), { term: 2, vote: 3, commit: 2050 });
    const before = segmentFiles(dir);
    const released = await wal.releaseBefore(1501);
    const after = segmentFiles(dir);
    assert.ok(released > 0, 'segments holding only entries up to ~1400 must go');
    assert.deepEqual(after, before.slice(released), 'only the oldest segments are released');
    assert.ok(!existsSync(join(dir, before[0]!)));
    await assert.rejects(wal.releaseBefore(1502), /latest snapshot covers only up to 1500/);
    await wal.close();

    const reopened = await openWal(dir);
    assert.deepEqual(reopened.replay.snapshot, snapshot);
    assert.deepEqual(reopened.replay.hardState, { term: 2, vote: 3, commit: 2050 });
    assert.deepEqual(reopened.replay.entries, [...entries(1501, 2000, 1, 256), ...entries(2001, 2100, 2, 256)]);
    await reopened.wal.close();
  });
});

test('after releasing everything but the current segment, a reopen still finds the snapshot in its header', async () => {
  await withTempDir(async (dir) => {
    const { wal } = await openWal(dir);
    for (let first = 1; first <= 1000; first += 100) await appendDurably(wal, entries(first, first + 99, 1, 256));
    const snapshot = { index: 1000, term: 1, confState: { voters: [1], learners: [2] } };
    await snapshotDurably(wal, snapshot);
    const markerSegment = segmentFiles(dir).at(-1)!;
    // Fill the marker's segment with hard states only, so it holds no entry above 1000 and is released.
    const segments = segmentFiles(dir).length;
    for (let commit = 1; segmentFiles(dir).length === segments; commit++) {
      assert.ok(commit < 10_000, 'hard states must fill a 128 KiB segment');
      await appendDurably(wal, [], { term: 1, vote: 1, commit });
    }
    for (let first = 1001; first <= 1500; first += 100) await appendDurably(wal, entries(first, first + 99, 1, 256));
    await wal.releaseBefore(1001);
    assert.ok(!existsSync(join(dir, markerSegment)), 'the segment holding the marker frame was released');
    await wal.close();
    const reopened = await openWal(dir);
    assert.deepEqual(reopened.replay.snapshot, snapshot);
    assert.equal(reopened.replay.entries[0]?.index, 1001);
    assert.equal(reopened.replay.entries.at(-1)?.index, 1500);
    await reopened.wal.close();
  });
});

test('a segment that cannot be prepared for lack of space is removed, not left holding the space', {
  skip: tmpfsUnavailable(),
}, async () => {
  await withTempDir(async (dir) => {
    mountTmpfs(dir, 1);
    try {
      const path = preparingPath(dir, 1);
      await assert.rejects(prepareSegmentFile(path, 2 * 1024 * 1024), /ENOSPC/);
      assert.equal(existsSync(path), false);
    } finally {
      unmountTmpfs(dir);
    }
  });
});
