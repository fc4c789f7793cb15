/** The storm client counts a RangeResponse's keys from its bytes, as etcd's own encoder lays them out. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etcdService } from '../../net/grpc/protos.js';
import { scanRangeResponse } from '../../bench/readstorm/range-response-scan.js';

const encode = etcdService('KV')['Range']!.responseSerialize as (response: object) => Buffer;

test('every KeyValue is counted, and count and more are read, with a header before them', () => {
  const kvs = Array.from({ length: 300 }, (_, i) => ({
    key: Buffer.from(`key/${String(i).padStart(6, '0')}`), value: Buffer.alloc(512, 'v'), create_revision: String(i + 2), mod_revision: String(i + 2), version: '1',
  }));
  const bytes = encode({ header: { cluster_id: '123', member_id: '456', revision: '302', raft_term: '2' }, kvs, more: true, count: '100000' });
  assert.deepEqual(scanRangeResponse(bytes), { kvs: 300, count: 100_000, more: true });
});

test('an empty answer counts nothing', () => {
  assert.deepEqual(scanRangeResponse(encode({ header: { revision: '1' }, kvs: [], count: '0' })), { kvs: 0, count: 0, more: false });
  assert.deepEqual(scanRangeResponse(new Uint8Array(0)), { kvs: 0, count: 0, more: false });
});
