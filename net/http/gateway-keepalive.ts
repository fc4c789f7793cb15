/**
 * POST /v3/lease/keepalive: etcd's JSON gateway keep-alive stream on the member's HTTP routes. Like
 * the gRPC stream it only adapts: the request objects read are renewed with EtcdServer.leaseKeepAliveMany.
 * Reading the body, writing lines and flow control are gateway-stream.ts's.
 *
 * What etcd 3.4's gateway does, and so what this does (observed on etcd 3.4.23):
 * - Each object `{"ID":"500"}` is one keep-alive, answered with one line, in body order:
 *   {"result":{"header":{...},"ID":"500","TTL":"60"}}. An unknown lease is answered TTL 0, which
 *   jsonpb leaves out ({"result":{"header":{...},"ID":"501"}}); `{}` is lease 0, unknown.
 * - etcd's server takes one keep-alive at a time (receive, renew, send), so the answers keep the
 *   order of the requests; here the ones read so far are renewed together and answered in order.
 * - When the body ends, or an object after the first cannot be decoded, the keep-alives already
 *   read are answered and the response ends (the server's stream sees EOF and returns). An empty
 *   body is answered at once: 200, no body, no gRPC metadata.
 * - A keep-alive the server fails (e.g. no leader) fails the stream with grpc-gateway's error chunk.
 *
 * A client that sends keep-alives faster than they are answered, or than it reads the answers,
 * is held back: while KEEPALIVES_READ_AHEAD_MAX wait for an answer, or the response is congested,
 * further objects stay unread in the body (gateway-stream.ts bounds that buffer).
 */
import type { EtcdServer } from '../../engine/server/etcd-server.js';
import type { GoJsonValue } from './gateway/go-json.js';
import { decodeLeaseKeepAliveRequest } from './gateway/lease-decode.js';
import { encodeLeaseKeepAliveLine } from './gateway/lease-encode.js';
import { GatewayStreamCall, type GatewayStreamOptions } from './gateway-stream.js';
import type { StreamExchange } from './stream-exchange.js';

/**
 * Keep-alives read from one body and not yet answered. More read ahead would only hold memory; a
 * body of many objects is simply read as answers go out.
 */
export const KEEPALIVES_READ_AHEAD_MAX = 1024;
/** A keep-alive stream's server: the member's EtcdServer. */
export interface GatewayKeepAliveOptions extends GatewayStreamOptions {
  server: EtcdServer;
}

/** Serves one POST /v3/lease/keepalive. Call it from the route's stream handler. */
export function serveKeepAlive(exchange: StreamExchange, options: GatewayKeepAliveOptions): void {
  new GatewayKeepAliveCall(exchange, options);
}

class GatewayKeepAliveCall extends GatewayStreamCall<number> {
  /** Lease ids read and not yet answered, in body order. */
  private readonly waiting: number[] = [];
  private answering = false;
  private readingDone = false;

  constructor(exchange: StreamExchange, private readonly keepAlive: GatewayKeepAliveOptions) {
    super(exchange, keepAlive);
  }

  protected override get readPaused(): boolean {
    return this.waiting.length >= KEEPALIVES_READ_AHEAD_MAX || this.isCongested;
  }

  protected override decode(value: GoJsonValue): number {
    return decodeLeaseKeepAliveRequest(value);
  }

  protected override dispatch(id: number): void {
    this.waiting.push(id);
    if (!this.answering) void this.answer();
  }

  /** The keep-alives read so far are answered, then the response ends. */
  protected override readingEnded(): void {
    this.readingDone = true;
    if (!this.answering) this.end();
  }

  protected override drained(): void {
    this.readRequests();
  }

  /** Nothing to release: the answering loop sees `finished` and stops. */
  protected override closed(): void {}

  /**
   * Answers the waiting keep-alives in order: all those read so far as one EtcdServer.leaseKeepAliveMany
   * (they share its batch, as a gRPC stream's do), until none wait. The renewal always waits for
   * its batch window, so a long body never holds the event loop.
   */
  private async answer(): Promise<void> {
    this.answering = true;
    try {
      while (this.waiting.length > 0 && !this.finished) {
        const ids = this.waiting.splice(0);
        const { ttls, header } = await this.keepAlive.server.leaseKeepAliveMany(ids);
        if (this.finished) break;
        this.writeLines(ids.map((ID, i) => encodeLeaseKeepAliveLine({ ID, TTL: ttls[i]!, header })));
        await new Promise((resolve) => setImmediate(resolve));
        this.readRequests();
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.answering = false;
    }
    if (this.readingDone) this.end();
  }
}
