/**
 * The member's gRPC endpoint: etcd's v3 services on @grpc/grpc-js, fed the HTTP/2 connections of
 * the client URLs (net/client-listener.ts sorts them from HTTP/1.1 ones). Every call is decoded,
 * answered by the member's EtcdServer, and encoded: nothing here decides or builds an answer.
 * The receive limit is --max-request-bytes plus gRPC framing overhead, as etcd sets it, so a
 * request just over the limit reaches the "request is too large" check and a far larger one is
 * refused by gRPC before it is buffered. grpc-js holds the HTTP/2 sessions and answers methods
 * cairn does not serve; every method cairn serves runs on the raw HTTP/2 stream (raw/): the unary
 * calls (raw/unary-call.ts) at a fraction of grpc-js's cost per call, LeaseKeepAlive
 * (raw/keepalive-stream.ts), made thousands of times a second, and Watch (raw/watch-stream.ts),
 * whose responses to a stream's many watchers go out in one write.
 */
import * as grpc from '@grpc/grpc-js';
import type { Socket } from 'node:net';
import type { EtcdServer } from '../../engine/server/etcd-server.js';
import { clusterService } from './cluster-service.js';
import { kvService } from './kv-service.js';
import { maintenanceService } from './maintenance-service.js';
import { etcdService } from './protos.js';
import { LEASE_KEEPALIVE_PATH, leaseService } from './lease-service.js';
import { addRawRoutes, RAW_ROUTE_SERVER_OPTIONS } from './raw/raw-routes.js';
import { serveKeepAlive } from './raw/keepalive-stream.js';
import { serveWatch, WATCH_PATH } from './raw/watch-stream.js';
import { unaryRoutes } from './raw/unary-call.js';
import { ClientListener } from '../client-listener.js';
import { gateAuthority } from './h2/authority-gate.js';
import { prefaceSettingsFrame } from './h2/h2-frames.js';
import { GrpcServerMetrics } from './grpc-metrics.js';
import { enforcePingPolicy } from './ping-policy.js';
import type { Http2Server } from 'node:http2';

/** etcd's grpcOverheadBytes. */
const GRPC_OVERHEAD_BYTES = 512 * 1024;

export interface GrpcEndpointOptions {
  /** What answers every call. */
  server: EtcdServer;
  /** --max-request-bytes: the receive limit is this plus gRPC's framing overhead. */
  maxRequestBytes: number;
  /** Also time every call (grpc_server_handling_seconds), as etcd's --metrics extensive. */
  metricsExtensive?: boolean;
  /** The HTTP/2 connection settings etcd takes from flags; etcd's defaults where absent. */
  transport?: GrpcTransportSettings;
}

/** etcd's gRPC connection flags. */
export interface GrpcTransportSettings {
  /**
   * --grpc-keepalive-min-time (clients pinging more often are sent away), --grpc-keepalive-interval
   * (the server pings an idle connection this often; 0: never) and --grpc-keepalive-timeout (and
   * closes it when the ping is not answered this soon; 0: gRPC's default, 20 s).
   */
  keepAlive?: { minTimeMs: number; intervalMs: number; timeoutMs: number };
  /** --max-concurrent-streams: HTTP/2 streams one connection may have open at once. */
  maxConcurrentStreams?: number;
}

/** etcd's defaults for the keepalive flags: 5 s, 2 h, 20 s. */
export const GRPC_KEEPALIVE_DEFAULTS = { minTimeMs: 5000, intervalMs: 2 * 60 * 60 * 1000, timeoutMs: 20_000 } as const;

/** Where a listening endpoint listens (GrpcEndpoint.listen). */
export interface GrpcListenOptions extends GrpcEndpointOptions {
  host: string;
  /** 0 picks a free port; read it back from `port`. */
  port: number;
}

export class GrpcEndpoint {
  private listener: ClientListener | null = null;

  private constructor(private readonly server: grpc.Server, private readonly injector: grpc.ConnectionInjector,
    readonly metrics: GrpcServerMetrics, private readonly prefaceSettings: Buffer) {}

