/**
 * The member's HTTP port (--listen-client-http-urls) on uWebSockets.js. It hosts the health
 * endpoints (health.ts), the native WebSocket protocol on /ws (ws/), and whatever routes the JSON
 * gateway registers through `get`/`post`. Every other path answers 404, and a known path asked with
 * the wrong method 405, with a grpc-gateway-style JSON error body.
 *
 * uWS rules this file keeps in one place: an HttpResponse that is not answered synchronously needs
 * onAborted; request bodies arrive as onData chunks whose ArrayBuffers are neutered after the
 * callback (so they are copied); writes after an await are corked so headers and body leave in one
 * syscall; HttpRequest is only valid during the handler, so what a handler needs is read up front.
 */
import uWS from '@trufflesuite/uws-js-unofficial';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from '@trufflesuite/uws-js-unofficial';
import { STATUS_CODES } from 'node:http';
import { ErrRequestTooLarge, EtcdError, GrpcCode } from '../../engine/errors.js';
import type { LeaseServer } from '../../engine/lease/lease-server.js';
import type { KvServer } from '../../engine/node/kv-server.js';
import { MAX_REQUEST_BYTES_DEFAULT, type Member } from '../../engine/node/member.js';
import type { WatchHub } from '../../engine/watch/watch-hub.js';
import { registerHealth, HEALTH_TIMEOUT_MS_DEFAULT } from './health.js';
import { WsEndpoint } from './ws/ws-endpoint.js';
import { WS_IN_FLIGHT_MAX_DEFAULT, WS_PATH } from './ws/protocol.js';

/** What a handler learns about its request: read eagerly, because uWS's HttpRequest dies with the callback. */
export interface RequestInfo {
  method: string;
  url: string;
  query: string;
  /** Lower-cased header name -> value. */
  headers: ReadonlyMap<string, string>;
}

/** A complete HTTP answer. */
export interface HttpReply {
  status: number;
  contentType: string;
  body: string | Uint8Array;
  headers?: Readonly<Record<string, string>>;
}

export type GetHandler = (request: RequestInfo) => HttpReply | Promise<HttpReply>;
export type PostHandler = (body: Uint8Array, request: RequestInfo) => HttpReply | Promise<HttpReply>;
type Method = 'GET' | 'POST';

export interface HttpAppOptions {
  host: string;
  /** 0 picks a free port; read it back from `port`. */
  port: number;
  member: Member;
  kv: KvServer;
  /** --max-request-bytes: bounds POST bodies (413 beyond) and WebSocket requests. */
  maxRequestBytes?: number;
  /** How long /health and /readyz wait for a linearizable read. */
  healthTimeoutMs?: number;
  /** Requests one WebSocket connection may have in flight. */
  wsInFlightMax?: number;
  /** The member's watch hub, for the WebSocket protocol's watch ops (UNIMPLEMENTED without it). */
  hub?: WatchHub;
  /** The member's lease server, for the WebSocket protocol's lease ops (UNIMPLEMENTED without it). */
  lease?: LeaseServer;
}

/** The JSON body grpc-gateway v1 (etcd's /v3 gateway) answers errors with. */
export function jsonErrorReply(status: number, code: GrpcCode, message: string): HttpReply {
  return { status, contentType: 'application/json', body: JSON.stringify({ error: message, code, message }) };
}

/** The reply for a handler's failure: etcd's code, message and HTTP status, or a 500. */
export function errorReply(error: unknown): HttpReply {
  if (error instanceof EtcdError) return jsonErrorReply(error.httpStatus, error.code, error.message);
  return jsonErrorReply(500, GrpcCode.UNKNOWN, error instanceof Error ? error.message : String(error));
}

/** Makes a second listen on a taken port fail (uWS otherwise shares it); the typings declare it only as an enum. */
const LIBUS_LISTEN_EXCLUSIVE_PORT = (uWS as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT: number }).LIBUS_LISTEN_EXCLUSIVE_PORT;

/**
 * Fails loudly when uWS fell back to its slow JS implementation (a Node version without a native
 * binary): the fallback lacks SSLApp and the us_* socket functions.
 */
export function requireNativeUws(): void {
  if (typeof uWS.SSLApp !== 'function' || typeof uWS.us_socket_local_port !== 'function' ||
    typeof LIBUS_LISTEN_EXCLUSIVE_PORT !== 'number') {
    throw new Error(`uWebSockets.js native binary not loaded for Node ${process.version} (ABI ${process.versions.modules}); ` +
      'cairn needs Node 20');
  }
}

export class HttpApp {
  /** Registered path -> methods, for telling 405 from 404. */
  private readonly routes = new Map<string, Set<Method>>();
  private listenSocket: us_listen_socket | null = null;
  private closing = false;

  private constructor(
    /** The underlying uWS app, for routes that stream (register them with `raw`). */
    readonly uws: TemplatedApp,
    readonly maxRequestBytes: number,
    private readonly ws: WsEndpoint,
  ) {}

