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
import { encodeResponseHeader, ProtoWriter, varintBytes, writeVarint } from './proto-writer.js';
import { MESSAGE_PREFIX_BYTES } from './raw/grpc-wire.js';
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

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;

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

/**
 * One WatchResponse in one buffer, sized first and written once (a watcher's response is mostly
 * shared bytes: the header and the events); with `framed`, behind a gRPC message prefix.
 */
function encodeOne(response: WatchResponse, header: Buffer, events: readonly Buffer[], fragment: boolean, framed: boolean): Buffer {
  const compactRevision = response.compact_revision ?? 0;
  const reason = response.cancel_reason !== undefined && response.cancel_reason.length > 0 ? Buffer.from(response.cancel_reason, 'utf8') : null;
  let size = 1 + varintBytes(header.length) + header.length;
  if (response.watch_id !== 0) size += 1 + varintBytes(response.watch_id);
  if (response.created === true) size += 2;
  if (response.canceled === true) size += 2;
  if (compactRevision !== 0) size += 1 + varintBytes(compactRevision);
  if (reason !== null) size += 1 + varintBytes(reason.length) + reason.length;
  if (fragment) size += 2;
  for (const event of events) size += 1 + varintBytes(event.length) + event.length;
  const start = framed ? MESSAGE_PREFIX_BYTES : 0;
  const out = Buffer.allocUnsafe(start + size);
  let pos = start;
  const bytesField = (field: number, data: Buffer): void => {
    out[pos++] = field * 8 + WIRE_BYTES;
    pos = writeVarint(out, pos, data.length);
    pos += data.copy(out, pos);
  };
  const varintField = (field: number, value: number): void => {
    out[pos++] = field * 8 + WIRE_VARINT;
    pos = writeVarint(out, pos, value);
  };
  bytesField(1, header);
  if (response.watch_id !== 0) varintField(2, response.watch_id);
  if (response.created === true) varintField(3, 1);
  if (response.canceled === true) varintField(4, 1);
  if (compactRevision !== 0) varintField(5, compactRevision);
  if (reason !== null) bytesField(6, reason);
  if (fragment) varintField(7, 1);
  for (const event of events) bytesField(11, event);
  if (framed) {
    out[0] = 0;
    out.writeUInt32BE(size, 1);
  }
  return out;
}

/**
 * Encodes a response. With `fragmentBytes` (the watcher asked for fragments), a response larger
 * than that is split into several, each with at least one event, all but the last marked
 * `fragment`, as etcd splits at --max-request-bytes. With `framed`, each is a whole gRPC message
 * (prefix and length included), ready to write.
 */
export function encodeWatchResponse(response: WatchResponse, header: ResponseHeader, fragmentBytes?: number, framed = false): Buffer[] {
  const headerEncoded = headerBytes(header);
  const events = response.events.map((event) => encodeEvent(event, response.prev_kv));
  const eventBytes = events.reduce((sum, bytes) => sum + bytes.length + 6, 0);
  if (fragmentBytes === undefined || eventBytes + headerEncoded.length < fragmentBytes) return [encodeOne(response, headerEncoded, events, false, framed)];
  const parts: Buffer[] = [];
  let start = 0;
  while (start < events.length) {
    let end = start + 1;
    let bytes = headerEncoded.length + events[start]!.length;
    while (end < events.length && bytes + events[end]!.length + 6 < fragmentBytes) bytes += events[end++]!.length + 6;
    parts.push(encodeOne(response, headerEncoded, events.slice(start, end), end < events.length, framed));
    start = end;
  }
  return parts;
}
