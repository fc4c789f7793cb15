/**
 * The HTTP routes (http-routes.ts) served by node's http module: HTTP/1.1 on the client URL, next
 * to gRPC, as etcd serves it (net/client-listener.ts hands over the connections that are not
 * HTTP/2). Node's chunked encoding writes a chunk's size line, data and closing CRLF together, so
 * a streamed gateway message is complete in the write that carries it, as etcd writes it.
 *
 * WebSocket upgrades (the native protocol on /ws) are not served here: the connection, with its
 * upgrade request, is piped to the member's uWS app on loopback, which alone implements the
 * protocol. That costs a hop; clients that want the protocol at full speed use the HTTP port of
 * its own (--listen-client-http-urls), where uWS serves it directly.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { ErrRequestTooLarge } from '../../engine/errors.js';
import { isPagedBody, jsonErrorReply, settledReply, type HttpReply, type HttpRoutes, type PagedBody, type RequestInfo } from './http-routes.js';
import type { StreamExchange } from './stream-exchange.js';

/** What the node server needs besides the routes. */
export interface NodeServeOptions {
  /** --max-request-bytes: POST bodies beyond it are answered 413. */
  maxRequestBytes: number;
  /** Where the uWS app that serves WebSocket upgrades listens, on 127.0.0.1. */
  upgradePort: () => number;
}

/**
 * An http.Server that answers from `routes` the connections it is given (it listens nowhere).
 * Requests have no time limit (a watch's request body may stay open for as long as the watch);
 * idle keep-alive connections close after node's default 5 s.
 */
export class NodeHttpServer {
  private readonly server: http.Server;
  /** Every connection given and not closed yet (node tracks only those it accepted itself). */
  private readonly connections = new Set<Duplex>();

  constructor(routes: HttpRoutes, options: NodeServeOptions) {
    this.server = http.createServer({ requestTimeout: 0 }, (req, res) => serveRequest(req, res, routes, options));
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => pipeUpgrade(req, socket, head, options.upgradePort()));
  }

  /** Serves one connection (its first bytes may have been read and put back). */
  serve(socket: net.Socket): void {
    this.connections.add(socket);
    socket.once('close', () => this.connections.delete(socket));
    this.server.emit('connection', socket);
  }

  /** Closes every connection, streaming answers and proxied WebSockets included. */
  close(): void {
    for (const socket of this.connections) socket.destroy();
    this.connections.clear();
  }
}

function serveRequest(req: IncomingMessage, res: ServerResponse, routes: HttpRoutes, options: NodeServeOptions): void {
  const info = requestInfo(req);
  const route = routes.route(info.method, info.url);
  if (route === undefined) {
    req.resume();
    return writeReply(res, routes.unrouted(info.method, info.url));
  }
  switch (route.kind) {
    case 'get':
      req.resume();
      return run(res, () => route.handler(info));
    case 'post': return readBody(req, res, info, options.maxRequestBytes, (body) => route.handler(body, info));
    case 'stream': return route.handler(new NodeExchange(req, res), info);
  }
}

function requestInfo(req: IncomingMessage): RequestInfo {
  const target = req.url ?? '/';
  const queryAt = target.indexOf('?');
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return {
    method: req.method ?? 'GET',
    url: queryAt < 0 ? target : target.slice(0, queryAt),
    query: queryAt < 0 ? '' : target.slice(queryAt + 1),
    headers,
  };
}

/**
 * Collects a POST body for `handle`. Bodies longer than max-request-bytes (by Content-Length or as
 * they stream in) are answered 413 and the connection is closed, so no more than the bound is ever
 * buffered.
 */
