/**
 * The HTTP routes (http-routes.ts) served by a uWebSockets.js app: the HTTP port of its own
 * (--listen-client-http-urls), where the native WebSocket protocol runs at uWS's speed.
 *
 * uWS rules this file keeps in one place: an HttpResponse that is not answered synchronously needs
 * onAborted; request bodies arrive as onData chunks whose ArrayBuffers are neutered after the
 * callback (so they are copied); writes after an await are corked so headers and body leave in one
 * syscall; HttpRequest is only valid during the handler, so what a handler needs is read up front.
 *
 * One thing uWS v20.30 cannot do: end a chunk in the write that carries it. Its write() puts the
 * CRLF that closes a chunk in front of the next chunk's size line (`\r\n85\r\n{...}`), so a client
 * that hands a chunk over only once its CRLF arrived sees each streamed message one message late.
 * The gateway's streams on the client URL (node-transport.ts) end every chunk in its write, as etcd.
 */
import type { HttpRequest, HttpResponse, TemplatedApp } from '@trufflesuite/uws-js-unofficial';
import { STATUS_CODES } from 'node:http';
import { ErrRequestTooLarge } from '../../engine/errors.js';
import { isPagedBody, jsonErrorReply, settledReply, type HttpReply, type HttpRoutes, type PagedBody, type RequestInfo } from './http-routes.js';
import type { StreamExchange } from './stream-exchange.js';

/** What the uWS app needs besides the routes. */
export interface UwsServeOptions {
  /** --max-request-bytes: POST bodies beyond it are answered 413. */
  maxRequestBytes: number;
  /** True once the server is closing: answers then close their connections. */
  closing: () => boolean;
}

/** Serves every HTTP request of `app` (WebSocket routes registered on it outrank this) from `routes`. */
export function serveRoutesOnUws(app: TemplatedApp, routes: HttpRoutes, options: UwsServeOptions): void {
  app.any('/*', (res, req) => {
    const info = requestInfo(req);
    const route = routes.route(info.method, info.url);
    if (route === undefined) return writeReply(res, routes.unrouted(info.method, info.url), options.closing());
    switch (route.kind) {
      case 'get': return respond(res, options, () => route.handler(info));
      case 'post': return readBody(res, info, options, (body) => route.handler(body, info));
      case 'stream': return route.handler(new UwsExchange(res), info);
    }
  });
}

function requestInfo(req: HttpRequest): RequestInfo {
  const headers = new Map<string, string>();
  req.forEach((key, value) => headers.set(key, value));
  return { method: req.getMethod().toUpperCase(), url: req.getUrl(), query: req.getQuery(), headers };
}

function respond(res: HttpResponse, options: UwsServeOptions, handle: () => HttpReply | Promise<HttpReply>): void {
  const state = { aborted: false };
  res.onAborted(() => { state.aborted = true; });
  run(res, state, options, handle);
}

/**
 * Collects a POST body for `handle`. Bodies longer than max-request-bytes (by Content-Length or as
 * they stream in) are answered 413 and the connection is closed, so no more than the bound is ever
 * buffered.
 */
function readBody(res: HttpResponse, info: RequestInfo, options: UwsServeOptions, handle: (body: Uint8Array) => HttpReply | Promise<HttpReply>): void {
  const state = { aborted: false, done: false };
  res.onAborted(() => { state.aborted = true; });
  const tooLarge = (): void => {
    state.done = true;
    writeReply(res, jsonErrorReply(413, ErrRequestTooLarge.code, ErrRequestTooLarge.message), true);
  };
  if (Number(info.headers.get('content-length') ?? 0) > options.maxRequestBytes) return tooLarge();
  const chunks: Uint8Array[] = [];
  let bodyBytes = 0;
  res.onData((chunk, isLast) => {
    if (state.done || state.aborted) return;
    bodyBytes += chunk.byteLength;
    if (bodyBytes > options.maxRequestBytes) return tooLarge();
    chunks.push(new Uint8Array(chunk.slice(0)));
    if (!isLast) return;
    state.done = true;
    const body = Buffer.concat(chunks, bodyBytes);
    run(res, state, options, () => handle(body));
  });
}

function run(res: HttpResponse, state: { aborted: boolean }, options: UwsServeOptions, handle: () => HttpReply | Promise<HttpReply>): void {
  void settledReply(handle).then((answer) => {
    if (!isPagedBody(answer.body)) {
      if (!state.aborted) writeReply(res, answer, options.closing());
    } else if (state.aborted) {
      answer.body.pages.close();
    } else {
      writePaged(res, state, answer, answer.body, options.closing()).catch(() => { if (!state.aborted) res.close(); });
    }
  });
}

/**
 * Writes a paged body chunked, each page once uWS has sent what it buffered of the one before. A
 * page that fails half way (the read was dropped) can only cut the answer off: the caller closes.
 */
async function writePaged(res: HttpResponse, state: { aborted: boolean }, reply: HttpReply, body: PagedBody,
  closeConnection: boolean): Promise<void> {
  res.onAborted(() => {
    state.aborted = true;
    body.pages.close();
  });
  res.cork(() => {
    writeHead(res, reply);
    res.write(body.head);
  });
  for (let page = await body.pages.next(); page !== undefined; page = await body.pages.next()) {
    if (state.aborted) return;
    let sent = true;
    res.cork(() => { sent = res.write(page); });
    if (!sent) await new Promise<void>((resolve) => res.onWritable(() => { resolve(); return true; }));
    if (state.aborted) return;
  }
  res.cork(() => res.end(body.tail, closeConnection));
}

function writeHead(res: HttpResponse, reply: HttpReply): void {
  res.writeStatus(statusLine(reply.status));
  if (reply.contentType !== '') res.writeHeader('Content-Type', reply.contentType);
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.writeHeader(name, value);
}

/** Writes a whole reply in one corked batch. */
function writeReply(res: HttpResponse, reply: HttpReply, closeConnection: boolean): void {
  if (isPagedBody(reply.body)) throw new Error('writeReply: a paged body is written by writePaged');
  const body = reply.body;
  res.cork(() => {
    writeHead(res, reply);
    res.end(body, closeConnection);
  });
}

function statusLine(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? ''}`;
}

/** A streaming exchange on a uWS response. */
class UwsExchange implements StreamExchange {
  constructor(private readonly res: HttpResponse) {}

  onAborted(handler: () => void): void {
    this.res.onAborted(handler);
  }

  onWritable(handler: () => void): void {
    this.res.onWritable(() => {
      handler();
      return true;
    });
  }

  onData(handler: (chunk: Uint8Array, isLast: boolean) => void): void {
    this.res.onData((chunk, isLast) => handler(new Uint8Array(chunk), isLast));
  }

  cork(writes: () => void): void {
    this.res.cork(writes);
  }

  writeHead(status: number, headers: Readonly<Record<string, string>>): void {
    this.res.writeStatus(statusLine(status));
    for (const [name, value] of Object.entries(headers)) this.res.writeHeader(name, value);
  }

  write(chunk: string): boolean {
    return this.res.write(chunk);
  }

  end(): void {
    this.res.end();
  }

  reply(reply: HttpReply): void {
    writeReply(this.res, reply, false);
  }
}
