/**
 * The protobuf sizes etcd measures watch messages by, computed without encoding them (gogoproto's
 * Size()): etcd's gateway is a gRPC client of its own server, so a WatchRequest larger than the
 * server's receive limit fails the stream, and a fragmenting watcher's responses are split where
 * their encoded size reaches the limit.
 *
 *   WatchRequest:       1 create_request | 2 cancel_request | 3 progress_request   (oneof)
 *   WatchCreateRequest: 1 key | 2 range_end | 3 start_revision | 4 progress_notify |
 *                       5 filters (packed) | 6 prev_kv | 7 watch_id | 8 fragment
 *   WatchResponse:      1 header | 2 watch_id | 3 created | 4 canceled | 5 compact_revision |
 *                       6 cancel_reason | 7 fragment | 11 events
 *   Event:              1 type | 2 kv | 3 prev_kv      KeyValue: 1 key | 2..4 revisions, version | 5 value | 6 lease
 */
import { keyValueBytes as encodedKeyValueBytes } from '../../../engine/mvcc/kv-codec.js';
import type { Event, KeyValue } from '../../../engine/mvcc/rpc.js';
import {
  boolFieldBytes, bytesFieldBytes, messageFieldBytes, varintBytes, varintFieldBytes,
} from '../../../engine/wire/protobuf-size.js';
import { responseHeaderBytes, type ResponseHeader } from '../../../engine/wire/response-header.js';
import type { WatchRequestUnion } from './watch-request.js';

const REQUEST = { create_request: 1, cancel_request: 2, progress_request: 3 } as const;
const CREATE = {
  key: 1, range_end: 2, start_revision: 3, progress_notify: 4, filters: 5, prev_kv: 6, watch_id: 7, fragment: 8,
} as const;
const RESPONSE = { header: 1, watch_id: 2, created: 3, canceled: 4, compact_revision: 5, cancel_reason: 6, fragment: 7, events: 11 } as const;
const EVENT = { type: 1, kv: 2, prev_kv: 3 } as const;
const UTF8 = new TextEncoder();

const kvSizes = new WeakMap<KeyValue, number>();

/** The size of a WatchRequest as the gateway would send it to the server. */
export function watchRequestBytes(request: WatchRequestUnion): number {
  switch (request.kind) {
    case 'none': return 0;
    case 'progress': return messageFieldBytes(REQUEST.progress_request, 0);
    case 'cancel': return messageFieldBytes(REQUEST.cancel_request, varintFieldBytes(1, request.watchId));
    case 'create': {
      const create = request.request;
      const filters = create.filters ?? [];
      const filterBytes = filters.reduce((sum, filter) => sum + varintBytes(filter), 0);
      return messageFieldBytes(REQUEST.create_request,
        bytesFieldBytes(CREATE.key, create.key.length) + bytesFieldBytes(CREATE.range_end, create.range_end?.length) +
        varintFieldBytes(CREATE.start_revision, create.start_revision) + boolFieldBytes(CREATE.progress_notify, create.progress_notify) +
        (filters.length === 0 ? 0 : messageFieldBytes(CREATE.filters, filterBytes)) + boolFieldBytes(CREATE.prev_kv, create.prev_kv) +
        varintFieldBytes(CREATE.watch_id, create.watch_id) + boolFieldBytes(CREATE.fragment, create.fragment),
      );
    }
  }
}

/** An encoded mvccpb.KeyValue's size, cached on it (a watched kv is sized once for all its watchers). */
function keyValueBytes(kv: KeyValue): number {
  let size = kvSizes.get(kv);
  if (size !== undefined) return size;
  size = encodedKeyValueBytes(kv);
  kvSizes.set(kv, size);
  return size;
}

/** One event's field in a WatchResponse (tag, length and the Event), with prev_kv when sent. */
export function eventFieldBytes(event: Event, withPrevKv: boolean): number {
  let size = varintFieldBytes(EVENT.type, event.type) + messageFieldBytes(EVENT.kv, keyValueBytes(event.kv));
  if (withPrevKv && event.prev_kv !== undefined) size += messageFieldBytes(EVENT.prev_kv, keyValueBytes(event.prev_kv));
  return messageFieldBytes(RESPONSE.events, size);
}

/** The fields of a WatchResponse other than its events. */
export interface WatchResponseFields {
  header: ResponseHeader;
  watch_id: number;
  created?: boolean;
  canceled?: boolean;
  compact_revision?: number;
  cancel_reason?: string;
  fragment: boolean;
}

/** A WatchResponse without its events (add eventFieldBytes for each). */
export function watchResponseBaseBytes(response: WatchResponseFields): number {
  return messageFieldBytes(RESPONSE.header, responseHeaderBytes(response.header)) + varintFieldBytes(RESPONSE.watch_id, response.watch_id) +
    boolFieldBytes(RESPONSE.created, response.created) + boolFieldBytes(RESPONSE.canceled, response.canceled) +
    varintFieldBytes(RESPONSE.compact_revision, response.compact_revision) +
    bytesFieldBytes(RESPONSE.cancel_reason, UTF8.encode(response.cancel_reason ?? '').length) + boolFieldBytes(RESPONSE.fragment, response.fragment);
}
