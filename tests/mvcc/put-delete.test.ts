import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrEmptyKey, ErrKeyNotFound, ErrLeaseNotFound, ErrLeaseProvided, ErrValueProvided } from '../../engine/errors.js';
import { encodeInternalRequest } from '../../engine/mvcc/request.js';
import type { DeleteRangeResponse, PutResponse } from '../../engine/mvcc/rpc.js';
import { DELETE_CHUNK_KEYS } from '../../engine/mvcc/write-txn.js';
import { EntryType } from '../../engine/raft/types.js';
import { b, keysOf, put, s, withStore } from './helpers.js';

const ZERO = new Uint8Array([0]);

test('each put takes the next revision; version counts puts, create_revision stays', () => withStore((store) => {
  assert.equal(put(store, 'a', '1'), 2);
  assert.equal(put(store, 'b', '1'), 3);
  assert.equal(put(store, 'a', '2'), 4);
  const [kv] = store.range({ key: b('a') }).response.kvs;
  assert.deepEqual({ ...kv, key: s(kv!.key), value: s(kv!.value) },
    { key: 'a', value: '2', create_revision: 2, mod_revision: 4, version: 2, lease: 0 });
}));

test('on an empty store deleting nothing stays at revision 1 and the first put takes revision 2', () => withStore((store) => {
  const missing = store.write<DeleteRangeResponse>({ delete_range: { key: b('x'), range_end: ZERO } });
  assert.equal(missing.response.deleted, 0);
  assert.equal(missing.revision, 1);
  assert.equal(store.status().current_revision, 1);
  assert.equal(put(store, 'x', '1'), 2);
  const [kv] = store.range({ key: b('x') }).response.kvs;
  assert.deepEqual([kv!.create_revision, kv!.mod_revision, kv!.version], [2, 2, 1]);
}));

test('a put after a delete starts a new generation: version 1, a new create_revision', () => withStore((store) => {
  put(store, 'a', '1');
  put(store, 'a', '2');
  store.write({ delete_range: { key: b('a') } });
  put(store, 'a', '3');
  const [kv] = store.range({ key: b('a') }).response.kvs;
  assert.equal(kv!.version, 1);
  assert.equal(kv!.create_revision, 5);
}));

test('prev_kv returns the replaced kv, nothing for a new key', () => withStore((store) => {
  const first = store.write<PutResponse>({ put: { key: b('a'), value: b('1'), prev_kv: true } });
  assert.equal(first.response.prev_kv, undefined);
  const second = store.write<PutResponse>({ put: { key: b('a'), value: b('2'), prev_kv: true } });
  assert.equal(s(second.response.prev_kv?.value), '1');
  assert.equal(second.response.prev_kv?.mod_revision, 2);
  const silent = store.write<PutResponse>({ put: { key: b('a'), value: b('3') } });
  assert.equal(silent.response.prev_kv, undefined);
}));

test('ignore_value keeps the value and ignore_lease keeps the lease', () => withStore((store) => {
  store.write({ lease_grant: { ID: 7, TTL: 60 } });
  store.write({ lease_grant: { ID: 9, TTL: 60 } });
  put(store, 'a', 'original', 7);
  store.write({ put: { key: b('a'), ignore_value: true, lease: 9 } });
  let [kv] = store.range({ key: b('a') }).response.kvs;
  assert.equal(s(kv!.value), 'original');
  assert.equal(kv!.lease, 9);
  store.write({ put: { key: b('a'), value: b('new'), ignore_lease: true } });
  [kv] = store.range({ key: b('a') }).response.kvs;
  assert.equal(s(kv!.value), 'new');
  assert.equal(kv!.lease, 9);
  assert.equal(kv!.version, 3);
}));

test('ignore_value / ignore_lease on a missing key fail with "key not found" and consume no revision', () => withStore((store) => {
  put(store, 'other', '1');
  assert.throws(() => store.write({ put: { key: b('a'), ignore_value: true } }), ErrKeyNotFound);
  assert.throws(() => store.write({ put: { key: b('a'), value: b('v'), ignore_lease: true } }), ErrKeyNotFound);
  // A put alone checks its lease first (etcd's applierV3backend.Put); in a txn the key comes first
  // (checkRequestPut). Found by the request fuzzer against etcd 3.4.
  assert.throws(() => store.write({ put: { key: b('a'), ignore_value: true, lease: 77 } }), ErrLeaseNotFound);
  assert.throws(() => store.write({ txn: { success: [{ request_put: { key: b('a'), ignore_value: true, lease: 77 } }] } }), ErrKeyNotFound);
  assert.equal(store.status().current_revision, 2);
  assert.equal(store.range({ key: b('a') }).response.count, 0);
}));

