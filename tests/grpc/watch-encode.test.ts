/**
 * WatchResponse bytes written by hand (net/grpc/watch-encode.ts), read back by protobufjs with
 * etcd's protos: every field a response can carry (a negative watch_id included), events with and
 * without prev_kv, fragments, the gRPC framing, and the header shared between calls that does
 * not leak from one header to the next.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event } from '../../engine/mvcc/rpc.js';
import type { WatchResponse } from '../../engine/watch/watch-types.js';
import { etcdService } from '../../net/grpc/protos.js';
import { encodeWatchResponse } from '../../net/grpc/watch-encode.js';

const watchMethod = etcdService('Watch')['Watch']!;
const HEADER = { cluster_id: 6_841_639_068_965_178, member_id: 4_276_657_743_932_975, revision: 42, raft_term: 7 };

interface Decoded {
  header: { cluster_id: string; member_id: string; revision: string; raft_term: string };
  watch_id: string; created: boolean; canceled: boolean; compact_revision: string; cancel_reason: string; fragment: boolean;
  events: { type: string; kv: { key: Buffer; value: Buffer; mod_revision: string; lease: string }; prev_kv?: { value: Buffer } | null }[];
}

const decode = (bytes: Buffer): Decoded => watchMethod.responseDeserialize(bytes) as Decoded;

function event(revision: number, value: string, prev?: string): Event {
  const kv = { key: Buffer.from('k'), create_revision: 2, mod_revision: revision, version: revision - 1, value: Buffer.from(value), lease: -5 };
  return prev === undefined ? { type: 0, kv } : { type: 0, kv, prev_kv: { ...kv, mod_revision: revision - 1, value: Buffer.from(prev) } };
}

function response(fields: Partial<WatchResponse>): WatchResponse {
  return { revision: 42, watch_id: 3, events: [], prev_kv: false, ...fields };
}

test('every field reads back through protobufjs as etcd\'s WatchResponse', () => {
  const plain = decode(encodeWatchResponse(response({ events: [event(41, 'a', 'z'), event(42, 'b')] }), HEADER)[0]!);
  assert.deepEqual(plain.header, { cluster_id: '6841639068965178', member_id: '4276657743932975', revision: '42', raft_term: '7' });
  assert.equal(plain.watch_id, '3');
  assert.deepEqual(plain.events.map((e) => [e.kv.value.toString(), e.kv.mod_revision, e.kv.lease, e.prev_kv ?? null]),
    [['a', '41', '-5', null], ['b', '42', '-5', null]], 'without prev_kv asked, none is sent');
  assert.deepEqual([plain.created, plain.canceled, plain.fragment, plain.compact_revision, plain.cancel_reason], [false, false, false, '0', '']);

  const withPrev = decode(encodeWatchResponse(response({ events: [event(41, 'a', 'z')], prev_kv: true }), HEADER)[0]!);
  assert.equal(withPrev.events[0]!.prev_kv!.value.toString(), 'z');

  const refused = decode(encodeWatchResponse(response({ watch_id: -1, created: true, canceled: true, cancel_reason: 'mvcc: watcher range is empty' }), HEADER)[0]!);
  assert.deepEqual([refused.watch_id, refused.created, refused.canceled, refused.cancel_reason], ['-1', true, true, 'mvcc: watcher range is empty']);

  const compacted = decode(encodeWatchResponse(response({ revision: 0, canceled: true, compact_revision: 2 ** 40 + 3 }), { ...HEADER, revision: 0 })[0]!);
  assert.deepEqual([compacted.compact_revision, compacted.header.revision], [String(2 ** 40 + 3), '0']);
  const first = encodeWatchResponse(response({}), HEADER)[0]!;
  const next = decode(encodeWatchResponse(response({}), { ...HEADER, revision: 43 })[0]!);
  assert.equal(next.header.revision, '43', 'a new revision is a new header');
  assert.equal(decode(first).header.revision, '42');
});

test('framed responses are whole gRPC messages; fragments split the events, all but the last marked', () => {
  const events = Array.from({ length: 6 }, (_, i) => event(10 + i, 'v'.repeat(100)));
  const [framed] = encodeWatchResponse(response({ events }), HEADER, undefined, true);
  const [bare] = encodeWatchResponse(response({ events }), HEADER);
  assert.equal(framed![0], 0);
  assert.equal(framed!.readUInt32BE(1), bare!.length);
  assert.deepEqual(framed!.subarray(5), bare);

  const parts = encodeWatchResponse(response({ events }), HEADER, 350, true);
  assert.ok(parts.length > 1);
  const decoded = parts.map((part) => decode(part.subarray(5)));
  assert.deepEqual(decoded.map((d) => d.fragment), [...Array<boolean>(parts.length - 1).fill(true), false]);
  assert.deepEqual(decoded.flatMap((d) => d.events.map((e) => e.kv.mod_revision)), events.map((e) => String(e.kv.mod_revision)));
  for (const part of parts) assert.equal(part.readUInt32BE(1), part.length - 5);
});
