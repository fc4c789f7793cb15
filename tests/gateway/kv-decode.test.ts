import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompareResult, CompareTarget, SortOrder, SortTarget } from '../../engine/mvcc/rpc.js';
import {
  decodeCompactionRequest, decodeDeleteRangeRequest, decodePutRequest, decodeRangeRequest, decodeTxnRequest,
} from '../../net/http/gateway/kv-decode.js';

const json = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value));
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const base64 = (text: string): string => Buffer.from(text).toString('base64');

test('a range request decodes with every option, in snake_case, int64 as numbers and enums by name', () => {
  const request = decodeRangeRequest(json({
    key: base64('a'), range_end: base64('z'), limit: 10, revision: 7, sort_order: 'DESCEND', sort_target: 'MOD',
    serializable: true, keys_only: true, count_only: true, min_mod_revision: 1, max_mod_revision: 2,
    min_create_revision: 3, max_create_revision: 4,
  }));
  assert.deepEqual(request, {
    key: bytes('a'), range_end: bytes('z'), limit: 10, revision: 7, sort_order: SortOrder.DESCEND, sort_target: SortTarget.MOD,
    serializable: true, keys_only: true, count_only: true, min_mod_revision: 1, max_mod_revision: 2,
    min_create_revision: 3, max_create_revision: 4,
  });
});

test('a range request decodes the same from lowerCamel names, int64 as strings and enums by number', () => {
  const request = decodeRangeRequest(json({
    key: base64('a'), rangeEnd: base64('z'), limit: '10', revision: '7', sortOrder: 2, sortTarget: 3,
    serializable: true, keysOnly: true, countOnly: true, minModRevision: '1', maxModRevision: '2',
    minCreateRevision: '3', maxCreateRevision: '4',
  }));
  assert.deepEqual(request, decodeRangeRequest(json({
    key: base64('a'), range_end: base64('z'), limit: 10, revision: 7, sort_order: 'DESCEND', sort_target: 'MOD',
    serializable: true, keys_only: true, count_only: true, min_mod_revision: 1, max_mod_revision: 2,
    min_create_revision: 3, max_create_revision: 4,
  })));
});

test('every sort name of the proto is accepted, and numbers outside the enum too (etcd answered 200 to sort_order 9)', () => {
  for (const name of ['NONE', 'ASCEND', 'DESCEND'] as const) {
    assert.equal(decodeRangeRequest(json({ key: 'YQ==', sort_order: name })).sort_order, SortOrder[name]);
  }
  for (const name of ['KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE'] as const) {
    assert.equal(decodeRangeRequest(json({ key: 'YQ==', sort_target: name })).sort_target, SortTarget[name]);
  }
  assert.equal(decodeRangeRequest(json({ key: 'YQ==', sort_order: 9 })).sort_order, 9);
});

test('when both names of a field are present the lowerCamel one wins and the other is not even checked', () => {
  // etcd answered {"sortOrder":"DESCEND","sort_order":"nope"} with 200.
  assert.equal(decodeRangeRequest(json({ key: 'YQ==', sortOrder: 'DESCEND', sort_order: 'nope' })).sort_order, SortOrder.DESCEND);
});

test('a put request decodes with every option; unknown fields and null values are ignored', () => {
  assert.deepEqual(decodePutRequest(json({
    key: base64('foo'), value: base64('bar'), lease: '7587848843255', prev_kv: true, ignore_value: true, ignore_lease: true, nope: 1,
  })), {
    key: bytes('foo'), value: bytes('bar'), lease: 7587848843255, prev_kv: true, ignore_value: true, ignore_lease: true,
  });
  assert.deepEqual(decodePutRequest(json({ key: base64('foo'), prevKv: true, ignoreValue: true, ignoreLease: true })), {
    key: bytes('foo'), prev_kv: true, ignore_value: true, ignore_lease: true,
  });
  assert.deepEqual(decodePutRequest(json({ key: base64('foo'), value: null })), { key: bytes('foo') });
});

test('bytes accept an array of numbers, newlines inside base64 and non-zero trailing bits, as Go does', () => {
  assert.deepEqual(decodePutRequest(json({ key: [102, 111, 111] })).key, bytes('foo'));
  assert.deepEqual(decodePutRequest(json({ key: 'Zm\n9v' })).key, bytes('foo'));
  assert.deepEqual(decodePutRequest(json({ key: 'Zh==' })).key, bytes('f'));
});

test('int64 accepts quoted numbers with surrounding spaces, negative values and null', () => {
  assert.equal(decodePutRequest(json({ key: 'YQ==', lease: ' 0' })).lease, 0);
  assert.equal(decodeRangeRequest(json({ key: 'YQ==', revision: '-1' })).revision, -1);
  assert.equal(decodeRangeRequest(json({ key: 'YQ==', limit: null })).limit, 0);
  assert.equal(decodeRangeRequest(json({ key: 'YQ==', limit: 'null' })).limit, 0);
});

