/**
 * The MVCC op counts behind etcd_mvcc_{put,range,delete,txn}_total and the live keys behind
 * etcd_debugging_mvcc_keys_total, counted as etcd's metricsTxnWrite counts them; and the commit
 * duration every write transaction reports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompareResult, CompareTarget } from '../../engine/mvcc/rpc.js';
import { MvccStore } from '../../engine/mvcc/store.js';
import { b, put, tempDir, withStore } from './helpers.js';

const counts = (store: MvccStore) => ({ ...store.opCounts });

test('a put, a delete and a range count once each; a txn of several ops counts them and itself', () => withStore((store) => {
  put(store, 'a', '1');
  put(store, 'b', '1');
  store.range({ key: b('a') });
  store.write({ delete_range: { key: b('b') } });
  assert.deepEqual(counts(store), { ranges: 1, puts: 2, deletes: 1, txns: 0 });
  // One compare (a Range in etcd's counts) and two puts: a txn.
  store.write({ txn: {
    compare: [{ key: b('a'), target: CompareTarget.VERSION, result: CompareResult.EQUAL, version: 1 }],
    success: [{ request_put: { key: b('c'), value: b('1') } }, { request_range: { key: b('a') } }],
  } });
  assert.deepEqual(counts(store), { ranges: 3, puts: 3, deletes: 1, txns: 1 });
  // A txn of one op is not a txn in etcd's counts, only its op.
  store.write({ txn: { success: [{ request_delete_range: { key: b('z') } }] } });
  assert.deepEqual(counts(store), { ranges: 3, puts: 3, deletes: 2, txns: 1 });
  store.readOnlyTxn({ success: [{ request_range: { key: b('a') } }, { request_range: { key: b('c') } }] });
  assert.deepEqual(counts(store), { ranges: 5, puts: 3, deletes: 2, txns: 2 });
}));

test('live keys count keys whose newest revision is not a tombstone, and survive a reopen', async () => {
  const dir = tempDir();
  const store = new MvccStore(dir.path);
  try {
    put(store, 'a', '1');
    put(store, 'a', '2');
    put(store, 'b', '1');
    put(store, 'c', '1');
    store.write({ delete_range: { key: b('b'), range_end: b('d') } });
    assert.equal(store.liveKeys, 1);
    put(store, 'b', 'again');
    assert.equal(store.liveKeys, 2);
    await store.close();
    const reopened = new MvccStore(dir.path);
    assert.equal(reopened.liveKeys, 2);
    await reopened.close();
  } finally {
    dir.remove();
  }
});

test('every applied batch reports its commit duration', () => withStore((store) => {
  const commits: number[] = [];
  store.commitObserver = (seconds) => commits.push(seconds);
  store.applyEntries([]);
  store.applyEntries([]);
  assert.equal(commits.length, 2);
  assert.ok(commits.every((seconds) => seconds >= 0 && seconds < 60));
}));
