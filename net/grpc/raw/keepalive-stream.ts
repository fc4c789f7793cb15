/**
 * etcd's LeaseKeepAlive bidi stream, served on the raw HTTP/2 stream (raw-routes.ts) because it
 * is the one call clients make thousands of times a second: through grpc-js each keep-alive cost
 * the member a protobufjs decode and encode, several promises and one HTTP/2 write. Here the
 * keep-alives that arrive in one event-loop turn go to EtcdServer.leaseKeepAliveMany together (which
 * renews every stream's in one batch per few milliseconds), and their answers leave with one
 * encoded header in one write, in request order, as etcd sends them.
 *
 * Bounds: at most KEEPALIVES_PENDING_MAX keep-alives unanswered per stream ("too many requests"
 * beyond); while the client does not read its answers, the stream stops reading requests.
 */
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { ErrTooManyRequests, GrpcCode } from '../../../engine/errors.js';
import type { KeepAliveAnswers } from '../../../engine/lease/lease-server.js';
import { encodeResponseHeader } from '../../../engine/wire/response-header.js';
import { decodeKeepAliveRequest, encodeKeepAliveAnswers } from './keepalive-codec.js';
import { RawServerCall } from './raw-call.js';
import { GrpcCallMetrics, type GrpcMethodMetrics } from '../grpc-metrics.js';

/** Keep-alives one stream may have waiting for an answer. */
export const KEEPALIVES_PENDING_MAX = 1024;

/** What the stream needs of the member's server (EtcdServer). */
export interface KeepAliveRenewer {
  leaseKeepAliveMany(ids: readonly number[]): Promise<KeepAliveAnswers>;
}

class KeepAliveStream extends RawServerCall {
  private batch: number[] = [];
  /** Answers are written in batch order: each batch's write waits for the one before. */
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, private readonly server: KeepAliveRenewer, maxMessageBytes: number,
    metrics: GrpcCallMetrics) {
    super(stream, headers, maxMessageBytes, metrics);
    stream.on('drain', () => { if (!this.ended) stream.resume(); });
  }

  protected onData(chunk: Buffer): void {
    let ids: number[];
    try {
      ids = this.reader.push(chunk).map(decodeKeepAliveRequest);
    } catch (error) {
      return this.fail(error);
    }
    if (ids.length === 0) return;
    this.metrics.received(ids.length);
    this.pending += ids.length;
    if (this.pending > KEEPALIVES_PENDING_MAX) return this.fail(ErrTooManyRequests);
    // setImmediate, not a microtask: every DATA frame read in this turn joins the batch first.
    if (this.batch.length === 0) setImmediate(() => this.flush());
    for (const id of ids) this.batch.push(id);
  }

  /** Starts renewing the batch at once, and queues its answers behind the earlier batches'. */
  private flush(): void {
    const ids = this.batch;
    this.batch = [];
    if (this.ended || ids.length === 0) return;
    const answers = this.server.leaseKeepAliveMany(ids);
    answers.catch(() => {});
    this.chain = this.chain.then(() => answers.then((a) => this.write(ids, a), (error: unknown) => this.fail(error)));
  }

  private write(ids: number[], answers: KeepAliveAnswers): void {
    this.pending -= ids.length;
    if (this.ended) return;
    this.sendHeaders();
    const bytes = encodeKeepAliveAnswers(encodeResponseHeader(answers.header), ids, answers.ttls);
    this.metrics.sent(ids.length);
    // A client that does not read its answers is not read from either (HTTP/2 flow control then
    // stops it sending), so neither side buffers without bound.
    if (!this.stream.write(bytes)) this.stream.pause();
  }

  /** The client finished sending: end with OK once everything it sent is answered. */
  protected onHalfClose(): void {
    this.flush();
    void this.chain.then(() => this.end(GrpcCode.OK, ''));
  }

  protected release(): void {
    this.batch = [];
  }
}

/** Serves one LeaseKeepAlive call on its HTTP/2 stream. */
export function serveKeepAlive(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, server: KeepAliveRenewer, maxMessageBytes: number,
  metrics: GrpcMethodMetrics): void {
  new KeepAliveStream(stream, headers, server, maxMessageBytes, new GrpcCallMetrics(metrics));
}
