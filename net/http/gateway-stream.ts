/**
 * A streaming call of etcd's JSON gateway on either HTTP transport (stream-exchange.ts): what POST /v3/watch
 * (gateway-watch.ts) and POST /v3/lease/keepalive (gateway-keepalive.ts) share. A call reads its
 * request objects from the body and writes its responses as lines; what a request does is the
 * subclass's.
 *
 * What etcd 3.4's gateway does with a streaming call, and so what this does (observed on 3.4.23):
 * - The request body is a stream of request objects, read as they arrive (grpc-gateway's
 *   json.Decoder); each goes to the gRPC stream at once.
 * - If the first object cannot be decoded, the answer is 500 with {"error","message","code":2}.
 *   A later object that cannot be decoded ends the reading as the end of the body does (the
 *   gateway closes its send side); what the call does then is its own (a watch goes on, a
 *   keep-alive stream ends).
 * - Responses are lines `{"result":...}\n`, status 200, chunked. The status line and headers go
 *   out with the first response, carrying the gRPC call's header metadata
 *   (Grpc-Metadata-Content-Type); a call that ends before any response answers 200 with no body
 *   and no metadata (gRPC's trailers-only end).
 * - A request over the server's receive limit (--max-request-bytes + 512 KiB as protobuf) fails
 *   the stream: grpc-gateway's error chunk `{"error":{"grpc_code":8,...}}` ends the response (status
 *   429 when nothing was sent before it). cairn also refuses, the same way, an unfinished request
 *   whose JSON passes 4 times that limit (its JSON size named as the message's), where etcd would
 *   keep reading.
 *
 * Flow control. The transport takes every write, buffering what the socket refuses; write() returns
 * false when it had to. From then on lines wait in this call's queue, and onWritable (the socket
 * drained) writes them. On uWS (v20.30) a write drains its buffer before adding to it; when
 * onWritable finds the queue empty, an empty cork drains it (with an onWritable handler
 * registered, v20.30 does not drain on its own). The call counts as congested while queued bytes
 * plus what the transport may still hold exceed GATEWAY_STREAM_SEND_BYTES_MAX, and is told once
 * they are back below half.
 *
 * Each line is one chunk, written with its status line and headers when it is the first. On node's
 * transport (the client URL) a chunk's closing CRLF leaves in the same write as its data, as etcd
 * writes it; uWS puts it in front of the next chunk (see uws-transport.ts).
 *
 * A call may hold back its reading (`readPaused`): request objects then stay in the body buffer,
 * unparsed, until it reads again. Since the client may keep sending, a held-back body that grows
 * past 4 times the receive limit fails the stream with "etcdserver: too many requests" (etcd's
 * gateway would stop reading the socket instead; uWS's pause also stops writes, so cairn cannot).
 *
 * Where cairn differs, knowingly:
 * - uWS limits the gateway cannot lift on the HTTP port of its own (--listen-client-http-urls): a
 *   client that reads nothing for 10 s while its response is backed up is disconnected
 *   (HTTP_TIMEOUT_S), as is one that leaves a chunked request body open with nothing sent on it
 *   for 10 s (etcd waits in both cases).
 * - etcd's Go server (net/http, Go 1.19) holds the headers and first line of an answer while the
 *   request body is still coming, until the body ends (or 256 KiB more of it arrive): it reads the
 *   rest of a body before it starts a response. cairn answers each request object as it arrives.
 * - On uWS, an empty answer (a keep-alive body with no object) says Content-Length: 0 where etcd's
 *   is an empty chunked body: uWS starts chunking only with a chunk to send.
 */
import { ErrTooManyRequests, EtcdError, GrpcCode } from '../../engine/errors.js';
import { JSON_CONTENT_TYPE, messageTooLarge, streamErrorChunk, streamRequestErrorReply } from './gateway/gateway-errors.js';
import { GoJsonStream, type GoJsonValue } from './gateway/go-json.js';
import type { StreamExchange } from './stream-exchange.js';

