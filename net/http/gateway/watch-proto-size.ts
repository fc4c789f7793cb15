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
 *
 * Every field number here is below 16, so each tag is one byte.
 */
import type { Event, KeyValue } from '../../../engine/mvcc/rpc.js';
import type { ResponseHeader } from './cluster-types.js';
import type { WatchRequestUnion } from './watch-request.js';

const TAG_BYTES = 1;
const BOOL_FIELD_BYTES = 2;
/** A negative int64 (or enum) is written as its 64-bit two's complement: ten varint bytes. */
const NEGATIVE_VARINT_BYTES = 10;
const UTF8 = new TextEncoder();

const kvSizes = new WeakMap<KeyValue, number>();

/** Bytes of a varint holding `value` (a uint64, or an int64 / enum as protobuf widens it). */
export function varintBytes(value: number | bigint): number {
  let rest = BigInt(value);
  if (rest < 0n) return NEGATIVE_VARINT_BYTES;
  let bytes = 1;
  while (rest >= 128n) {
    rest >>= 7n;
    bytes++;
  }
  return bytes;
}

/** A scalar varint field; proto3 leaves out zero. */
function varintField(value: number | bigint | undefined): number {
  return value === undefined || value === 0 || value === 0n ? 0 : TAG_BYTES + varintBytes(value);
}

/** A length-delimited field of `length` bytes (always written: an embedded message that is set). */
function delimitedField(length: number): number {
  return TAG_BYTES + varintBytes(length) + length;
}

/** A bytes or string field; proto3 leaves out the empty one. */
function bytesField(length: number): number {
  return length === 0 ? 0 : delimitedField(length);
}

function boolField(value: boolean | undefined): number {
  return value === true ? BOOL_FIELD_BYTES : 0;
}

/** The size of a WatchRequest as the gateway would send it to the server. */
export function watchRequestBytes(request: WatchRequestUnion): number {
  switch (request.kind) {
    case 'none': return 0;
    case 'progress': return delimitedField(0);
    case 'cancel': return delimitedField(varintField(request.watchId));
    case 'create': {
      const create = request.request;
      const filters = create.filters ?? [];
      const filterBytes = filters.reduce((sum, filter) => sum + varintBytes(filter), 0);
      return delimitedField(
        bytesField(create.key.length) + bytesField(create.range_end?.length ?? 0) + varintField(create.start_revision) +
        boolField(create.progress_notify) + (filters.length === 0 ? 0 : delimitedField(filterBytes)) +
        boolField(create.prev_kv) + varintField(create.watch_id) + boolField(create.fragment),
      );
    }
  }
}

function keyValueBytes(kv: KeyValue): number {
  let size = kvSizes.get(kv);
  if (size !== undefined) return size;
  size = bytesField(kv.key.length) + varintField(kv.create_revision) + varintField(kv.mod_revision) +
    varintField(kv.version) + bytesField(kv.value.length) + varintField(kv.lease);
  kvSizes.set(kv, size);
  return size;
}

/** One event's field in a WatchResponse (tag, length and the Event), with prev_kv when sent. */
export function eventFieldBytes(event: Event, withPrevKv: boolean): number {
  let size = varintField(event.type) + delimitedField(keyValueBytes(event.kv));
  if (withPrevKv && event.prev_kv !== undefined) size += delimitedField(keyValueBytes(event.prev_kv));
  return delimitedField(size);
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
  const header = response.header;
  const headerBytes = varintField(header.cluster_id) + varintField(header.member_id) +
    varintField(header.revision) + varintField(header.raft_term);
  return delimitedField(headerBytes) + varintField(response.watch_id) + boolField(response.created) +
    boolField(response.canceled) + varintField(response.compact_revision) +
    bytesField(UTF8.encode(response.cancel_reason ?? '').length) + boolField(response.fragment);
}
