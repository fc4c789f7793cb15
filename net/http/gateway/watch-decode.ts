/**
 * The request objects of POST /v3/watch (etcdserverpb.WatchRequest) into the engine's watch
 * requests, with jsonpb's rules (json-codec.ts). The body is a stream of such objects; each one the
 * gateway reads goes to the server as it is read. A request with no member of the oneof set (`{}`,
 * unknown fields only, null) is passed on and ignored by the server, as etcd does.
 */
import { FilterType, type WatchCreateRequest } from '../../../engine/watch/watch-types.js';
import { messageTooLarge } from './gateway-errors.js';
import type { GoJsonValue } from './go-json.js';
import { type DecodedMessage, type MessageSchema, decodeMessage } from './json-codec.js';
import { watchRequestBytes } from './watch-proto-size.js';
import type { WatchRequestUnion } from './watch-request.js';

export type { WatchRequestUnion } from './watch-request.js';

const FILTER_TYPES: Readonly<Record<string, number>> = { NOPUT: FilterType.NOPUT, NODELETE: FilterType.NODELETE };

const WATCH_CREATE_REQUEST: MessageSchema = {
  fields: [
    { name: 'key', kind: { type: 'bytes' } },
    { name: 'range_end', kind: { type: 'bytes' } },
    { name: 'start_revision', kind: { type: 'int64' } },
    { name: 'progress_notify', kind: { type: 'bool' } },
    { name: 'filters', kind: { type: 'enums', goType: 'etcdserverpb.WatchCreateRequest_FilterType', values: FILTER_TYPES } },
    { name: 'prev_kv', kind: { type: 'bool' } },
    { name: 'watch_id', kind: { type: 'int64' } },
    { name: 'fragment', kind: { type: 'bool' } },
  ],
  oneof: [],
};

const WATCH_CANCEL_REQUEST: MessageSchema = { fields: [{ name: 'watch_id', kind: { type: 'int64' } }], oneof: [] };
const WATCH_PROGRESS_REQUEST: MessageSchema = { fields: [], oneof: [] };

/** When a body names several members of the oneof, the last in this order stays (json-codec.ts). */
const WATCH_REQUEST: MessageSchema = {
  fields: [],
  oneof: [
    { name: 'create_request', kind: { type: 'message', schema: () => WATCH_CREATE_REQUEST } },
    { name: 'cancel_request', kind: { type: 'message', schema: () => WATCH_CANCEL_REQUEST } },
    { name: 'progress_request', kind: { type: 'message', schema: () => WATCH_PROGRESS_REQUEST } },
  ],
};

/**
 * Decodes one request object. Throws what jsonpb would (JsonpbError, Base64Error) for a malformed
 * one, and etcd's gRPC limit error for one larger than `requestBytesMax` as protobuf.
 */
export function decodeWatchRequest(value: GoJsonValue, requestBytesMax: number): WatchRequestUnion {
  const message = decodeMessage(value, WATCH_REQUEST);
  const request = unionOf(message);
  const bytes = watchRequestBytes(request);
  if (bytes > requestBytesMax) throw messageTooLarge(bytes, requestBytesMax);
  return request;
}

function unionOf(message: DecodedMessage): WatchRequestUnion {
  if (message.create_request !== undefined) {
    return { kind: 'create', request: { key: new Uint8Array(0), ...(message.create_request as DecodedMessage) } as WatchCreateRequest };
  }
  if (message.cancel_request !== undefined) {
    return { kind: 'cancel', watchId: ((message.cancel_request as DecodedMessage).watch_id as number | undefined) ?? 0 };
  }
  if (message.progress_request !== undefined) return { kind: 'progress' };
  return { kind: 'none' };
}
