import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrCompacted, ErrFutureRev } from '../../engine/errors.js';
import { openBackend } from '../../engine/mvcc/backend.js';
import { MvccStore } from '../../engine/mvcc/store.js';
import { b, keysOf, put, s, tempDir, withStore } from './helpers.js';

const ZERO = new Uint8Array([0]);
/** etcd's HashKV of an empty store: CRC-32C of the bucket name "key" alone (checked against etcd 3.4). */
const ETCD_EMPTY_HASH = 1084519789;

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
  put(store, 'a', 'a1'); // 2
  put(store, 'a', 'a2'); // 3
  put(store, 'b', 'b1'); // 4
  put(store, 'a', 'a3'); // 5
  store.write({ compaction: { revision: 4, physical: true } });
  assert.throws(() => store.range({ key: b('a'), revision: 3 }), ErrCompacted);
  assert.equal(ErrCompacted.message, 'etcdserver: mvcc: required revision has been compacted');
  assert.deepEqual(store.range({ key: ZERO, range_end: ZERO, revision: 4 }).response.kvs.map((kv) => [s(kv.key), s(kv.value), kv.version]),
    [['a', 'a2', 2], ['b', 'b1', 1]]);
  assert.equal(s(store.range({ key: b('a') }).response.kvs[0]!.value), 'a3');
  assert.equal(store.range({ key: b('a') }).response.kvs[0]!.version, 3, 'versions survive compaction');
}));

test('compaction drops keys deleted at or below the revision entirely', () => withStore(async (store, path) => {
  put(store, 'gone', '1');
  put(store, 'gone', '2');
  store.write({ delete_range: { key: b('gone') } });
  put(store, 'kept', '1');
  store.write({ compaction: { revision: 5, physical: true } });
  assert.deepEqual(keysOf(store.range({ key: ZERO, range_end: ZERO, revision: 5 }).response.kvs), ['kept']);
  await store.close();
  assert.equal(await kvRows(path), 1, 'only kept@5 remains');
  const reopened = new MvccStore(path);
  assert.equal(reopened.status().current_revision, 5);
  put(reopened, 'gone', 'again');
  assert.equal(reopened.range({ key: b('gone') }).response.kvs[0]!.version, 1);
  await reopened.close();
}));

test('compacting an already compacted revision, an older one or a future one fails as etcd', () => withStore((store) => {
  for (let i = 0; i < 5; i++) put(store, 'k', `${i}`);
  store.write({ compaction: { revision: 4 } });
  assert.throws(() => store.write({ compaction: { revision: 4 } }), ErrCompacted);
  assert.throws(() => store.write({ compaction: { revision: 3 } }), ErrCompacted);
  assert.throws(() => store.write({ compaction: { revision: 7 } }), ErrFutureRev);
  assert.equal(ErrFutureRev.message, 'etcdserver: mvcc: required revision is a future revision');
  const compacted = store.write({ compaction: { revision: 6 } });
  assert.equal(compacted.revision, 6);
  assert.deepEqual(compacted.response, {});
}));

test('an empty store compacts at revision 1 as etcd\'s does; revision 1 stays readable', () => withStore((store) => {
  assert.throws(() => store.write({ compaction: { revision: 2 } }), ErrFutureRev);
  const compacted = store.write({ compaction: { revision: 1, physical: true } });
  assert.deepEqual(compacted, { response: {}, revision: 1 });
  assert.equal(store.status().compact_revision, 1);
  assert.equal(store.status().finished_compact_revision, 1);
  assert.throws(() => store.write({ compaction: { revision: 1 } }), ErrCompacted);
  assert.deepEqual(store.range({ key: b('x'), revision: 1 }), { response: { kvs: [], more: false, count: 0 }, revision: 1 });
  assert.throws(() => store.hashKV({ revision: 1 }), ErrCompacted);
  assert.deepEqual(store.hashKV({}).response, { hash: ETCD_EMPTY_HASH, compact_revision: 1, hash_revision: 1 });
  assert.equal(put(store, 'x', '1'), 2);
}));

test('a store never compacted reports compact revision -1 and accepts compacting revision 0, as etcd does', () => withStore((store) => {
  assert.equal(store.status().compact_revision, -1);
  assert.equal(store.hashKV({}).response.compact_revision, -1);
  assert.deepEqual(store.write({ compaction: { revision: 0 } }), { response: {}, revision: 1 });
  assert.equal(store.status().compact_revision, 0);
  assert.throws(() => store.write({ compaction: { revision: 0 } }), ErrCompacted);
  assert.equal(put(store, 'x', '1'), 2);
}));

