/**
 * Each expected string is a response body real etcd 3.4.23's gateway sent (captured with curl);
 * the encoder is given the same logical content, header ids included, and must write it byte for
 * byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KeyValue } from '../../engine/mvcc/rpc.js';
import {
  encodeCompactionResponse, encodeDeleteRangeResponse, encodePutResponse, encodeRangeResponse, encodeTxnResponse,
} from '../../net/http/gateway/kv-encode.js';

const CLUSTER_ID = 324952591200643719n;
const MEMBER_ID = 3319814642761637952n;

function header(revision: number) {
  return { cluster_id: CLUSTER_ID, member_id: MEMBER_ID, revision, raft_term: 2 };
}

function headerJson(revision: number): string {
  return `{"cluster_id":"${CLUSTER_ID}","member_id":"${MEMBER_ID}","revision":"${revision}","raft_term":"2"}`;
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function kv(key: string, value: string, create: number, mod: number, version: number, lease = 0): KeyValue {
  return { key: bytes(key), value: bytes(value), create_revision: create, mod_revision: mod, version, lease };
}

test('a put response is only its header; with prev_kv it carries the previous pair', () => {
  assert.equal(encodePutResponse({ header: header(3) }), `{"header":${headerJson(3)}}`);
  assert.equal(encodePutResponse({ header: header(4), prev_kv: kv('foo', 'bar', 2, 3, 2) }),
    `{"header":${headerJson(4)},"prev_kv":{"key":"Zm9v","create_revision":"2","mod_revision":"3","version":"2","value":"YmFy"}}`);
});

test('a range response writes kvs and count as strings; an empty result is only the header', () => {
  assert.equal(encodeRangeResponse({ header: header(5), kvs: [kv('foo', 'baz', 2, 5, 4)], more: false, count: 1 }),
    `{"header":${headerJson(5)},"kvs":[{"key":"Zm9v","create_revision":"2","mod_revision":"5","version":"4","value":"YmF6"}],"count":"1"}`);
  assert.equal(encodeRangeResponse({ header: header(5), kvs: [], more: false, count: 0 }), `{"header":${headerJson(5)}}`);
  assert.equal(encodeRangeResponse({ header: header(5), kvs: [], more: false, count: 1 }), `{"header":${headerJson(5)},"count":"1"}`);
});

test('a range response writes more as true, and a lease id, only when set', () => {
  assert.equal(encodeRangeResponse({ header: header(5), kvs: [kv('a', '', 2, 5, 1, 7587848843255)], more: true, count: 2 }),
    `{"header":${headerJson(5)},"kvs":[{"key":"YQ==","create_revision":"2","mod_revision":"5","version":"1","lease":"7587848843255"}],`
    + '"more":true,"count":"2"}');
});

test('a delete-range response writes deleted and prev_kvs (an empty value left out); none deleted is only the header', () => {
  assert.equal(encodeDeleteRangeResponse({ header: header(11), deleted: 1, prev_kvs: [kv('foo', '', 2, 9, 7)] }),
    `{"header":${headerJson(11)},"deleted":"1","prev_kvs":[{"key":"Zm9v","create_revision":"2","mod_revision":"9","version":"7"}]}`);
  assert.equal(encodeDeleteRangeResponse({ header: header(11), deleted: 0, prev_kvs: [] }), `{"header":${headerJson(11)}}`);
});

test('a compaction response is only its header', () => {
  assert.equal(encodeCompactionResponse({ header: header(11) }), `{"header":${headerJson(11)}}`);
});

test('a txn writes the per-op headers the engine gives, and an empty header for a nested txn', () => {
  const response = encodeTxnResponse({
    header: header(14),
    succeeded: true,
    responses: [
      { response_put: { header: { revision: 14 } } },
      { response_range: { header: { revision: 14 }, kvs: [kv('a', '1', 13, 13, 1)], more: false, count: 1 } },
      { response_delete_range: { header: { revision: 14 }, deleted: 0, prev_kvs: [] } },
      { response_txn: { header: { revision: 0 }, succeeded: true, responses: [{ response_put: { header: { revision: 14 } } }] } },
    ],
  });
  assert.equal(response, `{"header":${headerJson(14)},"succeeded":true,"responses":[`
    + '{"response_put":{"header":{"revision":"14"}}},'
    + '{"response_range":{"header":{"revision":"14"},"kvs":[{"key":"YQ==","create_revision":"13","mod_revision":"13","version":"1","value":"MQ=="}],"count":"1"}},'
    + '{"response_delete_range":{"header":{"revision":"14"}}},'
    + '{"response_txn":{"header":{},"succeeded":true,"responses":[{"response_put":{"header":{"revision":"14"}}}]}}]}');
});

test('a failed read-only txn leaves succeeded out; its range saw the txn revision', () => {
  assert.equal(encodeTxnResponse({
    header: header(14), succeeded: false,
    responses: [{ response_range: { header: { revision: 14 }, kvs: [kv('a', '', 13, 13, 1)], more: false, count: 1 } }],
  }), `{"header":${headerJson(14)},"responses":[{"response_range":{"header":{"revision":"14"},`
    + '"kvs":[{"key":"YQ==","create_revision":"13","mod_revision":"13","version":"1"}],"count":"1"}}]}');
  assert.equal(encodeTxnResponse({ header: header(14), succeeded: false, responses: [] }), `{"header":${headerJson(14)}}`);
  assert.equal(encodeTxnResponse({ header: header(14), succeeded: true, responses: [] }), `{"header":${headerJson(14)},"succeeded":true}`);
});
