/**
 * POST /v3/watch: etcd's JSON gateway watch stream on the member's uWS app. Like
 * net/grpc/watch-service.ts it only adapts: one request is one stream of the member's watch hub.
 *
 * What etcd 3.4's gateway does, and so what this does (observed on etcd 3.4.23):
 * - The request body is a stream of WatchRequest objects, read as they arrive; each goes to the
 *   stream at once (a body with two create requests makes two watchers). The body may end while
 *   the watch goes on.
 * - If the first object cannot be decoded, the answer is 500 with {"error","message","code":2}.
 *   A later object that cannot be decoded only ends the reading; the watch goes on.
 * - Responses are lines `{"result":...}\n`, status 200, chunked. The status line and headers go
 *   out with the first response, so a body that asks for nothing answerable (empty, `{}`, a cancel
 *   of an unknown id) gets no answer at all until the client goes.
 * - A request over the server's receive limit (--max-request-bytes + 512 KiB as protobuf) fails
 *   the stream: grpc-gateway's error chunk `{"error":{"grpc_code":8,...}}` ends the response (status
 *   429 when nothing was sent before it). cairn also refuses, the same way, an unfinished request
 *   whose JSON passes 4 times that limit (its JSON size named as the message's), where etcd would
 *   keep reading.
 *
 * Flow control. uWS (v20.30) takes every write, buffering what the socket refuses; write() returns
 * false when it had to. From then on lines wait in this call's queue, and onWritable (the socket
 * drained) writes them. A write drains uWS's buffer before adding to it; when onWritable finds the
 * queue empty, an empty cork drains it (with an onWritable handler registered, v20.30 does not
 * drain on its own). The sink reports the stream congested while queued bytes plus what uWS may
 * still hold exceed GATEWAY_WATCH_SEND_BYTES_MAX, and the stream is told it drained below half.
 *
 * uWS limits the gateway cannot lift: a client that reads nothing for 10 s while its response is
 * backed up is disconnected (HTTP_TIMEOUT_S), as is one that leaves a chunked request body open
 * with nothing sent on it for 10 s (etcd waits in both cases).
 */
import type { HttpResponse } from '@trufflesuite/uws-js-unofficial';
import { STATUS_CODES } from 'node:http';
import { EtcdError } from '../../engine/errors.js';
import type { KvServer } from '../../engine/node/kv-server.js';
import type { WatchHub } from '../../engine/watch/watch-hub.js';
import type { WatchStream } from '../../engine/watch/watch-stream.js';
import type { WatchResponse } from '../../engine/watch/watch-types.js';
import { JSON_CONTENT_TYPE, streamErrorChunk, streamRequestErrorReply } from './gateway/gateway-errors.js';
import { GoJsonStream } from './gateway/go-json.js';
import { decodeWatchRequest, messageTooLarge, type WatchRequestUnion } from './gateway/watch-decode.js';
import { encodeWatchResponseLines } from './gateway/watch-encode.js';
import { writeReply } from './http-app.js';

/** Unsent bytes one watch response may hold before its stream counts as congested. */
export const GATEWAY_WATCH_SEND_BYTES_MAX = 4 * 1024 * 1024;
/** What gRPC lets a message exceed --max-request-bytes by (etcd's grpcOverheadBytes). */
const GRPC_OVERHEAD_BYTES = 512 * 1024;
/**
 * A request object's JSON may be this many times the protobuf limit before it is refused unread:
 * base64 is 4/3 of its bytes and a byte array up to 4 characters per byte. Bounds the memory an
 * unfinished object holds.
 */
const JSON_BYTES_PER_PROTO_BYTE_MAX = 4;

export interface GatewayWatchOptions {
  hub: WatchHub;
  kv: KvServer;
  /** --max-request-bytes: with gRPC's allowance, bounds each request and splits fragmenting responses. */
  maxRequestBytes: number;
  /** The CORS headers every gateway answer carries. */
  corsHeaders: Readonly<Record<string, string>>;
}

/** Serves one POST /v3/watch. Call it from the uWS route handler. */
export function serveWatch(res: HttpResponse, options: GatewayWatchOptions): void {
  new GatewayWatchCall(res, options);
}

class GatewayWatchCall {
  private readonly body = new GoJsonStream();
  private readonly messageBytesMax: number;
  private stream: WatchStream | undefined;
  private requestsRead = 0;
  private reading = true;
  /** The client went (uWS's onAborted): nothing may touch `res` any more. */
  private aborted = false;
  /** This side ended the response. */
  private ended = false;
  private headerWritten = false;
  /** uWS refused part of a write and buffers it: new lines wait in `queue`. */
  private blocked = false;
  private readonly queue: string[] = [];
  private queuedBytes = 0;
  /** At most what uWS buffers: the lines written since a write last went through. */
  private backlogBytes = 0;
  /** The sink reported the stream congested and has not told it it drained. */
  private congested = false;

  constructor(private readonly res: HttpResponse, private readonly options: GatewayWatchOptions) {
    this.messageBytesMax = options.maxRequestBytes + GRPC_OVERHEAD_BYTES;
    res.onAborted(() => this.abort());
    res.onWritable(() => this.onWritable());
    res.onData((chunk, isLast) => this.onBody(new Uint8Array(chunk), isLast));
  }