test('bodies that decode to an empty request: empty, whitespace, null, {}, unknown fields only', () => {
  // etcd answered each of these with "etcdserver: key is not provided": the decode succeeded.
  for (const body of ['', '  ', 'null', '{}', '{"nope":1}', '{"key":null}']) {
    assert.deepEqual(decodePutRequest(Buffer.from(body)), { key: new Uint8Array(0) }, body);
  }
});

test('only the first JSON value of a body is read; a repeated field keeps its last value', () => {
  assert.deepEqual(decodePutRequest(Buffer.from('{"key":"Zm9v"} trailing')), { key: bytes('foo') });
  assert.deepEqual(decodePutRequest(Buffer.from('{"key":"Zm9v"}{"key":"YmFy"}')), { key: bytes('foo') });
  assert.deepEqual(decodePutRequest(Buffer.from('{"key":"Zm9v","key":"YmFy"}')), { key: bytes('bar') });
});

test('a delete-range request decodes with every option', () => {
  assert.deepEqual(decodeDeleteRangeRequest(json({ key: base64('a'), range_end: 'AA==', prev_kv: true })), {
    key: bytes('a'), range_end: Uint8Array.of(0), prev_kv: true,
  });
  assert.deepEqual(decodeDeleteRangeRequest(json({ key: base64('a'), rangeEnd: 'AA==', prevKv: true })), {
    key: bytes('a'), range_end: Uint8Array.of(0), prev_kv: true,
  });
});

test('a compaction request decodes revision and physical; an empty one has revision 0', () => {
  assert.deepEqual(decodeCompactionRequest(json({ revision: '2', physical: true })), { revision: 2, physical: true });
  assert.deepEqual(decodeCompactionRequest(json({})), { revision: 0 });
});

test('a txn decodes every compare target and result, every op kind and nested txns', () => {
  const request = decodeTxnRequest(json({
    compare: [
      { key: base64('a'), target: 'VERSION', result: 'GREATER', version: '100' },
      { key: base64('a'), target: 'CREATE', result: 'NOT_EQUAL', createRevision: 1 },
      { key: base64('a'), target: 'MOD', result: 'LESS', mod_revision: 1, range_end: base64('b') },
      { key: base64('a'), target: 'VALUE', result: 'EQUAL', value: base64('1') },
      { key: base64('a'), target: 'LEASE', result: 'EQUAL', lease: 0 },
      { key: base64('a'), target: 2, result: 3, modRevision: '5', rangeEnd: base64('c') },
    ],
    success: [
      { request_put: { key: base64('b'), value: base64('2'), prev_kv: true } },
      { request_range: { key: base64('a'), keys_only: true } },
      { request_delete_range: { key: base64('c') } },
      { request_txn: { success: [{ requestPut: { key: base64('d') } }], failure: [{ requestDeleteRange: { key: base64('e') } }] } },
    ],
    failure: [{ requestRange: { key: base64('f'), sortOrder: 'ASCEND' } }, { requestTxn: {} }],
  }));
  assert.deepEqual(request, {
    compare: [
      { key: bytes('a'), target: CompareTarget.VERSION, result: CompareResult.GREATER, version: 100 },
      { key: bytes('a'), target: CompareTarget.CREATE, result: CompareResult.NOT_EQUAL, create_revision: 1 },
      { key: bytes('a'), target: CompareTarget.MOD, result: CompareResult.LESS, mod_revision: 1, range_end: bytes('b') },
      { key: bytes('a'), target: CompareTarget.VALUE, result: CompareResult.EQUAL, value: bytes('1') },
      { key: bytes('a'), target: CompareTarget.LEASE, result: CompareResult.EQUAL, lease: 0 },
      { key: bytes('a'), target: CompareTarget.MOD, result: CompareResult.NOT_EQUAL, mod_revision: 5, range_end: bytes('c') },
    ],
    success: [
      { request_put: { key: bytes('b'), value: bytes('2'), prev_kv: true } },
      { request_range: { key: bytes('a'), keys_only: true } },
      { request_delete_range: { key: bytes('c') } },
      { request_txn: { success: [{ request_put: { key: bytes('d') } }], failure: [{ request_delete_range: { key: bytes('e') } }] } },
    ],
    failure: [{ request_range: { key: bytes('f'), sort_order: SortOrder.ASCEND } }, { request_txn: {} }],
  });
});

test('a compare or op naming several oneof members keeps one of them', () => {
  const request = decodeTxnRequest(json({
    compare: [{ key: 'YQ==', target: 'MOD', version: 1, mod_revision: 2 }],
    success: [{ request_range: { key: 'YQ==' }, request_put: { key: 'Yg==' } }],
  }));
  assert.equal(Object.keys(request.compare![0]!).filter((name) => name === 'version' || name === 'mod_revision').length, 1);
  assert.equal(Object.keys(request.success![0]!).length, 1);
});

test('an empty txn body is an empty txn; a null compare list is absent', () => {
  assert.deepEqual(decodeTxnRequest(Buffer.from('')), {});
  assert.deepEqual(decodeTxnRequest(json({ compare: null, success: [], failure: [] })), { success: [], failure: [] });
});
