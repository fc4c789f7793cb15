/**
 * cairn's native protocol: WebSocket binary frames, each one msgpack map.
 *
 *   request   {id: uint, op: Op, body: <engine/mvcc/rpc.ts request for op>}
 *   response  {id, result: <response with header>}   or   {id, error: {code: grpc code, message}}
 *
 * Many requests may be in flight on one connection; responses come back as each completes, in any
 * order, matched by id. Bytes travel as msgpack bin, int64 as msgpack int/float (all < 2^53), enums
 * as their proto numbers, field names as in the proto (snake_case). Absent optional fields are
 * omitted (msgpackr may also send them as its `undefined` extension, which decoders treat as absent).
 *
 * Limits (close codes per RFC 6455):
 * - a frame up to max-request-bytes + FRAME_OVERHEAD_BYTES is read; a request inside it that is
 *   still too large for Raft fails with "etcdserver: request is too large" (as gRPC in etcd);
 * - a bigger frame, up to FRAME_HARD_LIMIT_FACTOR times that, gets the same error response when
 *   its id can be read, else a 1009 close; beyond that uWS drops the connection at once;
 * - beyond the in-flight bound a request fails with "etcdserver: too many requests";
 * - a frame without a usable id (not msgpack, not a map, id not a non-negative integer) closes the
 *   connection with 1008 and a reason; a text frame closes it with 1003.
 */
import { Packr } from 'msgpackr';

/** The WebSocket path of the protocol on the HTTP port. */
export const WS_PATH = '/ws';

export const OPS = ['range', 'put', 'delete_range', 'txn', 'compact', 'hash_kv', 'status'] as const;
export type Op = (typeof OPS)[number];

/** etcd allows gRPC messages this much larger than max-request-bytes (grpcOverheadBytes). */
export const FRAME_OVERHEAD_BYTES = 512 * 1024;
/** Frames up to this many times the frame limit are still decoded, to answer them with an error. */
export const FRAME_HARD_LIMIT_FACTOR = 2;
/** Requests one connection may have in flight (answered or not yet sent back). */
export const WS_IN_FLIGHT_MAX_DEFAULT = 4096;

/** RFC 6455 close codes the server uses. */
export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_UNSUPPORTED_DATA = 1003;
export const CLOSE_POLICY_VIOLATION = 1008;
export const CLOSE_MESSAGE_TOO_BIG = 1009;

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

// Plain maps (no msgpackr records) so any msgpack implementation can speak the protocol.
const packr = new Packr({ useRecords: false });

/** Encodes one frame. The returned bytes are not reused by later calls. */
export function encodeFrame(frame: RequestFrame | ResponseFrame): Uint8Array {
  return packr.pack(frame);
}

/** Decodes one frame; throws on bytes that are not msgpack. Bytes fields are views into `bytes`. */
export function decodeFrame(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}

export function isOp(value: unknown): value is Op {
  return typeof value === 'string' && (OPS as readonly string[]).includes(value);
}

/** A frame's id when it has a usable one: a non-negative safe integer. */
export function frameIdOf(frame: unknown): number | undefined {
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame) || ArrayBuffer.isView(frame)) return undefined;
  const id = (frame as { id?: unknown }).id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}
