import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyIndex, entries, liveRevisionAt, type IndexEntry, type KeyInterval } from '../../engine/mvcc/key-index.js';
import { MvccStore } from '../../engine/mvcc/store.js';
import { seededRandom } from '../seeded-random.js';
import { b, tempDir } from './helpers.js';

function rev(main: number, sub = 0, tombstone = false): IndexEntry {
  return { main, sub, tombstone };
}

function keysIn(index: KeyIndex, interval: KeyInterval, atRev: number, reverse = false): string[] {
  const found: string[] = [];
  index.forEachLive(interval, atRev, reverse, (key) => { found.push(key); return true; });
  return found;
}

test('the key index finds the revision in force at any revision, and only grows', () => {
  const index = new KeyIndex();
  index.append(b('k'), rev(2));
  index.append(b('k'), rev(4, 1));
  index.append(b('k'), rev(5, 0, true));
  index.append(b('k'), rev(8));
  const history = index.get(b('k'))!;
  assert.equal(liveRevisionAt(history, 1), undefined);
  assert.deepEqual(liveRevisionAt(history, 4), rev(4, 1));
  assert.equal(liveRevisionAt(history, 6), undefined, 'deleted at 5');
  assert.equal(liveRevisionAt(history, 9)?.main, 8);
  assert.throws(() => index.append(b('k'), rev(8)), /must grow/);
  assert.throws(() => index.append(b('k'), rev(7, 3)), /must grow/);
});

test('compaction drops what etcd\'s keyIndex.compact drops, in chunks that resume after a key', () => {
  const index = new KeyIndex();
  for (const key of ['a', 'b', 'c']) {
    index.append(b(key), rev(2));
    index.append(b(key), rev(4));
  }
  index.append(b('c'), rev(5, 0, true));
  index.append(b('d'), rev(5, 0, true));
  const first = index.compact(undefined, 6, 2);
  assert.equal(first.last, 'b', 'two keys examined');
  assert.deepEqual(first.removed.map((entry) => entry.main), [2, 2]);
  const rest = index.compact(first.last, 6, 2);
  assert.equal(rest.last, undefined, 'the walk reached the end');
  assert.deepEqual(rest.removed.map((entry) => [entry.main, entry.tombstone]), [[2, false], [4, false], [5, true], [5, true]], 'a tombstone goes with what it deleted');
  assert.deepEqual(entries(index.get(b('a'))!).map((entry) => entry.main), [4], 'the revision in force at 6 stays');
  assert.equal(index.get(b('c')), undefined, 'a key deleted before the compaction leaves the index');
  assert.equal(index.get(b('d')), undefined);
  assert.equal(index.size, 2);
});

test('intervals walk keys in byte order, both ways, with bytes above 0x7f and keys far beyond LMDB\'s 1,978-byte limit', () => {
  const index = new KeyIndex();
  const long = (fill: string, length: number, last: string) => Buffer.concat([Buffer.alloc(length - 1, fill), Buffer.from(last)]);
  const keys = [
    Buffer.from([0x61]), Buffer.from([0x61, 0x00]), Buffer.from([0x7f]), Buffer.from([0x80]), Buffer.from([0xff, 0xff]),
    long('m', 4000, 'a'), long('m', 4000, 'b'), long('m', 1978, 'z'), long('m', 100_000, 'c'),
  ];
  for (const [i, key] of keys.entries()) index.append(key, rev(i + 2));
  const sorted = [...keys].sort(Buffer.compare).map((key) => key.toString('latin1'));
  assert.deepEqual(keysIn(index, { start: b('\0'), end: undefined, single: false }, 100), sorted);
  assert.deepEqual(keysIn(index, { start: b('\0'), end: undefined, single: false }, 100, true), [...sorted].reverse());
  const from = long('m', 4000, 'a');
  const to = long('m', 4000, 'b');
  assert.deepEqual(keysIn(index, { start: from, end: to, single: false }, 100), [from.toString('latin1')], 'the end is exclusive');
  assert.deepEqual(keysIn(index, { start: from, end: to, single: false }, 100, true), [from.toString('latin1')]);
  assert.deepEqual(keysIn(index, { start: long('m', 100_000, 'c'), end: undefined, single: true }, 100), [long('m', 100_000, 'c').toString('latin1')]);
  assert.deepEqual(keysIn(index, { start: Buffer.from([0x80]), end: Buffer.from([0x80]), single: false }, 100), [], 'an empty interval');
  assert.deepEqual(keysIn(index, { start: Buffer.from([0x80]), end: undefined, single: false }, 5), [Buffer.from([0x80]).toString('latin1')], 'only keys live at the revision');
});

test('a reopened store rebuilds the same key index and lease keys from its kv table', async () => {
  const dir = tempDir();
  const random = seededRandom(12345);
  let store = new MvccStore(dir.path);
  try {
    store.write({ lease_grant: { ID: 5, TTL: 60 } });
    for (let i = 0; i < 300; i++) {
      const key = b(`k${Math.floor(random() * 60)}`);
      if (random() < 0.2) store.write({ delete_range: { key } });
      else store.write({ put: { key, value: b(`v${i}`), lease: random() < 0.3 ? 5 : 0 } });
    }
    store.write({ compaction: { revision: 150, physical: true } });
    const current = store.status().current_revision;
    const all = { key: b('k'), range_end: b('l') };
    const views = (s: MvccStore) => [150, 200, current].map((revision) => s.range({ ...all, revision }));
    const before = { ranges: views(store), leaseKeys: store.leaseKeys(5), hash: store.hashKV({}) };
    await store.close();
    store = new MvccStore(dir.path);
    assert.deepEqual({ ranges: views(store), leaseKeys: store.leaseKeys(5), hash: store.hashKV({}) }, before);
    const history = store.history(151, current, 10_000, true);
    assert.ok('events' in history && history.events.length > 0);
  } finally {
    await store.close();
    dir.remove();
  }
});
