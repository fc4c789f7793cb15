/**
 * What a gRPC call served on the raw HTTP/2 stream (raw-routes.ts) needs whatever the method: the
 * request messages split out of DATA (size-limited, inflated when compressed), the deadline from
 * grpc-timeout, response headers sent once with the first message, and the end of the call with
 * a status the way grpc-js ends it: in trailers after messages, or as a trailers-only response.
 * keepalive-stream.ts and watch-stream.ts add what their method does.
 */
import { constants, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { EtcdError, GrpcCode } from '../../../engine/errors.js';
import { GrpcMessageReader, grpcTimeoutMs, statusHeaders } from './grpc-wire.js';
import type { GrpcCallMetrics } from '../grpc-metrics.js';

const TRAILERS_ONLY_HEADERS = {
  [constants.HTTP2_HEADER_STATUS]: constants.HTTP_STATUS_OK,
  [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc+proto',
};
/** What grpc-js sends ahead of a call's first message; a trailers-only response carries only the above. */
const RESPONSE_HEADERS = {
  ...TRAILERS_ONLY_HEADERS,
  'grpc-accept-encoding': 'identity,deflate,gzip',
  'grpc-encoding': 'identity',
};

export abstract class RawServerCall {
  protected readonly reader: GrpcMessageReader;
  /** Set once the call has ended (with a status, or by the client going away). */
  protected ended = false;
  private headersSent = false;
  private deadline: NodeJS.Timeout | undefined;

  /** `metrics` counts the call (grpc-metrics.ts): started now, handled once it ends, messages as subclasses see them. */
  constructor(protected readonly stream: ServerHttp2Stream, headers: IncomingHttpHeaders, maxMessageBytes: number,
    protected readonly metrics: GrpcCallMetrics) {
    const encoding = headers['grpc-encoding'];
    this.reader = new GrpcMessageReader(maxMessageBytes, typeof encoding === 'string' ? encoding : 'identity');
    stream.on('error', () => {});
    stream.on('close', () => {
      // Closed before the call ended: the client went away, which Go's handlers see as Canceled.
      this.metrics.handled(GrpcCode.CANCELLED);
      this.finish();
    });
    stream.on('data', (chunk: Buffer) => { if (!this.ended) this.onData(chunk); });
    stream.on('end', () => this.onHalfClose());
    const timeout = headers['grpc-timeout'];
    if (typeof timeout === 'string') {
      try {
        this.deadline = setTimeout(() => this.fail(new EtcdError(GrpcCode.DEADLINE_EXCEEDED, 'Deadline exceeded')), grpcTimeoutMs(timeout));
      } catch (error) {
        process.nextTick(() => this.fail(error));
      }
    }
  }

  /** DATA from the client, while the call is on. */
  protected abstract onData(chunk: Buffer): void;

  /** The client has sent its last request. */
  protected abstract onHalfClose(): void;

  /** Drops what the call still holds; runs once, when it ends. */
  protected abstract release(): void;

  /**
   * Ends the call with `error`'s status: an EtcdError's code and message (clientv3 recognises
   * etcd's errors by that message), anything else UNKNOWN with its message.
   */
  protected fail(error: unknown): void {
    if (error instanceof EtcdError) return this.end(error.code, error.message);
    this.end(GrpcCode.UNKNOWN, error instanceof Error ? error.message : String(error));
  }

  protected sendHeaders(): void {
    if (this.headersSent) return;
    this.headersSent = true;
    this.stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
  }

  /**
   * Ends the call with a status: in trailers after messages (`last`, if given, written with the
   * end of the stream), or as a trailers-only response.
   */
  protected end(code: number, message: string, last?: Buffer): void {
    if (this.ended) return;
    this.metrics.handled(code);
    this.finish();
    if (this.stream.destroyed || this.stream.closed) return;
    if (this.headersSent) {
      this.stream.once('wantTrailers', () => this.stream.sendTrailers(statusHeaders(code, message)));
      if (last === undefined) this.stream.end();
      else this.stream.end(last);
    } else {
      this.headersSent = true;
      this.stream.respond({ ...TRAILERS_ONLY_HEADERS, ...statusHeaders(code, message) }, { endStream: true });
    }
    // Requests still arriving are read and dropped; the client sees the status.
    this.stream.resume();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.deadline);
    this.release();
  }
}
