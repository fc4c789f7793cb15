/**
 * POST /v3/watch: etcd's JSON gateway watch stream on the member's HTTP routes. Like
 * net/grpc/raw/watch-stream.ts it only adapts: one request is one watch stream of the member's EtcdServer.
 * Reading the body, writing lines and flow control are gateway-stream.ts's.
 *
 * What etcd 3.4's gateway does, and so what this does (observed on etcd 3.4.23):
 * - Each request object goes to the stream at once (a body with two create requests makes two
 *   watchers). The body may end, or a later object fail to decode, while the watch goes on.
 * - The status line and headers go out with the first response, so a body that asks for nothing
 *   answerable (empty, `{}`, a cancel of an unknown id) gets no answer at all until the client goes.
 * - The stream is told it is congested while the response holds more than
 *   GATEWAY_STREAM_SEND_BYTES_MAX unsent, and that it drained below half; its watchers wait in the
 *   hub meanwhile (and catch up from history).
 */
import type { EtcdServer } from '../../engine/server/etcd-server.js';
import type { WatchStream } from '../../engine/watch/watch-stream.js';
import type { WatchResponse } from '../../engine/watch/watch-types.js';
import type { ResponseHeader } from '../../engine/wire/response-header.js';
import type { GoJsonValue } from './gateway/go-json.js';
import { decodeWatchRequest, type WatchRequestUnion } from './gateway/watch-decode.js';
import { encodeWatchResponseLines } from './gateway/watch-encode.js';
import { GatewayStreamCall, type GatewayStreamOptions } from './gateway-stream.js';
import type { StreamExchange } from './stream-exchange.js';

/** A watch stream's server: the member's EtcdServer. */
export interface GatewayWatchOptions extends GatewayStreamOptions {
  server: EtcdServer;
}

/** Serves one POST /v3/watch. Call it from the route's stream handler. */
export function serveWatch(exchange: StreamExchange, options: GatewayWatchOptions): void {
  new GatewayWatchCall(exchange, options);
}

class GatewayWatchCall extends GatewayStreamCall<WatchRequestUnion> {
  private stream: WatchStream | undefined;

  constructor(exchange: StreamExchange, private readonly watch: GatewayWatchOptions) {
    super(exchange, watch);
  }

  protected override decode(value: GoJsonValue): WatchRequestUnion {
    return decodeWatchRequest(value, this.messageBytesMax);
  }

  protected override dispatch(request: WatchRequestUnion): void {
    // etcd's server ignores a request with no member of the oneof set.
    if (request.kind === 'none') return;
    let stream: WatchStream;
    try {
      stream = this.openStream();
    } catch (error) {
      return this.fail(error); // a server without the Watch service
    }
    switch (request.kind) {
      case 'create': return stream.create(request.request);
      case 'cancel': return stream.cancel(request.watchId);
      case 'progress': return stream.requestProgress();
    }
  }

  /** The watch goes on after the body: it ends when the client goes. */
  protected override readingEnded(): void {}

  protected override drained(): void {
    this.stream?.drained();
  }

  protected override closed(): void {
    this.stream?.close();
  }

  private openStream(): WatchStream {
    this.stream ??= this.watch.server.watch({ send: (response, header) => this.send(response, header) });
    return this.stream;
  }

  /** The stream's sink: writes (or queues) the response's lines; false while congested. */
  private send(response: WatchResponse, header: ResponseHeader): boolean {
    if (this.finished) return true;
    const fragmentBytes = response.may_fragment === true ? this.messageBytesMax : undefined;
    return this.writeLines(encodeWatchResponseLines(response, header, fragmentBytes));
  }
}
