import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrDuplicateKey, ErrEmptyKey, ErrFutureRev, ErrKeyNotFound, ErrTooManyOps } from '../../engine/errors.js';
import { CompareResult, CompareTarget, EventType, type Compare, type RequestOp, type TxnRequest, type TxnResponse } from '../../engine/mvcc/rpc.js';
import type { MvccStore } from '../../engine/mvcc/store.js';
import { b, keysOf, put, s, withStore } from './helpers.js';
import { encodeInternalRequest as encode } from '../../engine/mvcc/request.js';

const ZERO = new Uint8Array([0]);
const putOp = (key: string, value: string): RequestOp => ({ request_put: { key: b(key), value: b(value) } });
const rangeOp = (key: string, revision = 0): RequestOp => ({ request_range: { key: b(key), revision } });
const txn = (store: MvccStore, request: TxnRequest) => store.write<TxnResponse>({ txn: request });
const passes = (store: MvccStore, compare: Compare) =>
  txn(store, { compare: [compare] }).response.succeeded;

test('compare on version picks the success or the failure branch', () => withStore((store) => {
  put(store, 'a', '1');
  const branch = (version: number) => txn(store, {
    compare: [{ key: b('a'), target: CompareTarget.VERSION, result: CompareResult.EQUAL, version }],
    success: [putOp('ok', `yes-${version}`)],
    failure: [putOp('ok', `no-${version}`)],
  });
  assert.equal(branch(1).response.succeeded, true);
  assert.equal(s(store.range({ key: b('ok') }).response.kvs[0]?.value), 'yes-1');
  assert.equal(branch(2).response.succeeded, false);
  assert.equal(s(store.range({ key: b('ok') }).response.kvs[0]?.value), 'no-2');
}));

test('every compare target and result works as etcd\'s compareKV', () => withStore((store) => {
  store.write({ lease_grant: { ID: 5, TTL: 60 } });
  put(store, 'x', 'middle', 5);
  put(store, 'x', 'middle', 5);
  const key = b('x');
  // x: version 2, create 2, mod 3, value "middle", lease 5.
  assert.equal(passes(store, { key, target: CompareTarget.VERSION, result: CompareResult.GREATER, version: 1 }), true);
  assert.equal(passes(store, { key, target: CompareTarget.VERSION, result: CompareResult.LESS, version: 2 }), false);
  assert.equal(passes(store, { key, target: CompareTarget.CREATE, result: CompareResult.EQUAL, create_revision: 2 }), true);
  assert.equal(passes(store, { key, target: CompareTarget.CREATE, result: CompareResult.NOT_EQUAL, create_revision: 2 }), false);
  assert.equal(passes(store, { key, target: CompareTarget.MOD, result: CompareResult.LESS, mod_revision: 4 }), true);
  assert.equal(passes(store, { key, target: CompareTarget.MOD, result: CompareResult.GREATER, mod_revision: 3 }), false);
  assert.equal(passes(store, { key, target: CompareTarget.VALUE, result: CompareResult.GREATER, value: b('a') }), true);
  assert.equal(passes(store, { key, target: CompareTarget.VALUE, result: CompareResult.LESS, value: b('a') }), false);
  assert.equal(passes(store, { key, target: CompareTarget.VALUE, result: CompareResult.EQUAL, value: b('middle') }), true);
  assert.equal(passes(store, { key, target: CompareTarget.LEASE, result: CompareResult.EQUAL, lease: 5 }), true);
  assert.equal(passes(store, { key, target: CompareTarget.LEASE, result: CompareResult.NOT_EQUAL, lease: 5 }), false);
}));

test('a lease compare is signed, as etcd\'s int64 ids are: lease -5 is less than no lease and than lease 1', () => withStore((store) => {
  store.write({ lease_grant: { ID: -5, TTL: 60 } });
  const key = b('n');
  put(store, 'n', 'v', -5);
  assert.equal(passes(store, { key, target: CompareTarget.LEASE, result: CompareResult.EQUAL, lease: -5 }), true);
  assert.equal(passes(store, { key, target: CompareTarget.LEASE, result: CompareResult.LESS, lease: 0 }), true);
  assert.equal(passes(store, { key, target: CompareTarget.LEASE, result: CompareResult.LESS, lease: 1 }), true);
  assert.equal(passes(store, { key, target: CompareTarget.LEASE, result: CompareResult.GREATER, lease: -6 }), true);
  assert.equal(passes(store, { key, target: CompareTarget.LEASE, result: CompareResult.GREATER, lease: -1 }), false);
}));

