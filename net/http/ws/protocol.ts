/**
 * cairn's native protocol: WebSocket binary frames, each one msgpack map.
 *
 *   request   {id: uint, op: Op, body: <the op's request: engine/mvcc/rpc.ts, engine/lease/lease-rpc.ts>}
 *   response  {id, result: <response with header>}   or   {id, error: {code: grpc code, message}}
 *   pushed    {watch: WatchResponse}   (no id: a watch stream's output; see Watch below)
 *
 * Many requests may be in flight on one connection; responses come back as each completes, in any
 * order, matched by id. Bytes travel as msgpack bin, int64 as msgpack int/float (all < 2^53), enums
 * as their proto numbers, field names exactly as in the proto (snake_case, and the Lease messages'
 * `ID`, `TTL`, `grantedTTL`). Absent optional fields are omitted (msgpackr may also send them as its
 * `undefined` extension, which decoders treat as absent).
 *
 * Watch (etcd's Watch service). A connection has one watch stream, opened by its first valid watch
 * op and closed with the connection; the stream holds the connection's watchers.
 *   watch_create    body: WatchCreateRequest {key, range_end, start_revision, progress_notify,
 *                   filters, prev_kv, watch_id, fragment}. An absent or empty key is "\0" (etcd's
 *                   gRPC layer does the same); watch_id 0 lets the server pick one, a negative one
 *                   is refused (-1 marks responses that belong to no watcher).
 *                   result: the created WatchResponse, or etcd's refusal, which is a result too:
 *                   created and canceled, watch_id -1, cancel_reason (duplicate id, empty range...).
 *   watch_cancel    body: {watch_id}. result: the canceled WatchResponse. An id the stream does not
 *                   hold is NOT_FOUND "mvcc: watcher does not exist" (etcd ignores it silently;
 *                   here every request gets an answer).
 *   watch_progress  body: absent or {}. result: the progress WatchResponse (watch_id -1), given once
 *                   every watcher of the stream has caught up, so all of them have received every
 *                   event up to its header revision.
 *   pushed frames   events, progress_notify notifications, and cancellation by the server (a start
 *                   revision below the compaction: canceled with compact_revision, header revision
 *                   0, as etcd 3.4). Results and pushed frames of one connection leave in the order
 *                   the stream produced them: a created result precedes its watcher's events, and
 *                   a progress result follows every event up to its revision.
 *   WatchResponse   {header, watch_id, created?, canceled?, compact_revision?, cancel_reason?,
 *                   fragment?, events: Event[]}; Event {type: 0 PUT | 1 DELETE, kv, prev_kv?}. A
 *                   pushed response's header revision is one up to which the watcher has received
 *                   all its events. prev_kv is sent only to watchers that asked for it. A watcher
 *                   created with fragment gets a response larger than max-request-bytes as several
 *                   frames of whole events, all but the last with fragment: true.
 *   Flow control    a stream whose connection holds more than WS_WATCH_UNSENT_BYTES_MAX unsent
 *                   bytes takes no live events; its watchers catch up from the member's history
 *                   once the client has read enough (engine/watch/watch-stream.ts), so a client
 *                   that reads slowly costs the server that many bytes, not a backlog of events.
 *
 * Maintenance. `status` (body absent or {}), `hash_kv` {revision}, and `alarm` {action: 0 GET |
 * 1 ACTIVATE | 2 DEACTIVATE, memberID, alarm: 0 NONE | 1 NOSPACE | 2 CORRUPT} (engine/alarm/
 * alarm-rpc.ts; an absent body lists every alarm). result: {alarms: [{memberID, alarm}]}, without a
 * header, as etcd 3.4 answers it.
 *
 * Lease (etcd's Lease service; engine/lease/lease-server.ts). Plain request/response ops with the
 * proto's field names (`ID`, `TTL`, `grantedTTL`); the connection keeps no lease state. A member
 * that does not lead forwards keep_alive and time_to_live to the leader, so any member serves them.
 *   lease_grant         body: LeaseGrantRequest {TTL, ID}; ID 0 (or absent) lets the server pick;
 *                       any other ID, negative too, is granted as given (etcd's int64 ids).
 *                       result: {header, ID, TTL, error}. TTL is raised to the member's minimum;
 *                       above 9e9 s it is OUT_OF_RANGE "etcdserver: too large lease TTL"; a taken
 *                       ID is FAILED_PRECONDITION "etcdserver: lease already exists".
 *   lease_revoke        body: {ID}. result: {header}; the lease's keys are deleted in one revision.
 *                       An unknown ID is NOT_FOUND "etcdserver: requested lease not found".
 *   lease_keep_alive    body: {ID}. ONE keep-alive (etcd's LeaseKeepAlive stream carries many;
 *                       here each is its own request, pipelined like any other). result:
 *                       {header, ID, TTL}; TTL 0 when the lease does not exist (etcd's answer).
 *   lease_time_to_live  body: {ID, keys}. result: {header, ID, TTL, grantedTTL, keys: bytes[]};
 *                       TTL -1 when the lease does not exist; keys only with keys: true.
 *   lease_leases        body: absent or {}. result: {header, leases: [{ID}]} (linearizable).
 * Without a lease server (HttpApp without `lease`) these answer UNIMPLEMENTED, as a gRPC server
 * without the Lease service.
 *
 * Limits (close codes per RFC 6455):
 * - a frame up to max-request-bytes + FRAME_OVERHEAD_BYTES is read; a request inside it that is
 *   still too large for Raft fails with "etcdserver: request is too large" (as gRPC in etcd);
 * - a bigger frame, up to FRAME_HARD_LIMIT_FACTOR times that, gets the same error response when
 *   its id can be read, else a 1009 close; beyond that uWS drops the connection at once;
 * - beyond the in-flight bound a request fails with "etcdserver: too many requests" (a progress
 *   request waiting for its answer counts as in flight; pushed watch frames do not);
 * - a frame without a usable id (not msgpack, not a map, id not a non-negative integer) closes the
 *   connection with 1008 and a reason; a text frame closes it with 1003.
 */
