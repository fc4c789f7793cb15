/**
 * The Watch service's messages (etcdserverpb.WatchCreateRequest / WatchResponse) as the engine
 * speaks them, with the proto's field names. Every transport adapts these: gRPC and the JSON
 * gateway encode them as etcd does; the WebSocket protocol packs them.
 */
import type { Event } from '../mvcc/rpc.js';

/** WatchCreateRequest.FilterType. */
export enum FilterType {
  NOPUT = 0,
  NODELETE = 1,
}

/** etcd's clientv3.InvalidWatchID: a response that belongs to no one watcher (a progress reply). */
export const INVALID_WATCH_ID = -1;

export interface WatchCreateRequest {
  key: Uint8Array;
  /** Empty: the key alone. "\0": every key >= key. Otherwise [key, range_end). */
  range_end?: Uint8Array;
  /** 0 (or absent): from the next revision on. */
  start_revision?: number;
  progress_notify?: boolean;
  filters?: FilterType[];
  prev_kv?: boolean;
  /** 0 (or absent): the server picks one. */
  watch_id?: number;
  fragment?: boolean;
}

/**
 * One WatchResponse. `revision` is what the response header carries; `prev_kv` says whether the
 * events' prev_kv fields are sent (the events are shared between watchers, so they may hold a
 * prev_kv this watcher did not ask for).
 */
export interface WatchResponse {
  revision: number;
  watch_id: number;
  created?: boolean;
  canceled?: boolean;
  compact_revision?: number;
  cancel_reason?: string;
  /**
   * The watcher asked for fragments: a transport splits a response larger than --max-request-bytes
   * into parts, each with whole events, all but the last marked `fragment` on the wire.
   */
  may_fragment?: boolean;
  events: Event[];
  prev_kv: boolean;
}

/** Where a stream's responses go: the transport. */
export interface WatchSink {
  /**
   * Sends one response. Returns false once the transport holds more unsent bytes than its bound:
   * the stream then takes no live events until the transport calls WatchStream.drained().
   */
  send(response: WatchResponse): boolean;
}
