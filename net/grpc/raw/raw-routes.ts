/**
 * Lets cairn serve chosen gRPC methods on the raw HTTP/2 stream while @grpc/grpc-js serves the
 * rest on the same port. grpc-js has no public hook for this, so the server's stream handler
 * (`_streamHandler`, which every incoming HTTP/2 stream reaches once channelz is off) is wrapped
 * on the instance before it binds; if a grpc-js upgrade renames it, startup fails here, loudly,
 * rather than the methods silently falling back to grpc-js's handlers.
 */
import type * as grpc from '@grpc/grpc-js';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';

export type RawGrpcHandler = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void;

type StreamHandler = (this: grpc.Server, extraInterceptors: unknown, stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void;

/** The server options raw routes need: channelz off, so grpc-js routes every stream through _streamHandler. */
export const RAW_ROUTE_SERVER_OPTIONS = { 'grpc.enable_channelz': 0 } as const;

/** Routes calls to `routes` (by path, e.g. /etcdserverpb.Lease/LeaseKeepAlive); call before bindAsync. */
export function addRawRoutes(server: grpc.Server, routes: ReadonlyMap<string, RawGrpcHandler>): void {
  const internals = server as unknown as { _streamHandler?: StreamHandler; channelzEnabled?: boolean };
  const original = internals._streamHandler;
  if (typeof original !== 'function' || internals.channelzEnabled !== false) {
    throw new Error('cairn: this @grpc/grpc-js has no _streamHandler to route LeaseKeepAlive through (or channelz is on); see net/grpc/raw/raw-routes.ts');
  }
  internals._streamHandler = function (this: grpc.Server, extraInterceptors, stream, headers) {
    const path = headers[':path'];
    const handler = typeof path === 'string' ? routes.get(path) : undefined;
    const contentType = headers['content-type'];
    // Anything that is not gRPC goes to grpc-js, which answers it as grpc-js always has.
    if (handler === undefined || typeof contentType !== 'string' || !contentType.startsWith('application/grpc')) {
      original.call(this, extraInterceptors, stream, headers);
      return;
    }
    handler(stream, headers);
  };
}
