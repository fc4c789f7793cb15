/**
 * The watch hub's and the lessor's metrics, under etcd's names (mvcc/metrics.go, lease/metrics.go)
 * where cairn has the same figure, read at scrape time from counters the hub and the lessor keep.
 */
import type { MemberServices } from '../../../engine/node/member-services.js';
import type { MetricRegistry } from './registry.js';

export function registerWatchLeaseMetrics(registry: MetricRegistry, services: Pick<MemberServices, 'hub' | 'lease'>): void {
  const hub = (): ReturnType<MemberServices['hub']['stats']> => services.hub.stats();
  const lessor = services.lease.lessor;
  registry.gaugeFunc('etcd_debugging_mvcc_watch_stream_total', 'Total number of watch streams.', () => hub().streams);
  registry.gaugeFunc('etcd_debugging_mvcc_watcher_total', 'Total number of watchers.', () => hub().synced + hub().unsynced);
  registry.gaugeFunc('etcd_debugging_mvcc_slow_watcher_total', 'Total number of unsynced slow watchers.', () => hub().unsynced);
  registry.counterFunc('etcd_debugging_mvcc_events_total', 'Total number of events sent by this member.', () => hub().eventsSent);
  registry.counterFunc('cairn_watch_slow_moved_total', 'Watchers moved to catch up from history because their stream was congested.',
    () => hub().slowMoved);
  registry.counterFunc('etcd_debugging_lease_granted_total', 'The total number of granted leases.', () => lessor.stats.granted);
  registry.counterFunc('etcd_debugging_lease_revoked_total', 'The total number of revoked leases.', () => lessor.stats.revoked);
  registry.counterFunc('etcd_debugging_lease_renewed_total', 'The number of renewed leases seen by the leader.', () => lessor.stats.renewed);
  registry.gaugeFunc('cairn_lease_total', 'Leases that exist on this member.', () => lessor.size);
}