function readBody(req: IncomingMessage, res: ServerResponse, info: RequestInfo, maxRequestBytes: number,
  handle: (body: Uint8Array) => HttpReply | Promise<HttpReply>): void {
  let done = false;
  const tooLarge = (): void => {
    done = true;
    res.shouldKeepAlive = false;
    writeReply(res, jsonErrorReply(413, ErrRequestTooLarge.code, ErrRequestTooLarge.message));
    res.once('finish', () => req.socket.destroySoon());
  };
  if (Number(info.headers.get('content-length') ?? 0) > maxRequestBytes) return tooLarge();
  const chunks: Buffer[] = [];
  let bodyBytes = 0;
  req.on('data', (chunk: Buffer) => {
    if (done) return;
    bodyBytes += chunk.length;
    if (bodyBytes > maxRequestBytes) return tooLarge();
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (done) return;
    done = true;
    const body = Buffer.concat(chunks, bodyBytes);
    run(res, () => handle(body));
  });
  req.on('error', () => {});
}

function run(res: ServerResponse, handle: () => HttpReply | Promise<HttpReply>): void {
  void settledReply(handle).then((answer) => writeReply(res, answer));
}

/** Writes a reply, unless the client went. */
function writeReply(res: ServerResponse, reply: HttpReply): void {
  if (isPagedBody(reply.body)) {
    const body = reply.body;
    if (res.destroyed || res.writableEnded) return body.pages.close();
    writePaged(res, reply, body).catch(() => res.destroy());
    return;
  }
  if (res.destroyed || res.writableEnded) return;
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
  const headers: Record<string, string | number> = { ...reply.headers, 'Content-Length': body.byteLength };
  if (reply.contentType !== '') headers['Content-Type'] = reply.contentType;
  res.writeHead(reply.status, headers);
  res.end(body);
}

/** Resolves once the response's buffer has room again, or the response is gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Writes a paged body chunked, each page once the one before has left node's buffer. A page that
 * fails half way (the read was dropped) can only cut the answer off: the caller destroys it.
 */
async function writePaged(res: ServerResponse, reply: HttpReply, body: PagedBody): Promise<void> {
  res.once('close', () => body.pages.close());
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.contentType !== '') headers['Content-Type'] = reply.contentType;
  res.writeHead(reply.status, headers);
  res.write(body.head);
  for (let page = await body.pages.next(); page !== undefined; page = await body.pages.next()) {
    if (res.destroyed) return;
    if (!res.write(page)) await drained(res);
  }
  if (!res.destroyed) res.end(body.tail);
}

/**
 * Pipes an upgrade request's connection to the uWS app: the request line and headers as they came,
 * what followed them, then both directions as they flow.
 */
function pipeUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, port: number): void {
  const upstream = net.connect({ host: '127.0.0.1', port, noDelay: true });
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  upstream.write(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  if (head.length > 0) upstream.write(head);
  const drop = (): void => {
    socket.destroy();
    upstream.destroy();
  };
  upstream.on('error', drop);
  socket.on('error', drop);
  upstream.on('close', drop);
  socket.on('close', drop);
  socket.pipe(upstream);
  upstream.pipe(socket);
}

/** A streaming exchange on a node request and response. */
class NodeExchange implements StreamExchange {
  constructor(private readonly req: IncomingMessage, private readonly res: ServerResponse) {
    req.on('error', () => {});
  }

  onAborted(handler: () => void): void {
    this.res.once('close', () => { if (!this.res.writableFinished) handler(); });
  }

  onWritable(handler: () => void): void {
    this.res.on('drain', handler);
  }

  onData(handler: (chunk: Uint8Array, isLast: boolean) => void): void {
    this.req.on('data', (chunk: Buffer) => handler(chunk, false));
    this.req.on('end', () => handler(new Uint8Array(0), true));
  }

  cork(writes: () => void): void {
    this.res.cork();
    try {
      writes();
    } finally {
      this.res.uncork();
    }
  }

  writeHead(status: number, headers: Readonly<Record<string, string>>): void {
    this.res.writeHead(status, headers);
  }

  write(chunk: string): boolean {
    return this.res.write(chunk);
  }

  end(): void {
    this.res.end();
  }

  reply(reply: HttpReply): void {
    writeReply(this.res, reply);
  }
}
