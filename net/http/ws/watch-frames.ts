/**
 * WatchResponses as protocol frames (protocol.ts). A pushed frame is assembled from events packed
 * ONCE however many watchers receive them: the hub shares Event objects between watchers, and each
 * one's msgpack bytes are cached on it (with and without prev_kv), as net/grpc/watch-encode.ts
 * does for protobuf.
 *
 *   {watch: {header, watch_id, [created, canceled, compact_revision, cancel_reason, fragment], events: [e1 e2 ...]}}
 *    └──────────── packed by msgpackr with events: [] ────────────────────────────┘ └ array header + cached events
 */
import type { Event } from '../../../engine/mvcc/rpc.js';
import type { ResponseHeader } from '../../../engine/wire/response-header.js';
import type { WatchResponse } from '../../../engine/watch/watch-types.js';
import { fragmentEnds } from '../../../engine/watch/watch-fragments.js';
import { encodeValue, type WireWatchResponse } from './protocol.js';

const withPrevCache = new WeakMap<Event, Uint8Array>();
const withoutPrevCache = new WeakMap<Event, Uint8Array>();

/** msgpack's empty fixarray, and the array headers for longer ones. */
export const EMPTY_ARRAY = 0x90;
const FIXARRAY_MAX = 15;
const ARRAY16 = 0xdc;
const ARRAY32 = 0xdd;

/** One event's msgpack bytes, cached on the event. */
function encodedEvent(event: Event, withPrevKv: boolean): Uint8Array {
  const prev = withPrevKv ? event.prev_kv : undefined;
  const cache = prev !== undefined ? withPrevCache : withoutPrevCache;
  let bytes = cache.get(event);
  if (bytes === undefined) {
    bytes = encodeValue(prev !== undefined ? { type: event.type, kv: event.kv, prev_kv: prev } : { type: event.type, kv: event.kv });
    cache.set(event, bytes);
  }
  return bytes;
}

/** The response's fields as the protocol carries them, unset flags omitted. */
export function wireWatchResponse(response: WatchResponse, header: ResponseHeader, events: Event[] = [], fragment = false): WireWatchResponse {
  const wire: Partial<WireWatchResponse> = { header, watch_id: response.watch_id };
  if (response.created === true) wire.created = true;
  if (response.canceled === true) wire.canceled = true;
  if ((response.compact_revision ?? 0) !== 0) wire.compact_revision = response.compact_revision!;
  if (response.cancel_reason !== undefined && response.cancel_reason !== '') wire.cancel_reason = response.cancel_reason;
  if (fragment) wire.fragment = true;
  // Last: frameOf relies on the events array being the last field packed.
  wire.events = events;
  return wire as WireWatchResponse;
}

/** The msgpack header of an array of `length` elements (the elements follow it). */
export function arrayHeader(length: number): Buffer {
  if (length <= FIXARRAY_MAX) return Buffer.from([EMPTY_ARRAY | length]);
  if (length <= 0xffff) return Buffer.from([ARRAY16, length >> 8, length & 0xff]);
  const header = Buffer.alloc(5);
  header[0] = ARRAY32;
  header.writeUInt32BE(length, 1);
  return header;
}

function frameOf(response: WatchResponse, header: ResponseHeader, events: readonly Uint8Array[], fragment: boolean): Buffer {
  const shell = encodeValue({ watch: wireWatchResponse(response, header, [], fragment) });
  // `events` is the last field written, so the shell ends with its empty array.
  if (shell[shell.length - 1] !== EMPTY_ARRAY) throw new Error('watch frame: the packed shell does not end with the events array');
  return Buffer.concat([shell.subarray(0, shell.length - 1), arrayHeader(events.length), ...events]);
}

/**
 * A response as pushed frames: one, or with `fragmentBytes` (the watcher asked for fragments) as
 * many as it takes to keep each under that size, each with at least one whole event, all but the
 * last marked fragment, split by etcd's rule (engine/watch/watch-fragments.ts) measured in the
 * frames' msgpack bytes.
 */
export function encodeWatchFrames(response: WatchResponse, header: ResponseHeader, fragmentBytes?: number): Buffer[] {
  const events = response.events.map((event) => encodedEvent(event, response.prev_kv));
  if (fragmentBytes === undefined || events.length < 2) return [frameOf(response, header, events, false)];
  // The largest shell a part can have: marked fragment, with a 5-byte array header.
  const shellBytes = encodeValue({ watch: wireWatchResponse(response, header, [], true) }).length + 5;
  const eventBytes = events.map((bytes) => bytes.length);
  const ends = fragmentEnds(eventBytes, shellBytes + eventBytes.reduce((sum, bytes) => sum + bytes, 0), shellBytes, fragmentBytes);
  let start = 0;
  return ends.map((end) => {
    const frame = frameOf(response, header, events.slice(start, end), end < events.length);
    start = end;
    return frame;
  });
}
