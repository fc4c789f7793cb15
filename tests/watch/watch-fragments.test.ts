/**
 * Watch fragmenting, decided once (engine/watch/watch-fragments.ts) for every transport: etcd's
 * sendFragments rule on given sizes, and gRPC and the JSON gateway, which both measure protobuf
 * bytes as etcd does, splitting the same response at the same events for any bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event } from '../../engine/mvcc/rpc.js';
import { fragmentEnds } from '../../engine/watch/watch-fragments.js';
import type { WatchResponse } from '../../engine/watch/watch-types.js';
import { etcdService } from '../../net/grpc/protos.js';
import { encodeWatchResponse } from '../../net/grpc/watch-encode.js';
import { encodeWatchResponseLines } from '../../net/http/gateway/watch-encode.js';
import { seededRandom } from '../seeded-random.js';

const HEADER = { cluster_id: 2 ** 52 + 3, member_id: 99, revision: 40, raft_term: 2 };
const watchMethod = etcdService('Watch')['Watch']!;

test('sendFragments\' rule: whole under the limit or with one event; else parts under the limit, at least one event each', () => {
  assert.deepEqual(fragmentEnds([10, 10, 10], 49, 20, 50), [3], 'under the limit: whole');
  assert.deepEqual(fragmentEnds([100], 130, 30, 50), [1], 'one event, however large, is never split');
  assert.deepEqual(fragmentEnds([], 30, 30, 10), [0], 'no events: one response');
  assert.deepEqual(fragmentEnds([10, 10, 10, 10], 60, 20, 50), [2, 4], 'at the limit: split; each part stays under it');
  assert.deepEqual(fragmentEnds([10, 10, 10, 10], 60, 20, 51), [3, 4], 'a part may reach one byte under the limit');
  assert.deepEqual(fragmentEnds([5, 100, 5, 5], 135, 20, 50), [1, 2, 4], 'an event over the limit goes alone');
});

function event(revision: number, valueBytes: number): Event {
  return {
    type: revision % 3 === 0 ? 1 : 0,
    kv: { key: Buffer.from(`key/${revision}`), create_revision: 2, mod_revision: revision, version: 1, value: Buffer.alloc(valueBytes, 'v'), lease: 0 },
  };
}

/** The mod revisions in each part: which events went in which fragment. */
function grpcParts(response: WatchResponse, limit: number): number[][] {
  return encodeWatchResponse(response, HEADER, limit).map((bytes) => {
    const decoded = watchMethod.responseDeserialize(bytes) as { events: { kv: { mod_revision: string } }[] };
    return decoded.events.map((e) => Number(e.kv.mod_revision));
  });
}

function gatewayParts(response: WatchResponse, limit: number): number[][] {
  return encodeWatchResponseLines(response, HEADER, limit).map((line) => {
    const { result } = JSON.parse(line) as { result: { events: { kv: { mod_revision: string } }[] } };
    return result.events.map((e) => Number(e.kv.mod_revision));
  });
}

test('gRPC and the gateway split a response at the same events, whatever the bound', () => {
  const random = seededRandom(7);
  for (let round = 0; round < 200; round++) {
    const events = Array.from({ length: 1 + Math.floor(random() * 8) }, (_, i) => event(10 + i, Math.floor(random() * 400)));
    const response: WatchResponse = { revision: 40, watch_id: round % 4, events, prev_kv: false };
    const limit = 30 + Math.floor(random() * 2000);
    assert.deepEqual(grpcParts(response, limit), gatewayParts(response, limit), `round ${round}, limit ${limit}`);
  }
});

test('a gRPC part stays under the bound unless it holds a single event', () => {
  const events = Array.from({ length: 6 }, (_, i) => event(10 + i, 100));
  const response: WatchResponse = { revision: 40, watch_id: 3, events, prev_kv: false };
  for (const limit of [150, 200, 300, 450]) {
    for (const part of encodeWatchResponse(response, HEADER, limit)) {
      const decoded = watchMethod.responseDeserialize(part) as { events: unknown[] };
      assert.ok(part.length < limit || decoded.events.length === 1, `limit ${limit}: a part of ${part.length} bytes`);
    }
  }
});