test('a compare on a missing key sees version/create/mod/lease 0, and any value compare fails', () => withStore((store) => {
  const key = b('missing');
  assert.equal(passes(store, { key, target: CompareTarget.VERSION, result: CompareResult.EQUAL, version: 0 }), true);
  assert.equal(passes(store, { key, target: CompareTarget.CREATE, result: CompareResult.EQUAL, create_revision: 0 }), true);
  assert.equal(passes(store, { key, target: CompareTarget.MOD, result: CompareResult.LESS, mod_revision: 1 }), true);
  assert.equal(passes(store, { key, target: CompareTarget.LEASE, result: CompareResult.EQUAL, lease: 0 }), true);
  assert.equal(passes(store, { key, target: CompareTarget.VALUE, result: CompareResult.EQUAL, value: new Uint8Array(0) }), false);
  assert.equal(passes(store, { key, target: CompareTarget.VALUE, result: CompareResult.NOT_EQUAL, value: b('v') }), false);
}));

test('a compare with range_end must hold for every key in the range', () => withStore((store) => {
  put(store, 'p/a', '1');
  put(store, 'p/b', '1');
  put(store, 'p/b', '2');
  const compare = (version: number, result: CompareResult, range_end: Uint8Array): Compare =>
    ({ key: b('p/'), range_end, target: CompareTarget.VERSION, result, version });
  assert.equal(passes(store, compare(0, CompareResult.GREATER, b('p0'))), true);
  assert.equal(passes(store, compare(1, CompareResult.EQUAL, b('p0'))), false);
  assert.equal(passes(store, compare(3, CompareResult.LESS, ZERO)), true);
  assert.equal(passes(store, compare(0, CompareResult.EQUAL, b('q/'))), false, 'the range holds keys');
  assert.equal(passes(store, { key: b('z/'), range_end: b('z0'), target: CompareTarget.VERSION, result: CompareResult.EQUAL, version: 0 }), true,
    'an empty range compares as one missing key');
}));

test('all writes of a txn share one revision', () => withStore((store) => {
  put(store, 'old', '1');
  const result = txn(store, { success: [putOp('a', '1'), putOp('b', '1'), { request_delete_range: { key: b('old') } }] });
  assert.equal(result.revision, 3);
  const kvs = store.range({ key: ZERO, range_end: ZERO }).response.kvs;
  assert.deepEqual(kvs.map((kv) => [s(kv.key), kv.mod_revision]), [['a', 3], ['b', 3]]);
  assert.equal(store.status().current_revision, 3);
}));

test('a txn records its events in sub-revision order', () => withStore((store) => {
  put(store, 'old', '1');
  const outcome = store.applyEntries([{ index: 1, term: 1, type: 0, data: encode({ txn: {
    success: [putOp('a', '1'), { request_delete_range: { key: b('old') } }, putOp('b', '2')],
  } }) }]).outcomes[0]!;
  assert.deepEqual(outcome.events.map((event) => [event.type, s(event.kv.key), event.kv.mod_revision]),
    [[EventType.PUT, 'a', 3], [EventType.DELETE, 'old', 3], [EventType.PUT, 'b', 3]]);
  assert.equal(s(outcome.events[1]!.prev_kv?.value), '1');
}, { eventsMode: 2 }));

test('a read-only txn does not bump the revision and reports the current one', () => withStore((store) => {
  put(store, 'a', '1');
  const result = txn(store, { success: [rangeOp('a')] });
  assert.equal(result.revision, 2);
  assert.equal(s(result.response.responses[0]!.response_range!.kvs[0]!.value), '1');
}));

test('a range inside a txn sees the txn\'s earlier writes', () => withStore((store) => {
  const result = txn(store, { success: [putOp('a', 'fresh'), rangeOp('a')] });
  const range = result.response.responses[1]!.response_range!;
  assert.equal(s(range.kvs[0]!.value), 'fresh');
  assert.equal(range.kvs[0]!.mod_revision, 2);
}));

test('nested txns share the outer revision, and all compares see the state before any write', () => withStore((store) => {
  put(store, 'n', '0');
  const result = txn(store, {
    success: [
      putOp('x', '1'),
      { request_txn: {
        // Evaluated before the outer put of x: x does not exist yet.
        compare: [{ key: b('x'), target: CompareTarget.VERSION, result: CompareResult.EQUAL, version: 0 }],
        success: [putOp('inner', 'then'), { request_txn: { success: [putOp('deep', 'yes')] } }],
        failure: [putOp('inner', 'else')],
      } },
    ],
  });
  assert.equal(result.revision, 3);
  const nested = result.response.responses[1]!.response_txn!;
  assert.equal(nested.succeeded, true);
  assert.equal(nested.responses[1]!.response_txn!.succeeded, true);
  const kvs = store.range({ key: ZERO, range_end: ZERO }).response.kvs;
  assert.deepEqual(kvs.map((kv) => [s(kv.key), s(kv.value), kv.mod_revision]),
    [['deep', 'yes', 3], ['inner', 'then', 3], ['n', '0', 2], ['x', '1', 3]]);
}));