  /** The services, serving the connections given to `serve`. */
  static create(options: GrpcEndpointOptions): GrpcEndpoint {
    const maxReceiveBytes = options.maxRequestBytes + GRPC_OVERHEAD_BYTES;
    const keepAlive = options.transport?.keepAlive ?? GRPC_KEEPALIVE_DEFAULTS;
    const server = new grpc.Server({
      'grpc.max_receive_message_length': maxReceiveBytes,
      'grpc.max_send_message_length': 2 ** 31 - 1,
      // grpc-js pings when the interval is above 0 (and below its own "never").
      'grpc.keepalive_time_ms': keepAlive.intervalMs,
      ...(keepAlive.timeoutMs > 0 ? { 'grpc.keepalive_timeout_ms': keepAlive.timeoutMs } : {}),
      ...(options.transport?.maxConcurrentStreams !== undefined ? { 'grpc.max_concurrent_streams': options.transport.maxConcurrentStreams } : {}),
      ...RAW_ROUTE_SERVER_OPTIONS,
    });
    const metrics = new GrpcServerMetrics(options.metricsExtensive === true);
    const keepAliveMetrics = metrics.method(LEASE_KEEPALIVE_PATH);
    const watchMetrics = metrics.method(WATCH_PATH);
    addRawRoutes(server, new Map([
      ...unaryRoutes(etcdService('KV'), kvService(options.server), maxReceiveBytes, metrics),
      ...unaryRoutes(etcdService('Maintenance'), maintenanceService(options.server), maxReceiveBytes, metrics),
      ...unaryRoutes(etcdService('Lease'), leaseService(options.server), maxReceiveBytes, metrics),
      ...unaryRoutes(etcdService('Cluster'), clusterService(options.server), maxReceiveBytes, metrics),
      [LEASE_KEEPALIVE_PATH, (stream, headers) => serveKeepAlive(stream, headers, options.server, maxReceiveBytes, keepAliveMetrics)],
      // etcd splits a fragmenting watcher's responses at its receive limit.
      [WATCH_PATH, (stream, headers) => serveWatch(stream, headers, options.server, maxReceiveBytes, maxReceiveBytes, watchMetrics)],
    ]));
    // The injector's HTTP/2 server gets the stream handler wrapped above, and the ping policy.
    const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    for (const http2Server of http2ServersOf(server)) enforcePingPolicy(http2Server, keepAlive.minTimeMs);
    return new GrpcEndpoint(server, injector, metrics, prefaceSettingsFrame(options.transport?.maxConcurrentStreams));
  }

  /** The services on a port of their own: every connection to host:port is served as gRPC. */
  static async listen(options: GrpcListenOptions): Promise<GrpcEndpoint> {
    const endpoint = GrpcEndpoint.create(options);
    endpoint.listener = await ClientListener.listen(options.host, options.port, {
      http2: (socket) => endpoint.serve(socket),
      other: (socket) => endpoint.refuse(socket),
    });
    return endpoint;
  }

  /** The port `listen` listens on; -1 for an endpoint made by `create`. */
  get port(): number {
    return this.listener?.port ?? -1;
  }

  /**
   * Serves a client connection that opened with the HTTP/2 preface, through the authority gate
   * (h2/authority-gate.ts), so that etcdctl's `http://` authorities are taken as etcd takes them.
   */
  serve(socket: Socket): void {
    gateAuthority(socket, (connection) => this.injector.injectConnection(connection), this.prefaceSettings);
  }

  /**
   * Answers a connection that is not HTTP/2 (an HTTP/1.1 request where HTTP has a port of its own)
   * as a gRPC server does: a GOAWAY, and the connection closes.
   */
  refuse(socket: Socket): void {
    this.injector.injectConnection(socket);
  }

  /** Stops accepting calls; in-flight calls get a moment to finish, then are cancelled. */
  async close(graceMs = 1000): Promise<void> {
    this.listener?.close();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/**
 * The HTTP/2 servers grpc-js made (the connection injector's). grpc-js does not expose them; a
 * grpc-js that renames the field fails start-up here rather than silently dropping the ping policy.
 */
function http2ServersOf(server: grpc.Server): Http2Server[] {
  const servers = (server as unknown as { http2Servers?: Map<Http2Server, unknown> }).http2Servers;
  if (!(servers instanceof Map) || servers.size === 0) throw new Error('cairn: this @grpc/grpc-js keeps no http2Servers map; see net/grpc/grpc-server.ts');
  return [...servers.keys()];
}