test('bad puts are refused with etcd\'s messages', () => withStore((store) => {
  put(store, 'a', '1');
  assert.throws(() => store.write({ put: { key: new Uint8Array(0), value: b('v') } }), ErrEmptyKey);
  assert.throws(() => store.write({ put: { key: b('a'), value: b('v'), ignore_value: true } }), ErrValueProvided);
  assert.throws(() => store.write({ put: { key: b('a'), lease: 5, ignore_lease: true } }), ErrLeaseProvided);
  assert.equal(ErrValueProvided.message, 'etcdserver: value is provided');
  assert.equal(store.status().current_revision, 2);
}));

test('delete_range counts what it deleted, returns prev_kvs on request, and shares one revision', () => withStore((store) => {
  for (const key of ['a', 'b', 'c', 'd']) put(store, key, `v-${key}`);
  const deleted = store.write<DeleteRangeResponse>({ delete_range: { key: b('b'), range_end: b('d'), prev_kv: true } });
  assert.equal(deleted.response.deleted, 2);
  assert.deepEqual(keysOf(deleted.response.prev_kvs), ['b', 'c']);
  assert.deepEqual(deleted.response.prev_kvs.map((kv) => s(kv.value)), ['v-b', 'v-c']);
  assert.equal(deleted.revision, 6);
  assert.deepEqual(keysOf(store.range({ key: b('a'), range_end: ZERO }).response.kvs), ['a', 'd']);
  const quiet = store.write<DeleteRangeResponse>({ delete_range: { key: b('a') } });
  assert.deepEqual(quiet.response.prev_kvs, []);
  assert.equal(quiet.response.deleted, 1);
}));

test('deleting nothing does not bump the revision', () => withStore((store) => {
  put(store, 'a', '1');
  const missing = store.write<DeleteRangeResponse>({ delete_range: { key: b('zzz') } });
  assert.equal(missing.response.deleted, 0);
  assert.equal(missing.revision, 2);
  store.write({ delete_range: { key: b('a') } });
  const again = store.write<DeleteRangeResponse>({ delete_range: { key: b('a') } });
  assert.equal(again.response.deleted, 0);
  assert.equal(again.revision, 3);
  assert.equal(store.status().current_revision, 3);
}));

test('delete with an empty range_end deletes only the key; with "\\0" every key from it on', () => withStore((store) => {
  for (const key of ['a', 'ab', 'b', 'c']) put(store, key, key);
  store.write({ delete_range: { key: b('a') } });
  assert.deepEqual(keysOf(store.range({ key: ZERO, range_end: ZERO }).response.kvs), ['ab', 'b', 'c']);
  store.write({ delete_range: { key: b('b'), range_end: ZERO } });
  assert.deepEqual(keysOf(store.range({ key: ZERO, range_end: ZERO }).response.kvs), ['ab']);
  assert.throws(() => store.write({ delete_range: { key: new Uint8Array(0) } }), ErrEmptyKey);
}));

test('a delete_range over more keys than one chunk deletes them all at one revision', () => withStore((store) => {
  const total = DELETE_CHUNK_KEYS * 2 + 17;
  store.applyEntries(Array.from({ length: total }, (_, i) => ({
    index: i + 1, term: 1, type: EntryType.Normal,
    data: encodeInternalRequest({ put: { key: b(`key/${String(i).padStart(5, '0')}`), value: b(`${i}`) } }),
  })));
  put(store, 'other', 'stays');
  const deleted = store.write<DeleteRangeResponse>({ delete_range: { key: b('key/'), range_end: b('key0'), prev_kv: true } });
  assert.equal(deleted.response.deleted, total);
  assert.equal(deleted.revision, total + 3);
  assert.deepEqual(deleted.response.prev_kvs.map((kv) => s(kv.value)), Array.from({ length: total }, (_, i) => `${i}`));
  assert.deepEqual(keysOf(store.range({ key: ZERO, range_end: ZERO }).response.kvs), ['other']);
  assert.equal(store.range({ key: b('key/00000'), revision: total + 2 }).response.count, 1, 'history before the delete stays');
}));