  /** Builds the app (health, /ws, fallback) and listens on host:port; rejects when the port is taken. */
  static async listen(options: HttpAppOptions): Promise<HttpApp> {
    requireNativeUws();
    const maxRequestBytes = options.maxRequestBytes ?? MAX_REQUEST_BYTES_DEFAULT;
    const ws = new WsEndpoint(options.member, options.kv, {
      maxRequestBytes, inFlightMax: options.wsInFlightMax ?? WS_IN_FLIGHT_MAX_DEFAULT,
    }, { hub: options.hub, lease: options.lease });
    const app = new HttpApp(uWS.App(), maxRequestBytes, ws);
    // /ws is not in the 405 table: a GET there without an upgrade is simply not found.
    app.uws.ws(WS_PATH, ws.behavior());
    registerHealth(app, options.member, options.kv, options.healthTimeoutMs ?? HEALTH_TIMEOUT_MS_DEFAULT);
    // Method-specific routes outrank `any` in uWS's router, even when registered later.
    app.uws.any('/*', (res, req) => app.answerUnrouted(res, req));
    app.listenSocket = await new Promise<us_listen_socket>((resolve, reject) => {
      // The 4-argument listen(host, port, options, cb) exists natively; the typings omit it.
      const listen = app.uws.listen as unknown as (host: string, port: number, options: number,
        cb: (socket: us_listen_socket | false) => void) => void;
      listen.call(app.uws, options.host, options.port, LIBUS_LISTEN_EXCLUSIVE_PORT, (socket) => {
        if (socket === false) reject(new Error(`cannot listen on ${options.host}:${options.port} (address in use?)`));
        else resolve(socket);
      });
    });
    return app;
  }

  /** The port the app listens on (the ephemeral one when started on port 0). */
  get port(): number {
    return this.listenSocket === null ? -1 : uWS.us_socket_local_port(this.listenSocket as never);
  }

  /** Adds a GET route. */
  get(path: string, handler: GetHandler): void {
    this.markRoute('GET', path);
    this.uws.get(path, (res, req) => {
      const info = requestInfo(req);
      this.respond(res, () => handler(info));
    });
  }

  /**
   * Adds a POST route whose handler gets the whole body. Bodies longer than max-request-bytes
   * (by Content-Length or as they stream in) are answered 413 and the connection is closed, so
   * no more than the bound is ever buffered.
   */
  post(path: string, handler: PostHandler): void {
    this.markRoute('POST', path);
    this.uws.post(path, (res, req) => {
      const info = requestInfo(req);
      const state = { aborted: false, done: false };
      res.onAborted(() => { state.aborted = true; });
      const tooLarge = (): void => {
        state.done = true;
        writeReply(res, jsonErrorReply(413, ErrRequestTooLarge.code, ErrRequestTooLarge.message), true);
      };
      if (Number(info.headers.get('content-length') ?? 0) > this.maxRequestBytes) return tooLarge();
      const chunks: Uint8Array[] = [];
      let bodyBytes = 0;
      res.onData((chunk, isLast) => {
        if (state.done || state.aborted) return;
        bodyBytes += chunk.byteLength;
        if (bodyBytes > this.maxRequestBytes) return tooLarge();
        chunks.push(new Uint8Array(chunk.slice(0)));
        if (!isLast) return;
        state.done = true;
        const body = Buffer.concat(chunks, bodyBytes);
        this.run(res, state, () => handler(body, info));
      });
    });
  }

  /** Registers a raw uWS handler (streaming routes such as /v3/watch) and its method for the 405 table. */
  raw(method: Method, path: string, handler: (res: HttpResponse, req: HttpRequest) => void): void {
    this.markRoute(method, path);
    if (method === 'GET') this.uws.get(path, handler);
    else this.uws.post(path, handler);
  }

  /** Stops listening and closes every WebSocket (1001). Idle HTTP keep-alive sockets expire on uWS's own timer. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    if (this.listenSocket !== null) uWS.us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
    this.ws.closeAll();
  }

  private markRoute(method: Method, path: string): void {
    let methods = this.routes.get(path);
    if (methods === undefined) this.routes.set(path, methods = new Set());
    methods.add(method);
  }

  private respond(res: HttpResponse, handle: () => HttpReply | Promise<HttpReply>): void {
    const state = { aborted: false };
    res.onAborted(() => { state.aborted = true; });
    this.run(res, state, handle);
  }

  private run(res: HttpResponse, state: { aborted: boolean }, handle: () => HttpReply | Promise<HttpReply>): void {
    let reply: HttpReply | Promise<HttpReply>;
    try {
      reply = handle();
    } catch (error) {
      reply = errorReply(error);
    }
    Promise.resolve(reply).then(
      (answer) => { if (!state.aborted) writeReply(res, answer, this.closing); },
      (error: unknown) => { if (!state.aborted) writeReply(res, errorReply(error), this.closing); },
    );
  }

  private answerUnrouted(res: HttpResponse, req: HttpRequest): void {
    const methods = this.routes.get(req.getUrl());
    if (methods === undefined) {
      writeReply(res, jsonErrorReply(404, GrpcCode.NOT_FOUND, 'Not Found'), this.closing);
      return;
    }
    const reply = jsonErrorReply(405, GrpcCode.UNIMPLEMENTED, 'Method Not Allowed');
    writeReply(res, { ...reply, headers: { Allow: [...methods].join(', ') } }, this.closing);
  }
}

function requestInfo(req: HttpRequest): RequestInfo {
  const headers = new Map<string, string>();
  req.forEach((key, value) => headers.set(key, value));
  return { method: req.getMethod().toUpperCase(), url: req.getUrl(), query: req.getQuery(), headers };
}

/** Writes a whole reply in one corked batch. */
export function writeReply(res: HttpResponse, reply: HttpReply, closeConnection: boolean): void {
  res.cork(() => {
    res.writeStatus(`${reply.status} ${STATUS_CODES[reply.status] ?? ''}`);
    if (reply.contentType !== '') res.writeHeader('Content-Type', reply.contentType);
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.writeHeader(name, value);
    res.end(reply.body, closeConnection);
  });
}
