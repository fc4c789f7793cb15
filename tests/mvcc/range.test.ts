import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrCompacted, ErrEmptyKey, ErrFutureRev, ErrInvalidSortOption } from '../../engine/errors.js';
import { prefixRangeEnd } from '../../engine/mvcc/range.js';
import { CompareResult, CompareTarget, SortOrder, SortTarget, type TxnResponse } from '../../engine/mvcc/rpc.js';
import { b, keysOf, put, s, withStore } from './helpers.js';

const ZERO = new Uint8Array([0]);

test('an empty store is at revision 1: a range there finds nothing, revision 2 is in the future', () => withStore((store) => {
  assert.equal(store.status().current_revision, 1);
  assert.deepEqual(store.range({ key: b('x') }), { response: { kvs: [], more: false, count: 0 }, revision: 1 });
  assert.deepEqual(store.range({ key: ZERO, range_end: ZERO, revision: 1 }), { response: { kvs: [], more: false, count: 0 }, revision: 1 });
  assert.throws(() => store.range({ key: b('x'), revision: 2 }), ErrFutureRev);
}));

test('an empty range_end reads the single key, not keys it prefixes', () => withStore((store) => {
  put(store, 'foo', '1');
  put(store, 'foo1', '2');
  const { response, revision } = store.range({ key: b('foo') });
  assert.deepEqual(keysOf(response.kvs), ['foo']);
  assert.equal(response.count, 1);
  assert.equal(response.more, false);
  assert.equal(revision, 3);
  assert.deepEqual(store.range({ key: b('fo') }).response, { kvs: [], more: false, count: 0 });
}));

test('range_end "\\0" reads every key >= key, and key "\\0" with it reads all keys', () => withStore((store) => {
  for (const key of ['a', 'b', 'c', 'd']) put(store, key, key);
  assert.deepEqual(keysOf(store.range({ key: b('b'), range_end: ZERO }).response.kvs), ['b', 'c', 'd']);
  assert.deepEqual(keysOf(store.range({ key: ZERO, range_end: ZERO }).response.kvs), ['a', 'b', 'c', 'd']);
}));

test('a half-open range excludes range_end; a range_end at or below key is empty', () => withStore((store) => {
  for (const key of ['a', 'b', 'c', 'd']) put(store, key, key);
  assert.deepEqual(keysOf(store.range({ key: b('b'), range_end: b('d') }).response.kvs), ['b', 'c']);
  assert.equal(store.range({ key: b('c'), range_end: b('c') }).response.count, 0);
  assert.equal(store.range({ key: b('c'), range_end: b('a') }).response.count, 0);
}));

test('prefix range ends are computed as clientv3 does', () => withStore((store) => {
  assert.deepEqual(Buffer.from(prefixRangeEnd(b('foo'))), b('fop'));
  assert.deepEqual(Buffer.from(prefixRangeEnd(new Uint8Array([0x61, 0xff]))), Buffer.from([0x62]));
  assert.deepEqual(Buffer.from(prefixRangeEnd(new Uint8Array([0xff, 0xff]))), Buffer.from([0]));
  for (const key of ['fo', 'foo', 'foo/a', 'foo/b', 'fop', 'a\xff']) put(store, key, key);
  assert.deepEqual(keysOf(store.range({ key: b('foo'), range_end: prefixRangeEnd(b('foo')) }).response.kvs), ['foo', 'foo/a', 'foo/b']);
}));

