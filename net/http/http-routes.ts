/**
 * The member's HTTP routes, apart from any server: what each path and method answers, and what a
 * request no route serves gets. Two transports serve the same table: uWebSockets.js on the HTTP
 * port of its own (uws-transport.ts) and node's http module on the shared client port
 * (node-transport.ts); neither holds routing of its own.
 */
import { EtcdError, GrpcCode } from '../../engine/errors.js';
import type { StreamExchange } from './stream-exchange.js';
import type { HttpReply } from './http-reply.js';

export { isPagedBody, type HttpReply, type PagedBody } from './http-reply.js';

/** What a handler learns about its request: read eagerly, because uWS's HttpRequest dies with the callback. */
export interface RequestInfo {
  method: string;
  /** The path, without the query. */
  url: string;
  query: string;
  /** Lower-cased header name -> value. */
  headers: ReadonlyMap<string, string>;
}

export type GetHandler = (request: RequestInfo) => HttpReply | Promise<HttpReply>;
/** Gets the whole body, at most --max-request-bytes of it (the transports answer 413 beyond). */
export type PostHandler = (body: Uint8Array, request: RequestInfo) => HttpReply | Promise<HttpReply>;
/** Reads the body and writes the answer as they go (the gateway's streaming calls). */
export type StreamHandler = (exchange: StreamExchange, request: RequestInfo) => void;
/** Answers what no route under a prefix serves (the gateway's own 404 and 405 answers). */
export type FallbackHandler = (method: string, url: string) => HttpReply;

/** Where GET routes are registered (HttpApp): what a module that only adds GET routes needs. */
export interface GetRoutes {
  get(path: string, handler: GetHandler): void;
}

export type Method = 'GET' | 'POST';

export type Route =
  | { kind: 'get'; handler: GetHandler }
  | { kind: 'post'; handler: PostHandler }
  | { kind: 'stream'; handler: StreamHandler };

/** The JSON body grpc-gateway v1 (etcd's /v3 gateway) answers errors with. */
export function jsonErrorReply(status: number, code: GrpcCode, message: string): HttpReply {
  return { status, contentType: 'application/json', body: JSON.stringify({ error: message, code, message }) };
}

/** A handler's reply; its failure (thrown or rejected) as the error reply below. */
export async function settledReply(handle: () => HttpReply | Promise<HttpReply>): Promise<HttpReply> {
  try {
    return await handle();
  } catch (error) {
    return errorReply(error);
  }
}

/** The reply for a handler's failure: etcd's code, message and HTTP status, or a 500. */
export function errorReply(error: unknown): HttpReply {
  if (error instanceof EtcdError) return jsonErrorReply(error.httpStatus, error.code, error.message);
  return jsonErrorReply(500, GrpcCode.UNKNOWN, error instanceof Error ? error.message : String(error));
}

export class HttpRoutes {
  private readonly byPath = new Map<string, Map<Method, Route>>();
  /** Longest prefix first. */
  private readonly fallbacks: { prefix: string; handler: FallbackHandler }[] = [];

  add(method: Method, path: string, route: Route): void {
    let methods = this.byPath.get(path);
    if (methods === undefined) this.byPath.set(path, methods = new Map());
    methods.set(method, route);
  }

  /** Answers every request under `prefix` that no route serves. */
  addFallback(prefix: string, handler: FallbackHandler): void {
    this.fallbacks.push({ prefix, handler });
    this.fallbacks.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** The route for a request (paths match exactly; the method as the client sent it). */
  route(method: string, path: string): Route | undefined {
    return this.byPath.get(path)?.get(method as Method);
  }

  /**
   * The answer for a request no route serves: its prefix's fallback; 405 with Allow on a known path
   * asked with another method; else 404. Both in grpc-gateway's JSON error body.
   */
  unrouted(method: string, path: string): HttpReply {
    const fallback = this.fallbacks.find(({ prefix }) => path.startsWith(prefix));
    if (fallback !== undefined) return fallback.handler(method, path);
    const methods = this.byPath.get(path);
    if (methods === undefined) return jsonErrorReply(404, GrpcCode.NOT_FOUND, 'Not Found');
    const reply = jsonErrorReply(405, GrpcCode.UNIMPLEMENTED, 'Method Not Allowed');
    return { ...reply, headers: { Allow: [...methods.keys()].join(', ') } };
  }
}
