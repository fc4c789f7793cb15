/**
 * GET /metrics on the HTTP port: the member's metrics (member-metrics.ts), its watch hub's and
 * lessor's (watch-lease-metrics.ts) and the process's (process-metrics.ts) in Prometheus text format 0.0.4, as etcd serves them on its client URL.
 */
import type { Member } from '../../../engine/node/member.js';
import type { HttpApp } from '../http-app.js';
import { EXPOSITION_CONTENT_TYPE, renderExposition } from './exposition.js';
import { registerMemberMetrics } from './member-metrics.js';
import { registerProcessMetrics } from './process-metrics.js';
import { MetricRegistry } from './registry.js';
import type { MemberServices } from '../../../engine/node/member-services.js';
import { registerWatchLeaseMetrics } from './watch-lease-metrics.js';

export const METRICS_PATH = '/metrics';

/** Serves /metrics on `app`; returns the function that stops the metrics' background watch. */
export function registerMetrics(app: HttpApp, member: Member, services: MemberServices): () => void {
  const registry = new MetricRegistry();
  const stop = registerMemberMetrics(registry, member, services.kv);
  registerWatchLeaseMetrics(registry, services);
  registerProcessMetrics(registry);
  app.get(METRICS_PATH, () => ({ status: 200, contentType: EXPOSITION_CONTENT_TYPE, body: renderExposition(registry.collect()) }));
  return stop;
}
