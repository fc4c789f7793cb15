/**
 * etcdserverpb.WatchResponse as protobuf bytes, written here rather than by protobufjs so each
 * mvccpb.Event is encoded ONCE however many watchers receive it: the hub shares Event objects
 * between watchers, and their encodings are cached on them (with and without prev_kv).
 *
 *   WatchResponse: 1 header | 2 watch_id | 3 created | 4 canceled | 5 compact_revision |
 *                  6 cancel_reason | 7 fragment | 11 events (repeated mvccpb.Event)
 *   Event:         1 type | 2 kv | 3 prev_kv            ResponseHeader: 1 cluster_id | 2 member_id | 3 revision | 4 raft_term
 */
import type { ResponseHeader } from '../../engine/node/kv-server.js';
import { encodeResponseHeader, ProtoWriter } from './proto-writer.js';
import { encodeKeyValue } from '../../engine/mvcc/kv-codec.js';
import type { Event } from '../../engine/mvcc/rpc.js';
import type { WatchResponse } from '../../engine/watch/watch-types.js';

const withPrevCache = new WeakMap<Event, Buffer>();
const withoutPrevCache = new WeakMap<Event, Buffer>();

/** One mvccpb.Event's bytes, cached on the event. */
export function encodeEvent(event: Event, withPrevKv: boolean): Buffer {
  const cache = withPrevKv && event.prev_kv !== undefined ? withPrevCache : withoutPrevCache;
  let bytes = cache.get(event);
  if (bytes !== undefined) return bytes;
  const writer = new ProtoWriter();
  writer.varint(1, event.type);
  writer.bytesField(2, encodeKeyValue(event.kv));
  if (withPrevKv && event.prev_kv !== undefined) writer.bytesField(3, encodeKeyValue(event.prev_kv));
  bytes = writer.finish();
  cache.set(event, bytes);
  return bytes;
}

function encodeOne(response: WatchResponse, header: Buffer, events: readonly Buffer[], fragment: boolean): Buffer {
  const writer = new ProtoWriter();
  writer.bytesField(1, header);
  writer.varint(2, response.watch_id);
  writer.bool(3, response.created);
  writer.bool(4, response.canceled);
  writer.varint(5, response.compact_revision ?? 0);
  writer.string(6, response.cancel_reason);
  writer.bool(7, fragment);
  for (const event of events) writer.bytesField(11, event);
  return writer.finish();
}

/**
 * Encodes a response. With `fragmentBytes` (the watcher asked for fragments), a response larger
 * than that is split into several, each with at least one event, all but the last marked
 * `fragment`, as etcd splits at --max-request-bytes.
 */
export function encodeWatchResponse(response: WatchResponse, header: ResponseHeader, fragmentBytes?: number): Buffer[] {
  const headerBytes = encodeResponseHeader(header);
  const events = response.events.map((event) => encodeEvent(event, response.prev_kv));
  const eventBytes = events.reduce((sum, bytes) => sum + bytes.length + 6, 0);
  if (fragmentBytes === undefined || eventBytes + headerBytes.length < fragmentBytes) return [encodeOne(response, headerBytes, events, false)];
  const parts: Buffer[] = [];
  let start = 0;
  while (start < events.length) {
    let end = start + 1;
    let bytes = headerBytes.length + events[start]!.length;
    while (end < events.length && bytes + events[end]!.length + 6 < fragmentBytes) bytes += events[end++]!.length + 6;
    parts.push(encodeOne(response, headerBytes, events.slice(start, end), end < events.length));
    start = end;
  }
  return parts;
}
