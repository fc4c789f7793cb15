import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStorage } from '../../engine/raft/memory-storage.js';
import { ERR_COMPACTED, ERR_SNAPSHOT_OUT_OF_DATE, ERR_UNAVAILABLE } from '../../engine/raft/errors.js';
import type { Entry } from '../../engine/raft/types.js';
import { EntryType, ENTRY_OVERHEAD_BYTES } from '../../engine/raft/types.js';

function entry(index: number, term: number, size = 0): Entry {
  return { index, term, type: EntryType.Normal, data: new Uint8Array(size) };
}

function indexes(entries: Entry[] | { code: string }): number[] {
  assert.ok(Array.isArray(entries));
  return entries.map((e) => e.index);
}

test('a fresh storage is empty after its bootstrap snapshot at index 0', () => {
  const storage = new MemoryStorage({ voters: [1, 2, 3], learners: [] });
  assert.equal(storage.firstIndex(), 1);
  assert.equal(storage.lastIndex(), 0);
  assert.equal(storage.term(0), 0);
  assert.equal(storage.term(1), ERR_UNAVAILABLE);
  assert.deepEqual(storage.initialState().confState.voters, [1, 2, 3]);
});

test('append truncates a conflicting suffix and skips compacted entries', () => {
  const storage = new MemoryStorage();
  storage.append([entry(1, 1), entry(2, 1), entry(3, 1), entry(4, 1)]);
  storage.append([entry(3, 2), entry(4, 2)]);
  assert.equal(storage.term(3), 2);
  assert.equal(storage.lastIndex(), 4);
  storage.append([entry(3, 3)]);
  assert.equal(storage.lastIndex(), 3, 'entries after the replaced one are dropped');
  storage.compact(2);
  storage.append([entry(1, 1), entry(2, 1), entry(3, 3), entry(4, 3)]);
  assert.deepEqual(indexes(storage.entries(3, 5, Infinity)), [3, 4]);
});

test('append refuses to leave a gap', () => {
  const storage = new MemoryStorage();
  storage.append([entry(1, 1)]);
  assert.throws(() => storage.append([entry(3, 1)]), /gap/);
});

test('entries are bounded by bytes but always return at least one', () => {
  const storage = new MemoryStorage();
  storage.append([entry(1, 1, 100), entry(2, 1, 100), entry(3, 1, 100)]);
  const entrySize = 100 + ENTRY_OVERHEAD_BYTES;
  assert.deepEqual(indexes(storage.entries(1, 4, 1)), [1]);
  assert.deepEqual(indexes(storage.entries(1, 4, 2 * entrySize)), [1, 2]);
  assert.deepEqual(indexes(storage.entries(1, 4, Infinity)), [1, 2, 3]);
});

test('compact keeps the term of the compaction index and reports compacted reads', () => {
  const storage = new MemoryStorage();
  storage.append([entry(1, 1), entry(2, 2), entry(3, 3)]);
  assert.equal(storage.compact(2), null);
  assert.equal(storage.firstIndex(), 3);
  assert.equal(storage.term(2), 2, 'the dummy entry answers for the compaction index');
  assert.equal(storage.term(1), ERR_COMPACTED);
  assert.equal(storage.entries(2, 4, Infinity), ERR_COMPACTED);
  assert.equal(storage.compact(2), ERR_COMPACTED);
  assert.throws(() => storage.compact(9), /beyond last index/);
});

test('createSnapshot records the term and membership at the index; stale ones are refused', () => {
  const storage = new MemoryStorage();
  storage.append([entry(1, 1), entry(2, 2)]);
  const snap = storage.createSnapshot(2, { voters: [1], learners: [2] }, new Uint8Array([7]));
  assert.ok(!('code' in snap));
  assert.equal(snap.meta.term, 2);
  assert.deepEqual(storage.snapshot().meta.confState.learners, [2]);
  assert.equal(storage.createSnapshot(1, { voters: [1], learners: [] }, new Uint8Array()), ERR_SNAPSHOT_OUT_OF_DATE);
});

test('applySnapshot replaces the log; an older snapshot is refused', () => {
  const storage = new MemoryStorage();
  storage.append([entry(1, 1), entry(2, 1)]);
  const snapshot = { meta: { index: 10, term: 4, confState: { voters: [1, 2], learners: [] } }, data: new Uint8Array() };
  assert.equal(storage.applySnapshot(snapshot), null);
  assert.equal(storage.firstIndex(), 11);
  assert.equal(storage.lastIndex(), 10);
  assert.equal(storage.term(10), 4);
  assert.equal(storage.applySnapshot({ ...snapshot, meta: { ...snapshot.meta, index: 9 } }), ERR_SNAPSHOT_OUT_OF_DATE);
});