test('an incremental compaction fails old reads at once and finishes in bounded chunks', () => withStore((store) => {
  for (let i = 0; i < 10; i++) { put(store, `k${i}`, 'old'); put(store, `k${i}`, 'new'); }
  store.write({ compaction: { revision: 21 } });
  assert.throws(() => store.range({ key: b('k0'), revision: 20 }), ErrCompacted);
  assert.equal(store.compactionPending(), true);
  assert.equal(store.status().finished_compact_revision, 0);
  let chunks = 0;
  while (store.compactionPending()) { store.compactStep(); chunks++; }
  // 10 keys, 3 per chunk: 3 full chunks, then one that finds the last key and finishes.
  assert.equal(chunks, 4);
  assert.equal(store.status().finished_compact_revision, 21);
  assert.equal(store.range({ key: ZERO, range_end: ZERO }).response.count, 10);
}, { compactionKeysPerChunk: 3 }));

test('a compaction interrupted by a restart resumes where it stopped', async () => {
  const dir = tempDir();
  try {
    let store = new MvccStore(dir.path, { compactionKeysPerChunk: 2 });
    for (let i = 0; i < 7; i++) { put(store, `k${i}`, 'old'); put(store, `k${i}`, 'new'); }
    store.write({ compaction: { revision: 15 } });
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
  const atThree = store.hashKV({ revision: 3 }).response;
  put(store, 'c', '3');
  assert.deepEqual(store.hashKV({ revision: 3 }).response, atThree);
  // Never compacted: etcd reports compact_revision -1.
  assert.deepEqual({ ...atThree, hash: 0 }, { hash: 0, compact_revision: -1, hash_revision: 3 });
  assert.equal(store.hashKV({}).response.hash_revision, 4);
  assert.notEqual(store.hashKV({}).response.hash, atThree.hash);
  assert.throws(() => store.hashKV({ revision: 5 }), ErrFutureRev);
}));

test('HashKV equals etcd 3.4\'s at every revision of the same history, before and after compaction', () => withStore((store) => {
  // Hashes reported by a fresh etcd 3.4.23 (`etcdctl endpoint hashkv --rev=N`) after:
  // put a 1; put b 2; put a 3; del b; then compaction 4. Equal only if revisions are numbered as etcd's.
  const ETCD_HASHES = [ETCD_EMPTY_HASH, 2587454935, 1827592406, 2069675932, 1125682900];
  const empty = store.hashKV({}).response;
  assert.deepEqual([empty.hash, empty.hash_revision], [ETCD_EMPTY_HASH, 1]);
  put(store, 'a', '1');
  put(store, 'b', '2');
  put(store, 'a', '3');
  store.write({ delete_range: { key: b('b') } });
  assert.deepEqual([1, 2, 3, 4, 5].map((revision) => store.hashKV({ revision }).response.hash), ETCD_HASHES);
  store.write({ compaction: { revision: 4 } });
  assert.equal(store.hashKV({}).response.hash, 1468967122, 'once scheduled, before any chunk runs');
  while (store.compactionPending()) store.compactStep();
  assert.deepEqual(store.hashKV({ revision: 5 }).response, { hash: 1468967122, compact_revision: 4, hash_revision: 5 });
}));

test('HashKV does not depend on how far a compaction has physically got', () => withStore((store) => {
  for (let i = 0; i < 6; i++) { put(store, `k${i}`, 'old'); put(store, `k${i}`, 'new'); }
  store.write({ delete_range: { key: b('k5') } });
  store.write({ compaction: { revision: 11 } });
  const scheduled = store.hashKV({}).response;
  store.compactStep();
  const midway = store.hashKV({}).response;
  while (store.compactionPending()) store.compactStep();
  const finished = store.hashKV({}).response;
  assert.equal(midway.hash, scheduled.hash);
  assert.equal(finished.hash, scheduled.hash);
  assert.equal(finished.compact_revision, 11);
  assert.throws(() => store.hashKV({ revision: 11 }), ErrCompacted);
  assert.equal(store.hashKV({ revision: 12 }).response.hash_revision, 12);
}, { compactionKeysPerChunk: 2 }));