test('the same key may not be written twice in a txn', () => withStore((store) => {
  put(store, 'a', '1');
  assert.throws(() => txn(store, { success: [putOp('a', '1'), putOp('a', '2')] }), ErrDuplicateKey);
  assert.throws(() => txn(store, { success: [putOp('a', '1'), { request_delete_range: { key: b('a'), range_end: b('b') } }] }), ErrDuplicateKey);
  assert.throws(() => txn(store, { failure: [putOp('a', '1'), { request_txn: { success: [putOp('a', '2')] } }] }), ErrDuplicateKey);
  assert.throws(() => txn(store, { success: [{ request_delete_range: { key: b('a') } }, { request_txn: { failure: [putOp('a', '2')] } }] }), ErrDuplicateKey);
  assert.equal(ErrDuplicateKey.message, 'etcdserver: duplicate key given in txn request');
  // The branches of a nested txn exclude each other; overlapping deletes are fine.
  txn(store, { success: [{ request_txn: { success: [putOp('a', 'then')], failure: [putOp('a', 'else')] } }] });
  txn(store, { success: [{ request_delete_range: { key: b('a') } }, { request_delete_range: { key: b('a'), range_end: b('c') } }] });
  // Success and failure are checked separately.
  txn(store, { success: [putOp('a', '1')], failure: [putOp('a', '2')] });
  assert.equal(store.status().current_revision, 5);
  // etcd's checkIntervals reads a delete's range_end literally: [a, "\0") holds no key, so it
  // conflicts with no put (found by the request fuzzer against etcd 3.4); the delete still runs to the end.
  const deleted = txn(store, { success: [putOp('a', 'kept'), { request_delete_range: { key: b('a'), range_end: new Uint8Array([0]) } }] });
  assert.equal(deleted.revision, 6);
}));

test('a txn allows 128 operations per branch by default and refuses 129', () => withStore((store) => {
  const ops = (count: number) => Array.from({ length: count }, (_, i) => putOp(`k${i}`, 'v'));
  txn(store, { success: ops(128) });
  assert.throws(() => txn(store, { success: ops(129) }), ErrTooManyOps);
  assert.throws(() => txn(store, { compare: Array.from({ length: 129 }, () => ({ key: b('a') })) }), ErrTooManyOps);
  assert.equal(ErrTooManyOps.message, 'etcdserver: too many operations in txn request');
  assert.equal(store.range({ key: ZERO, range_end: ZERO, count_only: true }).response.count, 128);
}));

test('the txn op limit is configurable', () => withStore((store) => {
  assert.throws(() => txn(store, { success: [putOp('a', '1'), putOp('b', '1'), putOp('c', '1')] }), ErrTooManyOps);
  txn(store, { success: [putOp('a', '1'), putOp('b', '1')] });
}, { maxTxnOps: 2 }));

test('a txn whose chosen ops cannot all run writes nothing', () => withStore((store) => {
  put(store, 'a', '1');
  assert.throws(() => txn(store, { success: [putOp('b', '1'), { request_put: { key: b('missing'), ignore_value: true } }] }), ErrKeyNotFound);
  assert.throws(() => txn(store, { success: [putOp('b', '1'), rangeOp('a', 6)] }), ErrFutureRev);
  assert.throws(() => txn(store, { compare: [{ key: new Uint8Array(0) }] }), ErrEmptyKey);
  assert.equal(store.status().current_revision, 2);
  assert.deepEqual(keysOf(store.range({ key: ZERO, range_end: ZERO }).response.kvs), ['a']);
  // The branch not taken is not checked against the store.
  const taken = txn(store, {
    compare: [{ key: b('a'), target: CompareTarget.VERSION, result: CompareResult.EQUAL, version: 1 }],
    success: [putOp('b', '1')],
    failure: [{ request_put: { key: b('missing'), ignore_value: true } }],
  });
  assert.equal(taken.response.succeeded, true);
}));

test('each op of a txn reports the revision it saw, as etcd: the store\'s until the first change, then the txn\'s; a nested txn\'s header is empty', () => withStore((store) => {
  put(store, 'a', '1');
  put(store, 'b', '2'); // the store is at revision 3
  const { response } = store.write<TxnResponse>({
    txn: {
      success: [
        { request_range: { key: b('a') } },
        { request_delete_range: { key: b('missing') } },
        { request_delete_range: { key: b('b') } },
        { request_range: { key: b('a') } },
        { request_txn: { success: [{ request_put: { key: b('c'), value: b('3') } }] } },
      ],
    },
  });
  assert.deepEqual(response.responses.map((op) =>
    (op.response_range ?? op.response_delete_range ?? op.response_put ?? op.response_txn)!.header), [
    { revision: 3 }, { revision: 3 }, { revision: 4 }, { revision: 4 }, { revision: 0 },
  ]);
  assert.deepEqual(response.responses[4]!.response_txn!.responses[0]!.response_put!.header, { revision: 4 });
}));
