/**
 * etcd's Watch service over gRPC: each bidi Watch call is one stream of the member's watch hub.
 * Responses are written as pre-encoded protobuf (watch-encode.ts; the service definition's
 * serializer passes the bytes through). Unsent bytes per call are counted from write to the
 * HTTP/2 stream's acknowledgement; above WATCH_SEND_BYTES_MAX the stream is congested and its
 * watchers catch up from history once it drains (see engine/watch/watch-stream.ts).
 */
import type * as grpc from '@grpc/grpc-js';
import type { KvServer } from '../../engine/node/kv-server.js';
import type { FilterType, WatchCreateRequest } from '../../engine/watch/watch-types.js';
import type { WatchHub } from '../../engine/watch/watch-hub.js';
import { int64 } from './int64.js';
import { grpcStatusOf } from './unary.js';
import { encodeWatchResponse } from './watch-encode.js';

/** Unsent bytes one Watch call may hold before its stream counts as congested. */
export const WATCH_SEND_BYTES_MAX = 4 * 1024 * 1024;

type Int64 = string | number;

interface GrpcWatchRequest {
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

/** The Watch service definition with a pass-through response serializer (the bytes are ready). */
export function watchServiceDefinition(definition: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const watch = definition['Watch']!;
  return { Watch: { ...watch, responseSerialize: (bytes: Buffer) => bytes } };
}

/**
 * `fragmentBytes`: where a watcher that asked for fragments has its responses split; etcd splits
 * at --max-request-bytes plus gRPC's overhead allowance.
 */
export function watchService(hub: WatchHub, kv: KvServer, fragmentBytes: number): grpc.UntypedServiceImplementation {
  return {
    Watch: (call: grpc.ServerDuplexStream<GrpcWatchRequest, Buffer>) => {
      let unsentBytes = 0;
      let ended = false;
      const stream = hub.openStream({
        send: (response) => {
          if (ended) return true;
          const parts = encodeWatchResponse(response, kv.header(response.revision), response.may_fragment === true ? fragmentBytes : undefined);
          for (const bytes of parts) {
            unsentBytes += bytes.length;
            call.write(bytes, () => {
              unsentBytes -= bytes.length;
              if (unsentBytes <= WATCH_SEND_BYTES_MAX / 2) stream.drained();
            });
          }
          return unsentBytes <= WATCH_SEND_BYTES_MAX;
        },
      });
      const finish = (): void => {
        if (ended) return;
        ended = true;
        stream.close();
      };
      call.on('data', (request: GrpcWatchRequest) => {
        try {
          if (request.request_union === 'create_request') stream.create(createRequestFrom(request.create_request!));
          else if (request.request_union === 'cancel_request') stream.cancel(int64(request.cancel_request!.watch_id, 'watch_id'));
          else if (request.request_union === 'progress_request') stream.requestProgress();
          // etcd ignores a request with none of the three set, and so does cairn.
        } catch (error) {
          finish();
          call.destroy(Object.assign(new Error(grpcStatusOf(error).details), grpcStatusOf(error)));
        }
      });
      call.on('end', () => {
        finish();
        call.end();
      });
      call.on('error', finish);
      call.on('close', finish);
      call.on('cancelled', finish);
    },
  };
}
