/**
 * etcdserverpb.WatchResponse as protobuf bytes, written here rather than by protobufjs so each
 * mvccpb.Event is encoded ONCE however many watchers receive it: the hub shares Event objects
 * between watchers, and their encodings are cached on them (with and without prev_kv).
 *
 *   WatchResponse: 1 header | 2 watch_id | 3 created | 4 canceled | 5 compact_revision |
 *                  6 cancel_reason | 7 fragment | 11 events (repeated mvccpb.Event)
 *   Event:         1 type | 2 kv | 3 prev_kv            ResponseHeader: 1 cluster_id | 2 member_id | 3 revision | 4 raft_term
 */
import { encodeKeyValue } from '../../engine/mvcc/kv-codec.js';
import type { Event } from '../../engine/mvcc/rpc.js';
import type { WatchResponse } from '../../engine/watch/watch-types.js';
import { boolFieldBytes, bytesFieldBytes, messageFieldBytes, varintFieldBytes } from '../../engine/wire/protobuf-size.js';
import {
  ProtobufWriter, writeBoolField, writeBytesField, writeMessageField, writeVarintField,
} from '../../engine/wire/protobuf-writer.js';
import { encodeResponseHeader, type ResponseHeader } from '../../engine/wire/response-header.js';
import { fragmentEnds } from '../../engine/watch/watch-fragments.js';
import { MESSAGE_PREFIX_BYTES } from './raw/grpc-wire.js';

const RESPONSE = { header: 1, watch_id: 2, created: 3, canceled: 4, compact_revision: 5, cancel_reason: 6, fragment: 7, events: 11 } as const;
const EVENT = { type: 1, kv: 2, prev_kv: 3 } as const;

const EMPTY = Buffer.alloc(0);

const withPrevCache = new WeakMap<Event, Buffer>();
const withoutPrevCache = new WeakMap<Event, Buffer>();

/** One mvccpb.Event's bytes, cached on the event. */
export function encodeEvent(event: Event, withPrevKv: boolean): Buffer {
  const includesPrev = withPrevKv && event.prev_kv !== undefined;
  const cache = includesPrev ? withPrevCache : withoutPrevCache;
  let bytes = cache.get(event);
  if (bytes !== undefined) return bytes;
  const kv = encodeKeyValue(event.kv);
  const prev = includesPrev ? encodeKeyValue(event.prev_kv!) : undefined;
  const writer = new ProtobufWriter(varintFieldBytes(EVENT.type, event.type) + messageFieldBytes(EVENT.kv, kv.length) +
    (prev === undefined ? 0 : messageFieldBytes(EVENT.prev_kv, prev.length)));
  writer.varint(EVENT.type, event.type);
  writer.message(EVENT.kv, kv);
  if (prev !== undefined) writer.message(EVENT.prev_kv, prev);
  bytes = writer.finish();
  cache.set(event, bytes);
  return bytes;
}

/**
 * The last header's bytes: every watcher a batch reaches gets the same header, so it is encoded
 * once per batch, not once per watcher.
 */
let lastHeader: { header: ResponseHeader; bytes: Buffer } | null = null;

function headerBytes(header: ResponseHeader): Buffer {
  const last = lastHeader?.header;
  if (last !== undefined && last.revision === header.revision && last.raft_term === header.raft_term &&
    last.member_id === header.member_id && last.cluster_id === header.cluster_id) return lastHeader!.bytes;
  const bytes = encodeResponseHeader(header);
  lastHeader = { header: { ...header }, bytes };
  return bytes;
}

/** A WatchResponse's bytes without its events. */
function baseBytes(response: WatchResponse, header: Buffer, reason: Buffer, fragment: boolean): number {
  return messageFieldBytes(RESPONSE.header, header.length) + varintFieldBytes(RESPONSE.watch_id, response.watch_id) +
    boolFieldBytes(RESPONSE.created, response.created) + boolFieldBytes(RESPONSE.canceled, response.canceled) +
    varintFieldBytes(RESPONSE.compact_revision, response.compact_revision) + bytesFieldBytes(RESPONSE.cancel_reason, reason.length) +
    boolFieldBytes(RESPONSE.fragment, fragment);
}

/**
 * One WatchResponse in one buffer, sized first and written once (a watcher's response is mostly
 * shared bytes: the header and the events); with `framed`, behind a gRPC message prefix.
 */
function encodeOne(response: WatchResponse, header: Buffer, reason: Buffer, events: readonly Buffer[], fragment: boolean, framed: boolean): Buffer {
  let size = baseBytes(response, header, reason, fragment);
  for (const event of events) size += messageFieldBytes(RESPONSE.events, event.length);
  const start = framed ? MESSAGE_PREFIX_BYTES : 0;
  const out = Buffer.allocUnsafe(start + size);
  let offset = writeMessageField(out, start, RESPONSE.header, header);
  offset = writeVarintField(out, offset, RESPONSE.watch_id, response.watch_id);
  offset = writeBoolField(out, offset, RESPONSE.created, response.created);
  offset = writeBoolField(out, offset, RESPONSE.canceled, response.canceled);
  offset = writeVarintField(out, offset, RESPONSE.compact_revision, response.compact_revision ?? 0);
  offset = writeBytesField(out, offset, RESPONSE.cancel_reason, reason);
  offset = writeBoolField(out, offset, RESPONSE.fragment, fragment);
  for (const event of events) offset = writeMessageField(out, offset, RESPONSE.events, event);
  if (offset !== out.length) throw new Error(`WatchResponse encoding wrote ${offset} of ${out.length} bytes`);
  if (framed) {
    out[0] = 0;
    out.writeUInt32BE(size, 1);
  }
  return out;
}

/**
 * Encodes a response. With `fragmentBytes` (the watcher asked for fragments), a response of at
 * least that many bytes is split as etcd's sendFragments splits it at --max-request-bytes
 * (engine/watch/watch-fragments.ts), measured in these very bytes. With `framed`, each part is a
 * whole gRPC message (prefix and length included), ready to write.
 */
export function encodeWatchResponse(response: WatchResponse, header: ResponseHeader, fragmentBytes?: number, framed = false): Buffer[] {
  const headerEncoded = headerBytes(header);
  const reason = response.cancel_reason === undefined || response.cancel_reason === '' ? EMPTY : Buffer.from(response.cancel_reason, 'utf8');
  const events = response.events.map((event) => encodeEvent(event, response.prev_kv));
  if (fragmentBytes === undefined || events.length < 2) return [encodeOne(response, headerEncoded, reason, events, false, framed)];
  const eventBytes = events.map((event) => messageFieldBytes(RESPONSE.events, event.length));
  const whole = baseBytes(response, headerEncoded, reason, false) + eventBytes.reduce((sum, bytes) => sum + bytes, 0);
  const ends = fragmentEnds(eventBytes, whole, baseBytes(response, headerEncoded, reason, true), fragmentBytes);
  let start = 0;
  return ends.map((end) => {
    const part = encodeOne(response, headerEncoded, reason, events.slice(start, end), end < events.length, framed);
    start = end;
    return part;
  });
}