  private get unsentBytes(): number {
    return this.queuedBytes + this.backlogBytes;
  }

  private onBody(chunk: Uint8Array, isLast: boolean): void {
    if (!this.reading || this.aborted || this.ended) return;
    this.body.push(chunk);
    for (;;) {
      let request: WatchRequestUnion;
      try {
        const value = this.body.next(isLast);
        if (value === 'end') {
          this.reading = false;
          return;
        }
        if (value === 'more') {
          const buffered = this.body.bufferedBytes;
          if (buffered > this.messageBytesMax * JSON_BYTES_PER_PROTO_BYTE_MAX) throw messageTooLarge(buffered, this.messageBytesMax);
          return;
        }
        request = decodeWatchRequest(value, this.messageBytesMax);
      } catch (error) {
        this.refuseRequest(error);
        return;
      }
      this.requestsRead++;
      this.dispatch(request);
      if (this.aborted || this.ended) return;
    }
  }

  /**
   * A request that cannot go to the server. Too large: the stream fails. Malformed: the first
   * request's decoding error is the answer; after that, reading simply stops.
   */
  private refuseRequest(error: unknown): void {
    this.reading = false;
    if (error instanceof EtcdError) {
      this.fail(error);
    } else if (this.requestsRead === 0) {
      this.ended = true;
      writeReply(this.res, { ...streamRequestErrorReply(error), contentType: JSON_CONTENT_TYPE, headers: this.options.corsHeaders }, false);
    }
  }

  private dispatch(request: WatchRequestUnion): void {
    switch (request.kind) {
      // etcd's server ignores a request with no member of the oneof set.
      case 'none': return;
      case 'create': return this.openStream().create(request.request);
      case 'cancel': return this.openStream().cancel(request.watchId);
      case 'progress': return this.openStream().requestProgress();
    }
  }

  private openStream(): WatchStream {
    this.stream ??= this.options.hub.openStream({ send: (response) => this.send(response) });
    return this.stream;
  }

  /** The sink: writes (or queues) the response's lines; false while over the bound. */
  private send(response: WatchResponse): boolean {
    if (this.aborted || this.ended) return true;
    const fragmentBytes = response.may_fragment === true ? this.messageBytesMax : undefined;
    const lines = encodeWatchResponseLines(response, this.options.kv.header(response.revision), fragmentBytes);
    this.res.cork(() => {
      this.writeHeaderOnce(200);
      for (const line of lines) this.writeLine(line);
    });
    if (this.unsentBytes > GATEWAY_WATCH_SEND_BYTES_MAX) this.congested = true;
    return !this.congested;
  }

  /** Call inside cork. */
  private writeLine(line: string): void {
    if (this.blocked) {
      this.queue.push(line);
      this.queuedBytes += line.length;
      return;
    }
    if (this.res.write(line)) {
      this.backlogBytes = 0;
    } else {
      this.blocked = true;
      this.backlogBytes += line.length;
    }
  }

  /** The socket drained: the queue goes out until uWS refuses again. */
  private onWritable(): boolean {
    if (this.aborted || this.ended) return true;
    // With an empty queue the cork alone drains uWS's buffer (its uncork writes the buffer off).
    this.res.cork(() => {
      this.blocked = false;
      this.backlogBytes = 0;
      while (this.queue.length > 0 && !this.blocked) {
        const line = this.queue.shift()!;
        this.queuedBytes -= line.length;
        this.writeLine(line);
      }
    });
    if (this.congested && this.unsentBytes <= GATEWAY_WATCH_SEND_BYTES_MAX / 2) {
      this.congested = false;
      this.stream?.drained();
    }
    return true;
  }

  /**
   * The stream fails as a gRPC stream does at the gateway: what was sent stays sent, the error
   * chunk follows (no delimiter) and the response ends.
   */
  private fail(error: EtcdError): void {
    this.closeStream();
    this.ended = true;
    this.res.cork(() => {
      this.writeHeaderOnce(error.httpStatus);
      for (const line of this.queue.splice(0)) this.res.write(line);
      this.res.write(streamErrorChunk(error));
      this.res.end();
    });
  }

  /** The status line and headers, before the first line of the body. Call inside cork. */
  private writeHeaderOnce(status: number): void {
    if (this.headerWritten) return;
    this.headerWritten = true;
    this.res.writeStatus(status === 200 ? '200 OK' : `${status} ${STATUS_CODES[status] ?? ''}`);
    for (const [name, value] of Object.entries(this.options.corsHeaders)) this.res.writeHeader(name, value);
    this.res.writeHeader('Content-Type', JSON_CONTENT_TYPE);
    // A stream that got going carries the gRPC call's header metadata; a failed one has none.
    if (status === 200) this.res.writeHeader('Grpc-Metadata-Content-Type', 'application/grpc');
  }

  private abort(): void {
    this.aborted = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.closeStream();
  }

  private closeStream(): void {
    this.stream?.close();
    this.reading = false;
  }
}
