/**
 * A Range's body encoded by the apply worker (engine/mvcc/range-encode.ts), behind the header the
 * gRPC route adds, decodes with etcd's own RangeResponse definition to the response it encodes:
 * kvs with every field (negative leases, empty values), more and count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRangeBody } from '../range-body.js';
import type { RangeResponse } from '../../engine/mvcc/rpc.js';
import { etcdService } from '../../net/grpc/protos.js';
import { encodeResponseHeader } from '../../engine/wire/response-header.js';

interface Decoded {
  header: { revision: string; member_id: string };
  kvs: { key: Buffer; value: Buffer; create_revision: string; mod_revision: string; version: string; lease: string }[];
  more: boolean;
  count: string;
}

function decode(response: RangeResponse): Decoded {
  const header = encodeResponseHeader({ cluster_id: 7, member_id: 9, revision: 123, raft_term: 2 });
  const body = Buffer.concat([Buffer.from([0x0a, header.length]), header, encodeRangeBody(response)]);
  return etcdService('KV').Range!.responseDeserialize(body) as Decoded;
}

test('a range body decodes with etcd\'s RangeResponse to the response it encodes', () => {
  const response: RangeResponse = {
    kvs: [
      { key: Buffer.from('a'), value: Buffer.from('1'), create_revision: 2, mod_revision: 5, version: 3, lease: 0 },
      { key: Buffer.alloc(4000, 'k'), value: Buffer.alloc(0), create_revision: 6, mod_revision: 6, version: 1, lease: -5 },
      { key: Buffer.from('z'), value: Buffer.alloc(70_000, 'v'), create_revision: 2 ** 40, mod_revision: 2 ** 40, version: 1, lease: 2 ** 50 },
    ],
    more: true,
    count: 300,
  };
  const decoded = decode(response);
  assert.equal(decoded.header.revision, '123');
  assert.equal(decoded.header.member_id, '9');
  assert.equal(decoded.more, true);
  assert.equal(decoded.count, '300');
  assert.deepEqual(decoded.kvs.map((kv) => [kv.key.length, kv.value.length, kv.create_revision, kv.mod_revision, kv.version, kv.lease]), [
    [1, 1, '2', '5', '3', '0'], [4000, 0, '6', '6', '1', '-5'], [1, 70_000, String(2 ** 40), String(2 ** 40), '1', String(2 ** 50)],
  ]);
  assert.equal(decoded.kvs[0]!.key.toString(), 'a');
});

test('an empty range and a count-only range decode with their defaults', () => {
  const empty = decode({ kvs: [], more: false, count: 0 });
  assert.deepEqual([empty.kvs, empty.more, empty.count], [[], false, '0']);
  const counted = decode({ kvs: [], more: false, count: 100_000 });
  assert.equal(counted.count, '100000');
});
