/**
 * etcd's Watch bidi stream, served on the raw HTTP/2 stream (raw-routes.ts). One stream carries
 * many watchers, and a batch of events reaches each of them: through grpc-js that was one message,
 * with its own promise chain and HTTP/2 write, per watcher per batch (about 45 µs each on this
 * machine, the leader's main thread's largest cost under fan-out). Here every response a stream
 * gets in one event-loop turn is framed and leaves in one write. The responses themselves are
 * encoded as before (watch-encode.ts: each event once, however many watchers get it), and requests
 * are decoded by the same protobufjs definition grpc-js used, so what a client sees is unchanged.
 *
 * Flow control is grpc-js's: bytes count as unsent from the write until HTTP/2 takes them; above
 * WATCH_SEND_BYTES_MAX the stream is congested and its watchers catch up from history once it
 * drains (engine/watch/watch-stream.ts). Faults end the call with the status grpc-js would send.
 */
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { EtcdError, GrpcCode } from '../../../engine/errors.js';
import type { EtcdServer } from '../../../engine/server/etcd-server.js';
import type { ResponseHeader } from '../../../engine/wire/response-header.js';
import type { WatchStream } from '../../../engine/watch/watch-stream.js';
import type { WatchResponse } from '../../../engine/watch/watch-types.js';
import { etcdService } from '../protos.js';
import { encodeWatchResponse } from '../watch-encode.js';
import { handleWatchRequest, type GrpcWatchRequest } from '../watch-request.js';
import { RawServerCall } from './raw-call.js';
import { GrpcCallMetrics, type GrpcMethodMetrics } from '../grpc-metrics.js';

/** The gRPC path of etcd's Watch call. */
export const WATCH_PATH = '/etcdserverpb.Watch/Watch';
/** Unsent bytes one Watch call may hold before its stream counts as congested. */
export const WATCH_SEND_BYTES_MAX = 4 * 1024 * 1024;

const watchMethod = etcdService('Watch')['Watch']!;

function decodeRequest(bytes: Buffer): GrpcWatchRequest {
  try {
    return watchMethod.requestDeserialize(bytes) as GrpcWatchRequest;
  } catch {
    throw new EtcdError(GrpcCode.INTERNAL, 'Error deserializing request');
  }
}

class RawWatchStream extends RawServerCall {
  /** Null when the server offers no Watch service: the call then ended at once, UNIMPLEMENTED. */
  private readonly watch: WatchStream | null = null;
  /** Framed responses of this turn, written together by flushResponses. */
  private queued: Buffer[] = [];
  private flushScheduled = false;
  /** Bytes queued or written but not yet taken by HTTP/2. */
  private unsentBytes = 0;

  constructor(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, server: EtcdServer,
    private readonly fragmentBytes: number, maxMessageBytes: number, metrics: GrpcCallMetrics) {
    super(stream, headers, maxMessageBytes, metrics);
    try {
      this.watch = server.watch({ send: (response, header) => this.send(response, header) });
    } catch (error) {
      this.fail(error);
    }
  }

  protected onData(chunk: Buffer): void {
    try {
      for (const message of this.reader.push(chunk)) {
        const request = decodeRequest(message);
        this.metrics.received();
        handleWatchRequest(this.watch!, request);
      }
    } catch (error) {
      this.fail(error);
    }
  }

  protected onHalfClose(): void {
    this.end(GrpcCode.OK, '');
  }

  /** The stream's sink: queues the response; false while the stream is congested. */
  private send(response: WatchResponse, header: ResponseHeader): boolean {
    if (this.ended) return true;
    const fragmentBytes = response.may_fragment === true ? this.fragmentBytes : undefined;
    for (const bytes of encodeWatchResponse(response, header, fragmentBytes, true)) {
      this.queued.push(bytes);
      this.unsentBytes += bytes.length;
      this.metrics.sent();
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // setImmediate, not a microtask: every response of this turn (one apply batch reaching many watchers) joins the write.
      setImmediate(() => this.flushResponses());
    }
    return this.unsentBytes <= WATCH_SEND_BYTES_MAX;
  }

  private flushResponses(): void {
    this.flushScheduled = false;
    if (this.ended || this.queued.length === 0) return;
    this.sendHeaders();
    const bytes = this.queued.length === 1 ? this.queued[0]! : Buffer.concat(this.queued);
    this.queued = [];
    this.stream.write(bytes, () => {
      this.unsentBytes -= bytes.length;
      if (!this.ended && this.unsentBytes <= WATCH_SEND_BYTES_MAX / 2) this.watch!.drained();
    });
  }

  /** What is queued goes out before the status. */
  protected override end(code: number, message: string): void {
    this.flushResponses();
    super.end(code, message);
  }

  protected release(): void {
    this.queued = [];
    this.watch?.close();
  }
}

/** Serves one Watch call on its HTTP/2 stream. */
export function serveWatch(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, server: EtcdServer,
  fragmentBytes: number, maxMessageBytes: number, metrics: GrpcMethodMetrics): void {
  new RawWatchStream(stream, headers, server, fragmentBytes, maxMessageBytes, new GrpcCallMetrics(metrics));
}
