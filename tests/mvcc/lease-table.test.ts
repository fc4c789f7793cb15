/**
 * The replicated lease state in the MVCC store: grants, attaching and detaching keys, revoke
 * deleting attached keys in one revision, checkpoints, unknown leases refused with etcd's error
 * and nothing written, and the lease tables carried by store snapshots.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ErrLeaseExist, ErrLeaseNotFound } from '../../engine/errors.js';
import { EventsMode } from '../../engine/mvcc/write-txn.js';
import { MvccStore } from '../../engine/mvcc/store.js';
import { writeStoreSnapshot, restoreStoreSnapshot } from '../../engine/snapshot/store-snapshot.js';
import { EventType } from '../../engine/mvcc/rpc.js';
import { encodeInternalRequest } from '../../engine/mvcc/request.js';
import { EntryType } from '../../engine/raft/types.js';
import { b, keysOf, put, s, tempDir, withStore } from './helpers.js';

const keysOfLease = (store: MvccStore, id: number): string[] => (store.lease(id)?.keys ?? []).map((key) => s(key));

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
    put(from, 'leased', 'v', 8);
    from.applyEntries([{ index: 1, term: 1, type: EntryType.Normal, data: new Uint8Array(0) }]);
    const file = join(source.path, 'store.snap');
    await writeStoreSnapshot(source.path, file);
    assert.equal(restoreStoreSnapshot((to as unknown as { backend: Parameters<typeof restoreStoreSnapshot>[0] }).backend, file).restored, true);
    assert.deepEqual(to.leases().leases, [{ id: 8, ttl: 30, remainingTtl: 0 }]);
    assert.deepEqual(keysOfLease(to, 8), ['leased']);
  } finally {
    await Promise.all([from.close(), to.close()]);
    source.remove();
    target.remove();
  }
});
