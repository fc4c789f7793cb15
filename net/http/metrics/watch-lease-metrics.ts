/**
 * The watch hub's and the lessor's metrics, under etcd's names (mvcc/metrics.go, lease/metrics.go)
 * where cairn has the same figure, read at scrape time from counters the hub and the lessor keep.
 */
import type { MemberServices } from '../../../engine/node/member-services.js';
import type { Registry } from 'prom-client';
import { counterFunc, gaugeFunc } from './collected-metrics.js';

export function registerWatchLeaseMetrics(registry: Registry, services: Pick<MemberServices, 'hub' | 'lease'>): void {
  const hub = (): ReturnType<MemberServices['hub']['stats']> => services.hub.stats();
  const lessor = services.lease.lessor;
  gaugeFunc(registry, 'etcd_debugging_mvcc_watch_stream_total', 'Total number of watch streams.', () => hub().streams);
  gaugeFunc(registry, 'etcd_debugging_mvcc_watcher_total', 'Total number of watchers.', () => hub().synced + hub().unsynced);
  gaugeFunc(registry, 'etcd_debugging_mvcc_slow_watcher_total', 'Total number of unsynced slow watchers.', () => hub().unsynced);
  counterFunc(registry, 'etcd_debugging_mvcc_events_total', 'Total number of events sent by this member.', () => hub().eventsSent);
  counterFunc(registry, 'cairn_watch_slow_moved_total', 'Watchers moved to catch up from history because their stream was congested.',
    () => hub().slowMoved);
  counterFunc(registry, 'etcd_debugging_lease_granted_total', 'The total number of granted leases.', () => lessor.stats.granted);
  counterFunc(registry, 'etcd_debugging_lease_revoked_total', 'The total number of revoked leases.', () => lessor.stats.revoked);
  counterFunc(registry, 'etcd_debugging_lease_renewed_total', 'The number of renewed leases seen by the leader.', () => lessor.stats.renewed);
  gaugeFunc(registry, 'cairn_lease_total', 'Leases that exist on this member.', () => lessor.size);
}
