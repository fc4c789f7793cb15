/**
 * GET /metrics, as etcd serves it: on the client HTTP port, and on each --listen-metrics-urls
 * listener (with /health) when given. A prom-client Registry of the member's own (not prom-client's
 * global one: tests run several members in one process) holds every family: the member's (server,
 * storage, network), the gRPC server's, the watch hub's and lessor's, merged with the process's
 * runtime registry; each is read at scrape time, in Prometheus text format 0.0.4.
 */
import { Registry } from 'prom-client';
import type { Member } from '../../../engine/node/member.js';
import type { WalLogStore } from '../../../engine/wal/wal-log-store.js';
import type { TcpPeerNetwork } from '../../peer/peer-network.js';
import type { MemberServices } from '../../../engine/node/member-services.js';
import type { EtcdServer } from '../../../engine/server/etcd-server.js';
import type { GrpcServerMetrics } from '../../grpc/grpc-metrics.js';
import type { PeerAddress } from '../../peer/peer-sender.js';
import { healthReply } from '../health.js';
import type { HttpApp, HttpReply } from '../http-app.js';
import { EXPOSITION_CONTENT_TYPE, renderExposition } from './exposition.js';
import { registerGrpcServerMetrics } from './grpc-server-metrics.js';
import { registerMemberMetrics } from './member-metrics.js';
import { MetricsListener } from './metrics-listener.js';
import { registerNetworkMetrics } from './network-metrics.js';
import { runtimeRegistry } from './runtime-metrics.js';
import { registerStorageMetrics } from './storage-metrics.js';
import { registerWatchLeaseMetrics } from './watch-lease-metrics.js';

export const METRICS_PATH = '/metrics';

export interface MetricsSources {
  member: Member;
  /** The member's server: /health on the metrics listeners asks it. */
  server: EtcdServer;
  /** The member's peer network and WAL: their counters. */
  network: TcpPeerNetwork;
  log: WalLogStore;
  services: MemberServices;
  grpc: GrpcServerMetrics;
  /** --quota-backend-bytes as applied (null: disabled). */
  quotaBackendBytes: number | null;
}

/** Every family of one member, registered once, with the process's runtime families. */
export function memberRegistry(sources: MetricsSources): Registry {
  const registry = new Registry();
  registerMemberMetrics(registry, sources.member, sources.quotaBackendBytes);
  registerStorageMetrics(registry, sources.member, sources.log);
  registerNetworkMetrics(registry, sources.member.id, sources.network);
  registerGrpcServerMetrics(registry, sources.grpc);
  registerWatchLeaseMetrics(registry, sources.services);
  return Registry.merge([registry, runtimeRegistry()]);
}

/**
 * Serves /metrics on the client HTTP app, and /metrics and /health on a listener per `listen`
 * address (--listen-metrics-urls). Resolves to the function that closes the listeners.
 */
export async function serveMetrics(app: HttpApp, sources: MetricsSources, listen: readonly PeerAddress[]): Promise<() => Promise<void>> {
  const registry = memberRegistry(sources);
  const metrics = async (): Promise<HttpReply> => ({ status: 200, contentType: EXPOSITION_CONTENT_TYPE, body: await renderExposition(registry) });
  app.get(METRICS_PATH, metrics);
  const routes = new Map<string, () => HttpReply | Promise<HttpReply>>([[METRICS_PATH, metrics], ['/health', () => healthReply(sources.server)]]);
  const listeners: MetricsListener[] = [];
  try {
    for (const address of listen) listeners.push(await MetricsListener.listen(address, routes));
  } catch (error) {
    await Promise.all(listeners.map((listener) => listener.close()));
    throw error;
  }
  return async () => {
    await Promise.all(listeners.map((listener) => listener.close()));
  };
}