import { Packr } from 'msgpackr';
import type { Event } from '../../../engine/mvcc/rpc.js';
import type { ResponseHeader } from '../../../engine/wire/response-header.js';

/** The WebSocket path of the protocol on the HTTP port. */
export const WS_PATH = '/ws';

export const KV_OPS = ['range', 'put', 'delete_range', 'txn', 'compact', 'hash_kv', 'status', 'alarm'] as const;
export const WATCH_OPS = ['watch_create', 'watch_cancel', 'watch_progress'] as const;
export const LEASE_OPS = ['lease_grant', 'lease_revoke', 'lease_keep_alive', 'lease_time_to_live', 'lease_leases'] as const;
export const OPS = [...KV_OPS, ...WATCH_OPS, ...LEASE_OPS] as const;
export type KvOp = (typeof KV_OPS)[number];
export type WatchOp = (typeof WATCH_OPS)[number];
export type LeaseOp = (typeof LEASE_OPS)[number];
export type Op = (typeof OPS)[number];

/** etcd allows gRPC messages this much larger than max-request-bytes (grpcOverheadBytes). */
export const FRAME_OVERHEAD_BYTES = 512 * 1024;
/** Frames up to this many times the frame limit are still decoded, to answer them with an error. */
export const FRAME_HARD_LIMIT_FACTOR = 2;
/** Requests one connection may have in flight (answered or not yet sent back). */
export const WS_IN_FLIGHT_MAX_DEFAULT = 4096;
/**
 * Unsent bytes (queued for the socket or buffered in it) above which a connection's watch stream
 * is congested; it takes live events again below half of this (as gRPC's WATCH_SEND_BYTES_MAX).
 */
export const WS_WATCH_UNSENT_BYTES_MAX = 4 * 1024 * 1024;

/** RFC 6455 close codes the server uses. */
export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_UNSUPPORTED_DATA = 1003;
export const CLOSE_POLICY_VIOLATION = 1008;
export const CLOSE_MESSAGE_TOO_BIG = 1009;
/** The server met a condition that kept it from answering (a range failed while being sent). */
export const CLOSE_INTERNAL_ERROR = 1011;

export interface RequestFrame {
  id: number;
  op: Op;
  body: unknown;
}

export interface ErrorBody {
  code: number;
  message: string;
}

export type ResponseFrame = { id: number; result: unknown } | { id: number; error: ErrorBody };

/**
 * etcdserverpb.WatchResponse as the protocol carries it: the result of a watch op, or pushed as
 * {watch: WireWatchResponse} (watch-frames.ts assembles those).
 */
export interface WireWatchResponse {
  header: ResponseHeader;
  watch_id: number;
  created?: boolean;
  canceled?: boolean;
  compact_revision?: number;
  cancel_reason?: string;
  fragment?: boolean;
  events: Event[];
}

// Plain maps (no msgpackr records) so any msgpack implementation can speak the protocol.
const packr = new Packr({ useRecords: false });

/** Encodes one frame. The returned bytes are not reused by later calls. */
export function encodeFrame(frame: RequestFrame | ResponseFrame): Uint8Array {
  return packr.pack(frame);
}

/** Encodes any value with the frames' codec (parts of frames assembled elsewhere: watch-frames.ts). */
export function encodeValue(value: unknown): Uint8Array {
  return packr.pack(value);
}

/** Decodes one frame; throws on bytes that are not msgpack. Bytes fields are views into `bytes`. */
export function decodeFrame(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}

export function isOp(value: unknown): value is Op {
  return typeof value === 'string' && (OPS as readonly string[]).includes(value);
}

export function isWatchOp(op: Op): op is WatchOp {
  return (WATCH_OPS as readonly string[]).includes(op);
}

/** A frame's id when it has a usable one: a non-negative safe integer. */
export function frameIdOf(frame: unknown): number | undefined {
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame) || ArrayBuffer.isView(frame)) return undefined;
  const id = (frame as { id?: unknown }).id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}
