/**
 * A gRPC WatchRequest (as etcd's protos decode it) applied to a stream of the member's watch hub:
 * create, cancel or progress. The Watch call itself is served on the raw HTTP/2 stream
 * (raw/watch-stream.ts).
 */
import type { FilterType, WatchCreateRequest } from '../../engine/watch/watch-types.js';
import type { WatchStream } from '../../engine/watch/watch-stream.js';
import { int64 } from './int64.js';

type Int64 = string | number;

/** etcdserverpb.WatchRequest as the protobufjs definition decodes it (int64 as strings, a oneof name). */
export interface GrpcWatchRequest {
  request_union?: 'create_request' | 'cancel_request' | 'progress_request';
  create_request?: {
    key: Uint8Array; range_end: Uint8Array; start_revision: Int64; progress_notify: boolean;
    filters: number[]; prev_kv: boolean; watch_id: Int64; fragment: boolean;
  };
  cancel_request?: { watch_id: Int64 };
}

function createRequestFrom(g: NonNullable<GrpcWatchRequest['create_request']>): WatchCreateRequest {
  return {
    key: g.key, range_end: g.range_end, start_revision: int64(g.start_revision, 'start_revision'),
    progress_notify: g.progress_notify, filters: g.filters as FilterType[], prev_kv: g.prev_kv,
    watch_id: int64(g.watch_id, 'watch_id'), fragment: g.fragment,
  };
}

/** Applies one request to `stream`; throws EtcdError for what ends the call (e.g. an int64 out of range). */
export function handleWatchRequest(stream: WatchStream, request: GrpcWatchRequest): void {
  if (request.request_union === 'create_request') stream.create(createRequestFrom(request.create_request!));
  else if (request.request_union === 'cancel_request') stream.cancel(int64(request.cancel_request!.watch_id, 'watch_id'));
  else if (request.request_union === 'progress_request') stream.requestProgress();
  // etcd ignores a request with none of the three set, and so does cairn.
}
