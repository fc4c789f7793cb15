import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrCompacted, ErrFutureRev } from '../../engine/errors.js';
import { openBackend } from '../../engine/mvcc/backend.js';
import { MvccStore } from '../../engine/mvcc/store.js';
import { b, keysOf, put, s, tempDir, withStore } from './helpers.js';

const ZERO = new Uint8Array([0]);

/** Rows in the kv table: what compaction physically removes. */
async function kvRows(path: string): Promise<number> {
  const backend = openBackend(path, { readOnly: true });
  try {
    return backend.kv.getKeysCount();
  } finally {
    await backend.root.close();
  }
}

test('compaction keeps the newest version of each key at or below the revision', () => withStore((store) => {
  put(store, 'a', 'a1'); // 1
  put(store, 'a', 'a2'); // 2
  put(store, 'b', 'b1'); // 3
  put(store, 'a', 'a3'); // 4
  store.write({ compaction: { revision: 3, physical: true } });
  assert.throws(() => store.range({ key: b('a'), revision: 2 }), ErrCompacted);
  assert.equal(ErrCompacted.message, 'etcdserver: mvcc: required revision has been compacted');
  assert.deepEqual(store.range({ key: ZERO, range_end: ZERO, revision: 3 }).response.kvs.map((kv) => [s(kv.key), s(kv.value), kv.version]),
    [['a', 'a2', 2], ['b', 'b1', 1]]);
  assert.equal(s(store.range({ key: b('a') }).response.kvs[0]!.value), 'a3');
  assert.equal(store.range({ key: b('a') }).response.kvs[0]!.version, 3, 'versions survive compaction');
}));

test('compaction drops keys deleted at or below the revision entirely', () => withStore(async (store, path) => {
  put(store, 'gone', '1');
  put(store, 'gone', '2');
  store.write({ delete_range: { key: b('gone') } });
  put(store, 'kept', '1');
  store.write({ compaction: { revision: 4, physical: true } });
  assert.deepEqual(keysOf(store.range({ key: ZERO, range_end: ZERO, revision: 4 }).response.kvs), ['kept']);
  await store.close();
  assert.equal(await kvRows(path), 1, 'only kept@4 remains');
  const reopened = new MvccStore(path);
  assert.equal(reopened.status().current_revision, 4);
  put(reopened, 'gone', 'again');
  assert.equal(reopened.range({ key: b('gone') }).response.kvs[0]!.version, 1);
  await reopened.close();
}));

test('compacting an already compacted revision, an older one or a future one fails as etcd', () => withStore((store) => {
  for (let i = 0; i < 5; i++) put(store, 'k', `${i}`);
  store.write({ compaction: { revision: 3 } });
  assert.throws(() => store.write({ compaction: { revision: 3 } }), ErrCompacted);
  assert.throws(() => store.write({ compaction: { revision: 2 } }), ErrCompacted);
  assert.throws(() => store.write({ compaction: { revision: 6 } }), ErrFutureRev);
  assert.equal(ErrFutureRev.message, 'etcdserver: mvcc: required revision is a future revision');
  const compacted = store.write({ compaction: { revision: 5 } });
  assert.equal(compacted.revision, 5);
  assert.deepEqual(compacted.response, {});
}));

test('an incremental compaction fails old reads at once and finishes in bounded chunks', () => withStore((store) => {
  for (let i = 0; i < 10; i++) { put(store, `k${i}`, 'old'); put(store, `k${i}`, 'new'); }
  store.write({ compaction: { revision: 20 } });
  assert.throws(() => store.range({ key: b('k0'), revision: 19 }), ErrCompacted);
  assert.equal(store.compactionPending(), true);
  assert.equal(store.status().finished_compact_revision, 0);
  let chunks = 0;
  while (store.compactionPending()) { store.compactStep(); chunks++; }
  // 10 keys, 3 per chunk: 3 full chunks, then one that finds the last key and finishes.
  assert.equal(chunks, 4);
  assert.equal(store.status().finished_compact_revision, 20);
  assert.equal(store.range({ key: ZERO, range_end: ZERO }).response.count, 10);
}, { compactionKeysPerChunk: 3 }));

test('a compaction interrupted by a restart resumes where it stopped', async () => {
  const dir = tempDir();
  try {
    let store = new MvccStore(dir.path, { compactionKeysPerChunk: 2 });
    for (let i = 0; i < 7; i++) { put(store, `k${i}`, 'old'); put(store, `k${i}`, 'new'); }
    store.write({ compaction: { revision: 14 } });
    store.compactStep();
    store.compactStep();
    await store.close();
    assert.equal(await kvRows(dir.path), 4 + 3 * 2, 'four keys compacted, three not yet');
    store = new MvccStore(dir.path, { compactionKeysPerChunk: 2 });
    assert.equal(store.compactionPending(), true);
    let chunks = 0;
    while (store.compactionPending()) { store.compactStep(); chunks++; }
    assert.equal(chunks, 2);
    await store.close();
    assert.equal(await kvRows(dir.path), 7);
  } finally {
    dir.remove();
  }
});

test('HashKV is equal for equal histories and changes with the data', async () => {
  const histories = [['a', 'b', 'c'], ['a', 'b', 'c'], ['a', 'b', 'd']];
  const hashes: number[] = [];
  for (const keys of histories) {
    await withStore((store) => {
      for (const key of keys) put(store, key, 'v');
      hashes.push(store.hashKV({}).response.hash);
    });
  }
  assert.equal(hashes[0], hashes[1]);
  assert.notEqual(hashes[0], hashes[2]);
});

test('HashKV at a revision ignores later writes and reports its revisions', () => withStore((store) => {
  put(store, 'a', '1');
  put(store, 'b', '2');
  const atTwo = store.hashKV({ revision: 2 }).response;
  put(store, 'c', '3');
  assert.deepEqual(store.hashKV({ revision: 2 }).response, atTwo);
  assert.deepEqual({ ...atTwo, hash: 0 }, { hash: 0, compact_revision: 0, hash_revision: 2 });
  assert.equal(store.hashKV({}).response.hash_revision, 3);
  assert.notEqual(store.hashKV({}).response.hash, atTwo.hash);
  assert.throws(() => store.hashKV({ revision: 4 }), ErrFutureRev);
}));

test('HashKV does not depend on how far a compaction has physically got', () => withStore((store) => {
  for (let i = 0; i < 6; i++) { put(store, `k${i}`, 'old'); put(store, `k${i}`, 'new'); }
  store.write({ delete_range: { key: b('k5') } });
  store.write({ compaction: { revision: 10 } });
  const scheduled = store.hashKV({}).response;
  store.compactStep();
  const midway = store.hashKV({}).response;
  while (store.compactionPending()) store.compactStep();
  const finished = store.hashKV({}).response;
  assert.equal(midway.hash, scheduled.hash);
  assert.equal(finished.hash, scheduled.hash);
  assert.equal(finished.compact_revision, 10);
  assert.throws(() => store.hashKV({ revision: 10 }), ErrCompacted);
  assert.equal(store.hashKV({ revision: 11 }).response.hash_revision, 11);
}, { compactionKeysPerChunk: 2 }));