test('limit truncates the kvs, count stays the total, more says keys were left out', () => withStore((store) => {
  for (const key of ['a', 'b', 'c', 'd', 'e']) put(store, key, key);
  const limited = store.range({ key: b('a'), range_end: ZERO, limit: 2 }).response;
  assert.deepEqual(keysOf(limited.kvs), ['a', 'b']);
  assert.equal(limited.count, 5);
  assert.equal(limited.more, true);
  const exact = store.range({ key: b('a'), range_end: ZERO, limit: 5 }).response;
  assert.equal(exact.kvs.length, 5);
  assert.equal(exact.more, false);
  const unlimited = store.range({ key: b('a'), range_end: ZERO, limit: 0 }).response;
  assert.equal(unlimited.kvs.length, 5);
  const lastTwo = store.range({ key: b('b'), range_end: ZERO, limit: 2, sort_order: SortOrder.DESCEND }).response;
  assert.deepEqual(keysOf(lastTwo.kvs), ['e', 'd']);
  assert.equal(lastTwo.count, 4);
  assert.equal(lastTwo.more, true);
  const firstTwoDown = store.range({ key: b('a'), range_end: b('c'), limit: 5, sort_order: SortOrder.DESCEND }).response;
  assert.deepEqual(keysOf(firstTwoDown.kvs), ['b', 'a']);
}));

test('count_only returns the count without kvs; keys_only returns kvs without values', () => withStore((store) => {
  for (const key of ['a', 'b', 'c']) put(store, key, `value-${key}`);
  assert.deepEqual(store.range({ key: b('a'), range_end: ZERO, count_only: true }).response, { kvs: [], more: false, count: 3 });
  const keysOnly = store.range({ key: b('a'), range_end: ZERO, keys_only: true }).response.kvs;
  assert.deepEqual(keysOf(keysOnly), ['a', 'b', 'c']);
  for (const kv of keysOnly) {
    assert.equal(kv.value.length, 0);
    assert.equal(kv.version, 1);
    assert.ok(kv.mod_revision > 0);
  }
}));

test('reads at past revisions see the history: versions, create revisions, deletions, re-creations', () => withStore((store) => {
  put(store, 'k', 'v1');
  put(store, 'k', 'v2');
  store.write({ delete_range: { key: b('k') } });
  put(store, 'k', 'v3');
  const at = (revision: number) => store.range({ key: b('k'), revision }).response.kvs;
  assert.deepEqual(at(1), [], 'revision 1 is the empty store, before the first write');
  assert.deepEqual(at(2).map((kv) => [s(kv.value), kv.version, kv.create_revision, kv.mod_revision]), [['v1', 1, 2, 2]]);
  assert.deepEqual(at(3).map((kv) => [s(kv.value), kv.version, kv.create_revision, kv.mod_revision]), [['v2', 2, 2, 3]]);
  assert.deepEqual(at(4), []);
  assert.deepEqual(at(5).map((kv) => [s(kv.value), kv.version, kv.create_revision, kv.mod_revision]), [['v3', 1, 5, 5]]);
  assert.deepEqual(store.range({ key: b('k'), revision: 0 }).response.kvs.map((kv) => s(kv.value)), ['v3']);
  assert.equal(store.range({ key: b('k'), revision: 3 }).revision, 5, 'the header revision is the current one');
}));

test('a future revision fails with etcd\'s error; a compacted one with its own', () => withStore((store) => {
  put(store, 'a', '1');
  put(store, 'a', '2');
  assert.throws(() => store.range({ key: b('a'), revision: 4 }), ErrFutureRev);
  store.write({ compaction: { revision: 3 } });
  assert.throws(() => store.range({ key: b('a'), revision: 2 }), ErrCompacted);
  assert.equal(s(store.range({ key: b('a'), revision: 3 }).response.kvs[0]?.value), '2');
}));

test('an empty key and unknown sort options are rejected', () => withStore((store) => {
  assert.throws(() => store.range({ key: new Uint8Array(0) }), ErrEmptyKey);
  assert.throws(() => store.range({ key: b('a'), sort_order: 7 as SortOrder }), ErrInvalidSortOption);
  assert.throws(() => store.range({ key: b('a'), sort_target: 9 as SortTarget }), ErrInvalidSortOption);
}));

/**
 * Four keys whose orders differ by every target:
 *   key:     k1 k2 k3 k4 | version: k1=3 k2=1 k3=1 k4=2 | create: k3=2 k1=3 k4=4 k2=5
 *   mod:     k3=2 k2=5 k1=7 k4=8 | value: k2=a k4=b k3=c k1=d
 */
