/**
 * The member's HTTP services: the health endpoints (health.ts), the native WebSocket protocol on
 * /ws (ws/), and whatever the JSON gateway and /metrics register through `get`, `post`, `stream`
 * and `fallback`. Every other path answers 404, and a known path asked with the wrong method 405,
 * with a grpc-gateway-style JSON error body (http-routes.ts).
 *
 * The routes are served twice over, from one table: by a uWebSockets.js app listening on a port
 * (uws-transport.ts), which also runs the WebSocket protocol, and by `nodeServer()` for the
 * HTTP/1.1 connections of the client URL (node-transport.ts), which pipes WebSocket upgrades to
 * the uWS app. With --listen-client-http-urls the uWS app listens there; without, on loopback.
 */
import uWS from '@trufflesuite/uws-js-unofficial';
import type { TemplatedApp, us_listen_socket } from '@trufflesuite/uws-js-unofficial';
import { MAX_REQUEST_BYTES_DEFAULT } from '../../engine/node/member.js';
import type { EtcdServer } from '../../engine/server/etcd-server.js';
import { registerHealth } from './health.js';
import { HttpRoutes, type FallbackHandler, type GetHandler, type PostHandler, type StreamHandler } from './http-routes.js';
import { NodeHttpServer } from './node-transport.js';
import { serveRoutesOnUws } from './uws-transport.js';
import { WsEndpoint } from './ws/ws-endpoint.js';
import { WS_IN_FLIGHT_MAX_DEFAULT, WS_PATH } from './ws/protocol.js';

export { errorReply, jsonErrorReply, type HttpReply, type RequestInfo } from './http-routes.js';

export interface HttpAppOptions {
  /** Where the uWS app listens. */
  host: string;
  /** 0 picks a free port; read it back from `port`. */
  port: number;
  /** What answers the health checks and the WebSocket protocol's requests (and the gateway's, once registered). */
  server: EtcdServer;
  /** --max-request-bytes: bounds POST bodies (413 beyond) and WebSocket requests. */
  maxRequestBytes?: number;
  /** Requests one WebSocket connection may have in flight. */
  wsInFlightMax?: number;
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
  private readonly routes = new HttpRoutes();
  private listenSocket: us_listen_socket | null = null;
  private closing = false;
  private node: NodeHttpServer | null = null;

  private constructor(
    private readonly uws: TemplatedApp,
    readonly maxRequestBytes: number,
    private readonly ws: WsEndpoint,
  ) {}

  /** Builds the app (health, /ws, fallback) and listens on host:port; rejects when the port is taken. */
  static async listen(options: HttpAppOptions): Promise<HttpApp> {
    requireNativeUws();
    const maxRequestBytes = options.maxRequestBytes ?? MAX_REQUEST_BYTES_DEFAULT;
    const ws = new WsEndpoint(options.server, {
      maxRequestBytes, inFlightMax: options.wsInFlightMax ?? WS_IN_FLIGHT_MAX_DEFAULT,
    });
    const app = new HttpApp(uWS.App(), maxRequestBytes, ws);
    // WebSocket routes outrank the catch-all that serves the route table.
    app.uws.ws(WS_PATH, ws.behavior());
    serveRoutesOnUws(app.uws, app.routes, { maxRequestBytes, closing: () => app.closing });
    registerHealth(app, options.server);
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

  /** The port the uWS app listens on (the ephemeral one when started on port 0). */
  get port(): number {
    return this.listenSocket === null ? -1 : uWS.us_socket_local_port(this.listenSocket as never);
  }

  /** Adds a GET route. */
  get(path: string, handler: GetHandler): void {
    this.routes.add('GET', path, { kind: 'get', handler });
  }

  /** Adds a POST route whose handler gets the whole body (413 beyond max-request-bytes). */
  post(path: string, handler: PostHandler): void {
    this.routes.add('POST', path, { kind: 'post', handler });
  }

  /** Adds a POST route that reads its body and writes its answer as they go. */
  stream(path: string, handler: StreamHandler): void {
    this.routes.add('POST', path, { kind: 'stream', handler });
  }

  /** Answers every request under `prefix` that no route serves. */
  fallback(prefix: string, handler: FallbackHandler): void {
    this.routes.addFallback(prefix, handler);
  }

  /**
   * The same routes on node's http module, for the HTTP/1.1 connections of a client URL; its
   * WebSocket upgrades are piped to this app's uWS port. Made once.
   */
  nodeServer(): NodeHttpServer {
    this.node ??= new NodeHttpServer(this.routes, { maxRequestBytes: this.maxRequestBytes, upgradePort: () => this.port });
    return this.node;
  }

  /**
   * Stops listening, closes every WebSocket (1001) and every connection of the node server. Idle
   * HTTP keep-alive sockets of the uWS app expire on uWS's own timer.
   */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    if (this.listenSocket !== null) uWS.us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
    this.ws.closeAll();
    this.node?.close();
  }
}
