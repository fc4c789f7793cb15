import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendDurably, entries, openWal, segmentFiles, snapshotDurably, withTempDir } from './helpers.js';

test('an entry appended at index i supersedes every earlier entry at i and above', async () => {
  await withTempDir(async (dir) => {
    const { wal } = await openWal(dir);
    await appendDurably(wal, entries(1, 10, 1));
    await appendDurably(wal, entries(6, 8, 2));
    await appendDurably(wal, entries(9, 9, 2));
    await wal.close();
    const reopened = await openWal(dir);
    assert.deepEqual(reopened.replay.entries, [...entries(1, 5, 1), ...entries(6, 9, 2)]);
    await reopened.wal.close();
  });
});

test('a suffix overwrite reaches back into an older segment and survives reopens', async () => {
  await withTempDir(async (dir) => {
    let { wal } = await openWal(dir);
    for (let first = 1; first <= 1000; first += 100) await appendDurably(wal, entries(first, first + 99, 1, 256));
    await wal.close();
    ({ wal } = await openWal(dir));
    assert.ok(segmentFiles(dir).length >= 3, 'the overwrite must reach back across segments');
    await appendDurably(wal, entries(3, 4, 3, 256));
    await wal.close();
    const reopened = await openWal(dir);
    assert.deepEqual(reopened.replay.entries, [...entries(1, 2, 1, 256), ...entries(3, 4, 3, 256)]);
    await reopened.wal.close();
  });
});

test('a snapshot marker drops entries at or below its index; the log resumes right after it', async () => {
  await withTempDir(async (dir) => {
    const { wal } = await openWal(dir);
    const snapshot = { index: 7, term: 1, confState: { voters: [1, 2, 3], learners: [4] } };
    await appendDurably(wal, entries(1, 10, 1));
    await snapshotDurably(wal, snapshot);
    await appendDurably(wal, entries(11, 12, 1), { term: 1, vote: 1, commit: 12 });
    await wal.close();
    const reopened = await openWal(dir);
    assert.deepEqual(reopened.replay.snapshot, snapshot);
    assert.deepEqual(reopened.replay.entries, entries(8, 12, 1));
    assert.deepEqual(reopened.replay.hardState, { term: 1, vote: 1, commit: 12 });
    await reopened.wal.close();
  });
});

test('a snapshot beyond the log (installed from a leader) empties it; appends continue after the snapshot', async () => {
  await withTempDir(async (dir) => {
    const { wal } = await openWal(dir);
    await appendDurably(wal, entries(1, 5, 1));
    await snapshotDurably(wal, { index: 100, term: 4, confState: { voters: [1], learners: [] } });
    assert.throws(() => wal.append(entries(6, 6, 1)), /must follow the snapshot/);
    await appendDurably(wal, entries(101, 103, 4));
    await wal.close();
    const reopened = await openWal(dir);
    assert.equal(reopened.replay.snapshot?.index, 100);
    assert.deepEqual(reopened.replay.entries, entries(101, 103, 4));
    await reopened.wal.close();
  });
});