function sortFixture(store: Parameters<Parameters<typeof withStore>[0]>[0]): void {
  put(store, 'k3', 'c');
  put(store, 'k1', 'x');
  put(store, 'k4', 'y');
  put(store, 'k2', 'a');
  put(store, 'k1', 'z');
  put(store, 'k1', 'd');
  put(store, 'k4', 'b');
}

const ASCENDING: Record<SortTarget, string[]> = {
  [SortTarget.KEY]: ['k1', 'k2', 'k3', 'k4'],
  [SortTarget.VERSION]: ['k2', 'k3', 'k4', 'k1'],
  [SortTarget.CREATE]: ['k3', 'k1', 'k4', 'k2'],
  [SortTarget.MOD]: ['k3', 'k2', 'k1', 'k4'],
  [SortTarget.VALUE]: ['k2', 'k4', 'k3', 'k1'],
};
const DESCENDING: Record<SortTarget, string[]> = {
  [SortTarget.KEY]: ['k4', 'k3', 'k2', 'k1'],
  // Ties (k2, k3 at version 1) keep key order.
  [SortTarget.VERSION]: ['k1', 'k4', 'k2', 'k3'],
  [SortTarget.CREATE]: ['k2', 'k4', 'k1', 'k3'],
  [SortTarget.MOD]: ['k4', 'k1', 'k2', 'k3'],
  [SortTarget.VALUE]: ['k1', 'k3', 'k4', 'k2'],
};

for (const target of [SortTarget.KEY, SortTarget.VERSION, SortTarget.CREATE, SortTarget.MOD, SortTarget.VALUE]) {
  test(`sort by ${SortTarget[target]} in both orders, with and without a limit`, () => withStore((store) => {
    sortFixture(store);
    const sorted = (sort_order: SortOrder, limit = 0) =>
      store.range({ key: b('k'), range_end: b('l'), sort_target: target, sort_order, limit }).response;
    assert.deepEqual(keysOf(sorted(SortOrder.ASCEND).kvs), ASCENDING[target]);
    assert.deepEqual(keysOf(sorted(SortOrder.DESCEND).kvs), DESCENDING[target]);
    const top = sorted(SortOrder.DESCEND, 2);
    assert.deepEqual(keysOf(top.kvs), DESCENDING[target].slice(0, 2));
    assert.equal(top.more, true);
    assert.equal(top.count, 4);
    // etcd sorts ascending when a non-key target comes without an order.
    const none = keysOf(sorted(SortOrder.NONE).kvs);
    assert.deepEqual(none, ASCENDING[target]);
  }));
}

test('keys_only with a sort by value still sorts by the values it leaves out', () => withStore((store) => {
  sortFixture(store);
  const kvs = store.range({ key: b('k'), range_end: b('l'), sort_target: SortTarget.VALUE, sort_order: SortOrder.ASCEND, keys_only: true }).response.kvs;
  assert.deepEqual(keysOf(kvs), ASCENDING[SortTarget.VALUE]);
  assert.ok(kvs.every((kv) => kv.value.length === 0));
}));

test('min/max mod and create revision filters apply before limit; count ignores them', () => withStore((store) => {
  sortFixture(store);
  const range = (filters: object, limit = 0) =>
    store.range({ key: b('k'), range_end: b('l'), limit, ...filters }).response;
  assert.deepEqual(keysOf(range({ min_mod_revision: 5 }).kvs), ['k1', 'k2', 'k4']);
  assert.deepEqual(keysOf(range({ max_mod_revision: 5 }).kvs), ['k2', 'k3']);
  assert.deepEqual(keysOf(range({ min_create_revision: 3, max_create_revision: 4 }).kvs), ['k1', 'k4']);
  const limited = range({ min_mod_revision: 5 }, 2);
  assert.deepEqual(keysOf(limited.kvs), ['k1', 'k2']);
  assert.equal(limited.more, true);
  assert.equal(limited.count, 4);
  const exact = range({ min_mod_revision: 6 }, 2);
  assert.deepEqual(keysOf(exact.kvs), ['k1', 'k4']);
  assert.equal(exact.more, false);
}));

