/**
 * etcd's --listen-metrics-urls: a plain HTTP/1.1 listener of its own that serves only GET /metrics
 * and GET /health, so Prometheus and health probes reach a member without touching the client
 * port (a firewall may keep that one for clients). node:http rather than uWS: this port carries a
 * scrape every few seconds, and it must not share the client app's fate.
 */
import { createServer, type Server } from 'node:http';
import type { PeerAddress } from '../../peer/peer-sender.js';
import type { HttpReply } from '../http-app.js';

/** The routes the listener answers, by path. */
export type MetricsRoutes = ReadonlyMap<string, () => HttpReply | Promise<HttpReply>>;

export class MetricsListener {
  private constructor(private readonly server: Server) {}

  static async listen(address: PeerAddress, routes: MetricsRoutes): Promise<MetricsListener> {
    const server = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0]!;
      const route = routes.get(path);
      if (route === undefined) {
        response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
        return;
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { 'Content-Type': 'text/plain; charset=utf-8', Allow: 'GET' }).end('Method Not Allowed\n');
        return;
      }
      Promise.resolve(route()).then((reply) => {
        response.writeHead(reply.status, { 'Content-Type': reply.contentType, ...reply.headers }).end(reply.body);
      }, (error: unknown) => {
        response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${(error as Error).message}\n`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.port, address.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new MetricsListener(server);
  }

  /** The port it listens on (the ephemeral one when started on port 0). */
  get port(): number {
    const address = this.server.address();
    return address === null || typeof address === 'string' ? -1 : address.port;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