/** Unsent bytes one streaming response may hold before its call counts as congested. */
export const GATEWAY_STREAM_SEND_BYTES_MAX = 4 * 1024 * 1024;
/** What gRPC lets a message exceed --max-request-bytes by (etcd's grpcOverheadBytes). */
const GRPC_OVERHEAD_BYTES = 512 * 1024;
/**
 * A request object's JSON may be this many times the protobuf limit before it is refused unread:
 * base64 is 4/3 of its bytes and a byte array up to 4 characters per byte. Bounds the memory an
 * unfinished object (or a held-back body) holds.
 */
const JSON_BYTES_PER_PROTO_BYTE_MAX = 4;

/** What every streaming call needs from the server. */
export interface GatewayStreamOptions {
  /** --max-request-bytes: with gRPC's allowance, bounds each request message. */
  maxRequestBytes: number;
  /** The CORS headers every gateway answer carries. */
  corsHeaders: Readonly<Record<string, string>>;
}

/**
 * One streaming call: reads request objects from the body and hands each to `dispatch`; writes
 * the lines a subclass gives `writeLines`; ends with `end` or `fail`.
 */
export abstract class GatewayStreamCall<Request> {
  /** The receive limit: --max-request-bytes plus gRPC's allowance, in protobuf bytes. */
  protected readonly messageBytesMax: number;
  private readonly body = new GoJsonStream();
  private bodyEnded = false;
  private requestsRead = 0;
  private reading = true;
  /** The client went (onAborted): nothing may touch the exchange any more. */
  private aborted = false;
  /** This side ended the response. */
  private ended = false;
  private headerWritten = false;
  /** The transport had to buffer a write: new lines wait in `queue`. */
  private blocked = false;
  private readonly queue: string[] = [];
  private queuedBytes = 0;
  /** At most what the transport buffers: the lines written since a write last went through. */
  private backlogBytes = 0;
  /** Unsent bytes went over the bound and have not yet come back below half of it. */
  private congested = false;

  constructor(private readonly exchange: StreamExchange, private readonly options: GatewayStreamOptions) {
    this.messageBytesMax = options.maxRequestBytes + GRPC_OVERHEAD_BYTES;
    exchange.onAborted(() => this.abort());
    exchange.onWritable(() => this.onWritable());
    exchange.onData((chunk, isLast) => this.onBody(chunk, isLast));
  }

  /** Decodes one request object; throws what its decoder throws (an EtcdError fails the stream). */
  protected abstract decode(value: GoJsonValue): Request;
  /** Serves one request, in body order. */
  protected abstract dispatch(request: Request): void;
  /** The reading ended: the body did, or an object after the first could not be decoded. */
  protected abstract readingEnded(): void;
  /** The response is back below half its bound after it was congested. */
  protected abstract drained(): void;
  /** The response is over (the client went, or the stream failed): release what the call holds. */
  protected abstract closed(): void;

  /** While true, request objects wait in the body buffer (see the header). */
  protected get readPaused(): boolean {
    return false;
  }

  /** Nothing more may be written: the client went or the response ended. */
  protected get finished(): boolean {
    return this.aborted || this.ended;
  }

  /** Unsent bytes passed GATEWAY_STREAM_SEND_BYTES_MAX and have not drained below half. */
  protected get isCongested(): boolean {
    return this.congested;
  }

  private get unsentBytes(): number {
    return this.queuedBytes + this.backlogBytes;
  }

  private onBody(chunk: Uint8Array, isLast: boolean): void {
    if (!this.reading || this.finished) return;
    this.body.push(chunk);
    this.bodyEnded = isLast;
    this.readRequests();
    // What is left unread is an unfinished object (bounded in readRequests) or a held-back body.
    if (this.reading && !this.finished && this.body.bufferedBytes > this.messageBytesMax * JSON_BYTES_PER_PROTO_BYTE_MAX) {
      this.fail(ErrTooManyRequests);
    }
  }

  /** Takes the request objects that have arrived, until the call holds its reading back. */
  protected readRequests(): void {
    while (this.reading && !this.finished && !this.readPaused) {
      let request: Request;
      try {
        const value = this.body.next(this.bodyEnded);
        if (value === 'end') {
          this.reading = false;
          this.readingEnded();
          return;
        }
        if (value === 'more') {
          const buffered = this.body.bufferedBytes;
          if (buffered > this.messageBytesMax * JSON_BYTES_PER_PROTO_BYTE_MAX) throw messageTooLarge(buffered, this.messageBytesMax);
          return;
        }
        request = this.decode(value);
      } catch (error) {
        this.refuseRequest(error);
        return;
      }
      this.requestsRead++;
      this.dispatch(request);
    }
  }