test('keys of any length work through put, lease, txn, range, history, compaction and delete, as etcd\'s', () => withStore((store) => {
  // LMDB bounds its keys to 1,978 bytes; etcd bounds only the request. 1,971 bytes with a lease
  // once overflowed the lease table's key and made apply throw on every member.
  const long = (fill: string, length: number) => b(fill.repeat(length));
  store.write({ lease_grant: { ID: 9, TTL: 60 } });
  for (const length of [1970, 1971, 1978, 1979, 4096, 1024 * 1024]) put(store, 'k'.repeat(length), `v${length}`, 9);
  put(store, 'a', 'a');
  put(store, 'z', 'z');
  assert.equal(s(store.range({ key: long('k', 1971) }).response.kvs[0]!.value), 'v1971');
  assert.equal(store.range({ key: long('k', 1979) }).response.kvs[0]!.lease, 9);
  const all = store.range({ key: b('k'), range_end: b('l') }).response;
  assert.deepEqual(all.kvs.map((kv) => kv.key.length), [1970, 1971, 1978, 1979, 4096, 1024 * 1024], 'byte order: a prefix sorts first');
  const reversed = store.range({ key: b('a'), range_end: long('k', 4096), sort_order: SortOrder.DESCEND, limit: 2 }).response;
  assert.deepEqual(reversed.kvs.map((kv) => kv.key.length), [1979, 1978]);
  assert.deepEqual(store.leaseKeys(9).map((key) => key.length), [1970, 1971, 1978, 1979, 4096, 1024 * 1024]);
  const txn = store.write({ txn: {
    compare: [{ key: long('k', 4096), target: CompareTarget.VALUE, result: CompareResult.EQUAL, value: b('v4096') }],
    success: [{ request_put: { key: long('k', 4096), value: b('again'), lease: 9, prev_kv: true } }],
  } });
  assert.equal((txn.response as TxnResponse).succeeded, true);
  const history = store.history(txn.revision, txn.revision, 10, true);
  assert.ok('events' in history);
  assert.equal(s(history.events[0]!.prev_kv!.value), 'v4096', 'prev_kv of a long key comes from the index');
  store.write({ compaction: { revision: txn.revision, physical: true } });
  assert.equal(s(store.range({ key: long('k', 4096) }).response.kvs[0]!.value), 'again');
  const revoked = store.write({ lease_revoke: { ID: 9 } });
  assert.equal(store.range({ key: b('k'), range_end: b('l') }).response.count, 0, 'the revoke deleted every long key');
  assert.deepEqual(keysOf(store.range({ key: b('a'), range_end: ZERO }).response.kvs), ['a', 'z']);
  assert.equal(revoked.revision, txn.revision + 1);
  assert.equal(store.write({ delete_range: { key: long('z', 5000) } }).revision, revoked.revision, 'deleting nothing takes no revision');
}));

test('a sorted range with a limit over many keys returns the same top keys as a full sort', () => withStore((store) => {
  const values = Array.from({ length: 60 }, (_, i) => `${(i * 37) % 11}`);
  values.forEach((value, i) => put(store, `k${String(i).padStart(2, '0')}`, value));
  const request = { key: b('k'), range_end: b('l'), sort_target: SortTarget.VALUE, sort_order: SortOrder.DESCEND };
  const full = keysOf(store.range(request).response.kvs);
  assert.equal(full.length, 60);
  for (const limit of [1, 3, 7, 59]) {
    const top = store.range({ ...request, limit }).response;
    assert.deepEqual(keysOf(top.kvs), full.slice(0, limit), `limit ${limit}`);
    assert.equal(top.more, true);
  }
}));
