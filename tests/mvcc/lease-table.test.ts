/**
 * The replicated lease state in the MVCC store: grants, attaching and detaching keys, revoke
 * deleting attached keys in one revision, checkpoints, unknown leases refused with etcd's error
 * and nothing written, negative ids (etcd's ids are int64s), and the lease tables carried by store
 * snapshots.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ErrLeaseExist, ErrLeaseNotFound } from '../../engine/errors.js';
import { EventsMode } from '../../engine/mvcc/write-txn.js';
import { MvccStore } from '../../engine/mvcc/store.js';
import { writeStoreSnapshot } from '../../engine/snapshot/store-snapshot.js';
import { EventType } from '../../engine/mvcc/rpc.js';
import { encodeInternalRequest } from '../../engine/mvcc/request.js';
import { EntryType } from '../../engine/raft/types.js';
import { b, keysOf, put, s, tempDir, withStore } from './helpers.js';

const keysOfLease = (store: MvccStore, id: number): string[] => store.leaseKeys(id).map((key) => s(key));

test('a grant records the TTL; a second grant of the id fails with "lease already exists" and changes nothing', () => withStore((store) => {
  const granted = store.write({ lease_grant: { ID: 7, TTL: 60 } });
  assert.deepEqual(granted.response, { ID: 7, TTL: 60, error: '' });
  assert.throws(() => store.write({ lease_grant: { ID: 7, TTL: 5 } }), ErrLeaseExist);
  assert.deepEqual(store.leases().leases, [{ id: 7, ttl: 60, remainingTtl: 0 }]);
  assert.equal(store.status().current_revision, 1, 'grants consume no revision');
}));

test('puts attach keys to their lease; a re-put with another lease or none, and a delete, detach them', () => withStore((store) => {
  store.write({ lease_grant: { ID: 1, TTL: 60 } });
  store.write({ lease_grant: { ID: 2, TTL: 60 } });
  put(store, 'a', 'x', 1);
  put(store, 'b', 'x', 1);
  put(store, 'c', 'x', 1);
  assert.deepEqual(keysOfLease(store, 1), ['a', 'b', 'c']);
  put(store, 'a', 'y', 2);
  put(store, 'b', 'y');
  store.write({ delete_range: { key: b('c') } });
  assert.deepEqual(keysOfLease(store, 1), []);
  assert.deepEqual(keysOfLease(store, 2), ['a']);
  store.write({ put: { key: b('a'), value: b('z'), ignore_lease: true } });
  assert.deepEqual(keysOfLease(store, 2), ['a'], 'ignore_lease keeps the attachment');
}));

test('a put or txn naming a lease that does not exist fails with "requested lease not found" and writes nothing', () => withStore((store) => {
  put(store, 'k', 'v');
  assert.throws(() => store.write({ put: { key: b('k'), value: b('w'), lease: 99 } }), ErrLeaseNotFound);
  assert.throws(() => store.write({ txn: { success: [{ request_put: { key: b('k2'), value: b('v') } }, { request_put: { key: b('k3'), value: b('v'), lease: 99 } }] } }),
    ErrLeaseNotFound);
  assert.equal(store.status().current_revision, 2);
  assert.deepEqual(keysOf(store.range({ key: b('k'), range_end: b('l') }).response.kvs), ['k']);
}));

test('revoke deletes every attached key in one revision, with a delete event each, then the lease', async () => {
  const dir = tempDir();
  const store = new MvccStore(dir.path, { eventsMode: EventsMode.KV_AND_PREV });
  try {
    store.write({ lease_grant: { ID: 3, TTL: 60 } });
    put(store, 'x', '1', 3);
    put(store, 'y', '2', 3);
    put(store, 'z', '3');
    const before = store.status().current_revision;
    const outcome = store.applyEntries([{ index: 1, term: 1, type: EntryType.Normal, data: encodeInternalRequest({ lease_revoke: { ID: 3 } }) }]).outcomes[0]!;
    assert.equal(outcome.revision, before + 1);
    assert.deepEqual(outcome.lease, { revoked: 3 });
    assert.deepEqual(outcome.events.map((e) => [e.type, s(e.kv.key), e.kv.mod_revision, s(e.prev_kv?.value)]),
      [[EventType.DELETE, 'x', before + 1, '1'], [EventType.DELETE, 'y', before + 1, '2']]);
    assert.deepEqual(keysOf(store.range({ key: b('a'), range_end: b('~') }).response.kvs), ['z']);
    assert.equal(store.lease(3), undefined);
    assert.throws(() => store.write({ lease_revoke: { ID: 3 } }), ErrLeaseNotFound);
    store.write({ lease_grant: { ID: 4, TTL: 60 } });
    const empty = store.write({ lease_revoke: { ID: 4 } });
    assert.equal(empty.revision, before + 1, 'revoking a lease without keys consumes no revision');
  } finally {
    await store.close();
    dir.remove();
  }
});

test('a negative lease id is granted, holds keys, is listed, and its revoke deletes them, as etcd\'s int64 ids do', () => withStore((store) => {
  assert.deepEqual(store.write({ lease_grant: { ID: -5, TTL: 30 } }).response, { ID: -5, TTL: 30, error: '' });
  assert.throws(() => store.write({ lease_grant: { ID: -5, TTL: 30 } }), ErrLeaseExist);
  put(store, 'a', 'b', -5);
  assert.equal(store.range({ key: b('a') }).response.kvs[0]!.lease, -5);
  assert.deepEqual(store.lease(-5), { id: -5, ttl: 30, remainingTtl: 0 });
  assert.deepEqual(keysOfLease(store, -5), ['a']);
  assert.deepEqual(store.leases().leases, [{ id: -5, ttl: 30, remainingTtl: 0 }]);
  store.write({ lease_checkpoint: { checkpoints: [{ ID: -5, remaining_TTL: 12 }] } });
  assert.deepEqual(store.lease(-5), { id: -5, ttl: 30, remainingTtl: 12 });
  const revoked = store.write({ lease_revoke: { ID: -5 } });
  assert.equal(store.range({ key: b('a') }).response.kvs.length, 0);
  assert.equal(revoked.revision, 3, 'the key is deleted in the revoke\'s revision');
  assert.equal(store.lease(-5), undefined);
  assert.deepEqual(store.leases().leases, []);
}));

test('leases -1 and 1 and their neighbours keep their own keys across the 0 boundary; lease 0 is no lease', () => withStore((store) => {
  const ids = [Number.MIN_SAFE_INTEGER + 1, -2, -1, 1, 2, Number.MAX_SAFE_INTEGER];
  for (const ID of ids) store.write({ lease_grant: { ID, TTL: 60 } });
  for (const ID of ids) {
    put(store, `k${ID}/a`, 'v', ID);
    put(store, `k${ID}/b`, 'v', ID);
  }
  put(store, 'none', 'v', 0);
  for (const ID of ids) assert.deepEqual(keysOfLease(store, ID), [`k${ID}/a`, `k${ID}/b`], `lease ${ID}`);
  assert.equal(store.lease(0), undefined);
  assert.throws(() => store.write({ lease_revoke: { ID: 0 } }), ErrLeaseNotFound);
  // Ids are i64 BE: a positive one keeps the bytes it had as a u64, negatives sort after it.
  const backend = (store as unknown as { backend: { lease: { getKeys(): Iterable<Buffer> } } }).backend;
  assert.deepEqual([...backend.lease.getKeys()].map((key) => key.toString('hex')), [
    '0000000000000001', '0000000000000002', '001fffffffffffff', 'ffe0000000000002', 'fffffffffffffffe', 'ffffffffffffffff',
  ]);
  assert.deepEqual(store.leases().leases.map((lease) => lease.id), [1, 2, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER + 1, -2, -1]);
  store.write({ lease_revoke: { ID: -1 } });
  assert.deepEqual(keysOf(store.range({ key: b('k-1/'), range_end: b('k-10') }).response.kvs), [], 'lease -1\'s keys are gone');
  for (const ID of [1, -2, 2]) assert.deepEqual(keysOfLease(store, ID), [`k${ID}/a`, `k${ID}/b`], `lease ${ID} after revoking -1`);
  store.write({ lease_revoke: { ID: 1 } });
  assert.deepEqual(keysOfLease(store, -2), ['k-2/a', 'k-2/b']);
  assert.deepEqual(keysOf(store.range({ key: b('k'), range_end: b('l') }).response.kvs).sort(),
    ['k-2/a', 'k-2/b', 'k-9007199254740990/a', 'k-9007199254740990/b', 'k2/a', 'k2/b', 'k9007199254740991/a', 'k9007199254740991/b']);
}));

test('checkpoints record remaining TTLs of leases that exist and skip the rest', () => withStore((store) => {
  store.write({ lease_grant: { ID: 5, TTL: 600 } });
  store.write({ lease_checkpoint: { checkpoints: [{ ID: 5, remaining_TTL: 120 }, { ID: 6, remaining_TTL: 9 }] } });
  assert.deepEqual(store.leases().leases, [{ id: 5, ttl: 600, remainingTtl: 120 }]);
}));

test('a store snapshot carries the leases and their keys to the member it restores', async () => {
  const source = tempDir();
  const target = tempDir();
  const from = new MvccStore(source.path);
  const to = new MvccStore(target.path);
  try {
    from.write({ lease_grant: { ID: 8, TTL: 30 } });
    from.write({ lease_grant: { ID: -8, TTL: 40 } });
    put(from, 'leased', 'v', 8);
    put(from, 'negative', 'v', -8);
    from.applyEntries([{ index: 1, term: 1, type: EntryType.Normal, data: new Uint8Array(0) }]);
    const file = join(source.path, 'store.snap');
    await writeStoreSnapshot(source.path, file);
    assert.equal(to.restoreSnapshot(file).restored, true);
    assert.deepEqual(to.leases().leases, [{ id: 8, ttl: 30, remainingTtl: 0 }, { id: -8, ttl: 40, remainingTtl: 0 }]);
    assert.deepEqual(keysOfLease(to, 8), ['leased']);
    assert.deepEqual(keysOfLease(to, -8), ['negative']);
  } finally {
    await Promise.all([from.close(), to.close()]);
    source.remove();
    target.remove();
  }
});
