/**
 * etcd's unary calls (Range, Put, Txn, LeaseGrant, MemberList ...) served on the raw HTTP/2
 * stream (raw-routes.ts). Through grpc-js each call also paid for metadata objects, an interceptor
 * chain, and several promises and callbacks; the raw route takes 0.47-0.72x of grpc-js's server
 * CPU per call (results/micro-grpc.md, flamegraphs/2026-12-02-grpc-unary.md). Here a call is its
 * request message decoded by the same protobufjs definition, the handler's promise, and its
 * response framed and written with the OK trailers in one end of the stream. Faults end the call
 * with the status grpc-js sends for them.
 */
import { constants, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type * as grpc from '@grpc/grpc-js';
import { GrpcCode } from '../../../engine/errors.js';
import { MESSAGE_PREFIX_BYTES } from './grpc-wire.js';
import { RawServerCall } from './raw-call.js';
import type { RawGrpcHandler } from './raw-routes.js';
import { GrpcCallMetrics, type GrpcServerMetrics } from '../grpc-metrics.js';

/** A unary method's work: its decoded request in, its response (or a thrown EtcdError) out. */
export type UnaryHandler = (request: never) => unknown;

/** Pages of a message, read one at a time as the client takes them; closed if the call ends first. */
export interface PageSource {
  next(): Promise<Uint8Array | undefined>;
  close(): void;
}

/**
 * A response a handler has already encoded as protobuf, in parts written as they are (never
 * copied into one): `head`, then the pages of `pages` (which hold `bytes` in all), read only as
 * HTTP/2 flow control lets the last one out, then `tail`.
 */
export class EncodedMessage {
  constructor(readonly head: readonly Uint8Array[], readonly pages?: { source: PageSource; bytes: number },
    readonly tail: Buffer = Buffer.alloc(0)) {}

  get length(): number {
    return this.head.reduce((total, part) => total + part.length, 0) + (this.pages?.bytes ?? 0) + this.tail.length;
  }
}

class RawUnaryCall extends RawServerCall {
  private request: unknown;
  private received = false;
  /** The pages of a response being written, closed if the call ends before they are all out. */
  private pages: PageSource | undefined;

  constructor(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, maxMessageBytes: number,
    private readonly method: grpc.MethodDefinition<unknown, unknown>, private readonly handle: UnaryHandler, metrics: GrpcCallMetrics) {
    super(stream, headers, maxMessageBytes, metrics);
  }

  protected onData(chunk: Buffer): void {
    let messages: Buffer[];
    try {
      messages = this.reader.push(chunk);
    } catch (error) {
      return this.fail(error);
    }
    for (const message of messages) {
      if (this.received) {
        return this.end(GrpcCode.UNIMPLEMENTED, `Received a second request message for server streaming method ${this.method.path}`);
      }
      this.received = true;
      try {
        this.request = this.method.requestDeserialize(message);
        this.metrics.received();
      } catch {
        return this.end(GrpcCode.INTERNAL, 'Error deserializing request');
      }
    }
  }

  protected onHalfClose(): void {
    if (this.ended) return;
    if (!this.received) {
      return this.end(GrpcCode.UNIMPLEMENTED, `Received no request message for server streaming method ${this.method.path}`);
    }
    let pending: Promise<unknown>;
    try {
      pending = Promise.resolve(this.handle(this.request as never));
    } catch (error) {
      return this.fail(error);
    }
    pending.then((response) => this.respond(response), (error: unknown) => this.fail(error));
  }

  private respond(response: unknown): void {
    if (this.ended) {
      // The client went away while the answer was being read: its pages are not needed.
      if (response instanceof EncodedMessage) response.pages?.source.close();
      return;
    }
    if (response instanceof EncodedMessage) {
      this.respondEncoded(response).catch((error: unknown) => this.fail(error));
      return;
    }
    let body: Buffer;
    try {
      body = this.method.responseSerialize(response);
    } catch {
      return this.end(GrpcCode.INTERNAL, 'Error serializing response');
    }
    const framed = Buffer.allocUnsafe(MESSAGE_PREFIX_BYTES + body.length);
    framed[0] = 0;
    framed.writeUInt32BE(body.length, 1);
    body.copy(framed, MESSAGE_PREFIX_BYTES);
    this.sendHeaders();
    this.metrics.sent();
    // grpc-js ends a successful call with the details "OK".
    this.end(GrpcCode.OK, 'OK', framed);
  }

  private async respondEncoded(response: EncodedMessage): Promise<void> {
    this.pages = response.pages?.source;
    const prefix = Buffer.allocUnsafe(MESSAGE_PREFIX_BYTES);
    prefix[0] = 0;
    prefix.writeUInt32BE(response.length, 1);
    this.sendHeaders();
    this.metrics.sent();
    for (const part of [prefix, ...response.head]) this.stream.write(part);
    if (response.pages !== undefined) {
      let written = 0;
      for (;;) {
        const page = await response.pages.source.next();
        if (page === undefined || this.ended) break;
        written += page.length;
        if (!this.stream.write(page)) await this.drained();
      }
      if (this.ended) return;
      if (written !== response.pages.bytes) {
        // The length already sent is wrong: the message cannot be completed, only cut off.
        this.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
        throw new Error(`range pages held ${written} bytes, ${response.pages.bytes} were announced`);
      }
    }
    this.end(GrpcCode.OK, 'OK', response.tail);
  }

  /** Resolves once the stream's buffer has room again, or the stream is gone. */
  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
    });
  }

  protected release(): void {
    this.request = undefined;
    this.pages?.close();
  }
}

/** The raw routes of one service's unary methods, by gRPC path; methods without a handler are left to grpc-js. */
export function unaryRoutes(service: grpc.ServiceDefinition, handlers: Readonly<Record<string, UnaryHandler>>,
  maxMessageBytes: number, metrics: GrpcServerMetrics): Map<string, RawGrpcHandler> {
  const routes = new Map<string, RawGrpcHandler>();
  for (const [name, handle] of Object.entries(handlers)) {
    const method = service[name] as grpc.MethodDefinition<unknown, unknown> | undefined;
    if (method === undefined || method.requestStream || method.responseStream) {
      throw new Error(`cairn: ${name} is not a unary method of this service`);
    }
    const methodMetrics = metrics.method(method.path);
    routes.set(method.path, (stream, headers) => {
      new RawUnaryCall(stream, headers, maxMessageBytes, method, handle, new GrpcCallMetrics(methodMetrics));
    });
  }
  return routes;
}