  /**
   * A request that cannot go to the server. Too large: the stream fails. Malformed: the first
   * request's decoding error is the answer; after that, the reading ends.
   */
  private refuseRequest(error: unknown): void {
    this.reading = false;
    if (error instanceof EtcdError) {
      this.fail(error);
    } else if (this.requestsRead === 0) {
      this.ended = true;
      this.closed();
      this.exchange.reply({ ...streamRequestErrorReply(error), contentType: JSON_CONTENT_TYPE, headers: this.options.corsHeaders });
    } else {
      this.readingEnded();
    }
  }

  /** Writes (or queues) response lines; returns false while the response is congested. */
  protected writeLines(lines: readonly string[]): boolean {
    if (this.finished) return true;
    this.exchange.cork(() => {
      this.writeHeaderOnce(200, true);
      for (const line of lines) this.writeLine(line);
    });
    if (this.unsentBytes > GATEWAY_STREAM_SEND_BYTES_MAX) this.congested = true;
    return !this.congested;
  }

  /** Call inside cork. */
  private writeLine(line: string): void {
    if (this.blocked) {
      this.queue.push(line);
      this.queuedBytes += line.length;
      return;
    }
    if (this.exchange.write(line)) {
      this.backlogBytes = 0;
    } else {
      this.blocked = true;
      this.backlogBytes += line.length;
    }
  }

  /** The socket drained: the queue goes out until uWS refuses again. */
  private onWritable(): void {
    if (this.finished) return;
    // With an empty queue the cork alone drains uWS's buffer (its uncork writes the buffer off).
    this.exchange.cork(() => {
      this.blocked = false;
      this.backlogBytes = 0;
      while (this.queue.length > 0 && !this.blocked) {
        const line = this.queue.shift()!;
        this.queuedBytes -= line.length;
        this.writeLine(line);
      }
    });
    if (this.congested && this.unsentBytes <= GATEWAY_STREAM_SEND_BYTES_MAX / 2) {
      this.congested = false;
      this.drained();
    }
  }

  /**
   * The call is over: the response ends after what is queued (the transport buffers it). With nothing sent,
   * the answer is 200 with an empty body and no gRPC metadata.
   */
  protected end(): void {
    if (this.finished) return;
    this.ended = true;
    this.reading = false;
    this.exchange.cork(() => {
      this.writeHeaderOnce(200, false);
      for (const line of this.queue.splice(0)) this.exchange.write(line);
      this.exchange.end();
    });
  }

  /**
   * The stream fails as a gRPC stream does at the gateway: what was sent stays sent, the error
   * chunk follows (no delimiter) and the response ends. An error that is not etcd's is UNKNOWN.
   */
  protected fail(failure: unknown): void {
    if (this.finished) return;
    const message = failure instanceof Error ? failure.message : String(failure);
    const error = failure instanceof EtcdError ? failure : new EtcdError(GrpcCode.UNKNOWN, message);
    this.ended = true;
    this.reading = false;
    this.closed();
    this.exchange.cork(() => {
      this.writeHeaderOnce(error.httpStatus, false);
      for (const line of this.queue.splice(0)) this.exchange.write(line);
      this.exchange.write(streamErrorChunk(error));
      this.exchange.end();
    });
  }

  /**
   * The status line and headers, before the first line of the body. A stream that got going
   * carries the gRPC call's header metadata; a failed or empty one has none. Call inside cork.
   */
  private writeHeaderOnce(status: number, withMetadata: boolean): void {
    if (this.headerWritten) return;
    this.headerWritten = true;
    this.exchange.writeHead(status, {
      ...this.options.corsHeaders,
      'Content-Type': JSON_CONTENT_TYPE,
      ...(withMetadata ? { 'Grpc-Metadata-Content-Type': 'application/grpc' } : {}),
    });
  }

  private abort(): void {
    this.aborted = true;
    this.reading = false;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.closed();
  }
}
