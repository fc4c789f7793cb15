/**
 * etcd's unary calls (Range, Put, Txn, LeaseGrant, MemberList ...) served on the raw HTTP/2
 * stream (raw-routes.ts). Through grpc-js each call also paid for metadata objects, an interceptor
 * chain, and several promises and callbacks; the raw route takes 0.47-0.72x of grpc-js's server
 * CPU per call (results/micro-grpc.md, flamegraphs/2026-12-02-grpc-unary.md). Here a call is its
 * request message decoded by the same protobufjs definition, the handler's promise, and its
 * response framed and written with the OK trailers in one end of the stream. Faults end the call
 * with the status grpc-js sends for them.
 */
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type * as grpc from '@grpc/grpc-js';
import { GrpcCode } from '../../../engine/errors.js';
import { MESSAGE_PREFIX_BYTES } from './grpc-wire.js';
import { RawServerCall } from './raw-call.js';
import type { RawGrpcHandler } from './raw-routes.js';
import { GrpcCallMetrics, type GrpcServerMetrics } from '../grpc-metrics.js';

/** A unary method's work: its decoded request in, its response (or a thrown EtcdError) out. */
export type UnaryHandler = (request: never) => unknown;

/**
 * A response a handler has already encoded as protobuf, in parts (a header encoded here, a body
 * encoded elsewhere): it is framed and written as it is, part by part, never copied into one.
 */
export class EncodedMessage {
  constructor(readonly parts: readonly Uint8Array[]) {}

  get length(): number {
    return this.parts.reduce((total, part) => total + part.length, 0);
  }
}

class RawUnaryCall extends RawServerCall {
  private request: unknown;
  private received = false;

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
    if (this.ended) return;
    if (response instanceof EncodedMessage) return this.respondEncoded(response);
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

  private respondEncoded(response: EncodedMessage): void {
    const prefix = Buffer.allocUnsafe(MESSAGE_PREFIX_BYTES);
    prefix[0] = 0;
    prefix.writeUInt32BE(response.length, 1);
    const parts = [prefix, ...response.parts];
    this.sendHeaders();
    this.metrics.sent();
    // HTTP/2 flow control queues what the client has not taken yet; each part is written once.
    for (const part of parts.slice(0, -1)) this.stream.write(part);
    const last = parts[parts.length - 1]!;
    this.end(GrpcCode.OK, 'OK', Buffer.from(last.buffer, last.byteOffset, last.byteLength));
  }

  protected release(): void {
    this.request = undefined;
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
