import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdError } from '../../engine/errors.js';
import type { MemberAttributes } from '../../engine/mvcc/members.js';
import { decodeInternalRequest, encodeInternalRequest } from '../../engine/mvcc/request.js';
import { put, withStore } from './helpers.js';

test('member attributes apply without consuming a revision, read back sorted by id, and a later publish replaces an earlier one', () => withStore((store) => {
  put(store, 'k', 'v');
  store.write({ member_attributes: { id: 0x2a, name: 'b', client_urls: ['http://127.0.0.1:2'] } });
  store.write({ member_attributes: { id: 7, name: 'a', client_urls: ['http://127.0.0.1:1', 'http://127.0.0.1:11'] } });
  store.write({ member_attributes: { id: 0x2a, name: 'b2', client_urls: [] } });
  assert.equal(store.status().current_revision, 2, 'publishing is not a KV write');
  assert.deepEqual(store.memberAttributes(), [
    { id: 7, name: 'a', client_urls: ['http://127.0.0.1:1', 'http://127.0.0.1:11'] },
    { id: 0x2a, name: 'b2', client_urls: [] },
  ]);
}));

test('malformed member attributes are refused and change nothing', () => withStore((store) => {
  const malformed = [
    { id: 0, name: 'x', client_urls: [] },
    { id: 1, name: 5, client_urls: [] },
    { id: 1, name: 'x', client_urls: 'http://x' },
    { id: 1, name: 'x', client_urls: [3] },
  ] as unknown as MemberAttributes[];
  for (const attributes of malformed) {
    assert.throws(() => store.write({ member_attributes: attributes }), EtcdError);
  }
  assert.deepEqual(store.memberAttributes(), []);
}));

test('a member-attributes request survives the entry encoding', () => {
  const request = { member_attributes: { id: 9, name: 'n', client_urls: ['http://h:1'] }, header: { id: 3 } };
  assert.deepEqual(decodeInternalRequest(encodeInternalRequest(request)), request);
});
