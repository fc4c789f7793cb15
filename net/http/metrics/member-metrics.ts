/**
 * etcd's server metrics for one cairn member (etcdserver/metrics.go), under etcd's names and
 * meanings, read at scrape time from what the member keeps: its Raft status, its ServerMetrics
 * (leader changes counted from the Ready's soft state, failed proposals, heartbeat send failures)
 * and the apply worker's shared counters. cairn_server_term is cairn's own.
 */
import { ETCD_API_VERSION } from '../../../engine/node/cluster-members.js';
import type { Member } from '../../../engine/node/member.js';
import { StateRole } from '../../../engine/raft/raft.js';
import type { Registry } from 'prom-client';
import { counterFunc, gaugeFunc, infoGauge } from './collected-metrics.js';

/** The member's id as etcd prints it in labels: 16 lower-case hex digits. */
export function memberIdHex(id: number): string {
  return id.toString(16).padStart(16, '0');
}

/** etcd's cluster version label: the API version's major.minor ("3.4"). */
export function clusterVersion(apiVersion: string): string {
  return apiVersion.split('.').slice(0, 2).join('.');
}

/** `quotaBackendBytes`: the NOSPACE threshold, null when the quota is disabled (etcd then leaves the gauge at 0). */
export function registerMemberMetrics(registry: Registry, member: Member, quotaBackendBytes: number | null): void {
  const status = (): ReturnType<Member['status']> => member.status();
  const server = member.serverMetrics;
  gaugeFunc(registry, 'etcd_server_has_leader', 'Whether or not a leader exists. 1 is existence, 0 is not.',
    () => (status().leader !== 0 ? 1 : 0));
  gaugeFunc(registry, 'etcd_server_is_leader', 'Whether or not this member is a leader. 1 if is, 0 otherwise.',
    () => (status().role === StateRole.Leader ? 1 : 0));
  gaugeFunc(registry, 'etcd_server_is_learner', 'Whether or not this member is a learner. 1 if is, 0 otherwise.', () => 0);
  infoGauge(registry, 'etcd_server_id', "Server or member ID in hexadecimal format. 1 for 'server_id' label with current ID.",
    { server_id: memberIdHex(member.id) });
  infoGauge(registry, 'etcd_server_version', "Which version is running. 1 for 'server_version' label with current version.",
    { server_version: ETCD_API_VERSION });
  infoGauge(registry, 'etcd_cluster_version', "Which version is running. 1 for 'cluster_version' label with current cluster version",
    { cluster_version: clusterVersion(ETCD_API_VERSION) });
  // etcd exports these two as gauges set to the commit and applied index, despite the _total names.
  gaugeFunc(registry, 'etcd_server_proposals_committed_total', 'The total number of consensus proposals committed.',
    () => status().commitIndex);
  gaugeFunc(registry, 'etcd_server_proposals_applied_total', 'The total number of consensus proposals applied.',
    () => status().appliedIndex);
  gaugeFunc(registry, 'etcd_server_proposals_pending', 'The current number of pending proposals to commit.', () => member.proposalsPending);
  counterFunc(registry, 'etcd_server_proposals_failed_total', 'The total number of failed proposals seen.', () => server.proposalsFailed);
  counterFunc(registry, 'etcd_server_leader_changes_seen_total', 'The number of leader changes seen.', () => server.leaderChanges);
  counterFunc(registry, 'etcd_server_heartbeat_send_failures_total',
    'The total number of leader heartbeat send failures (likely overloaded from slow disk).', () => server.heartbeatSendFailures);
  counterFunc(registry, 'etcd_server_slow_apply_total', 'The total number of slow apply requests (likely overloaded from slow disk).',
    () => member.applier.metrics.get('slowApplies'));
  gaugeFunc(registry, 'etcd_server_quota_backend_bytes', 'Current backend storage quota size in bytes.', () => quotaBackendBytes ?? 0);
  gaugeFunc(registry, 'cairn_server_term', 'The current Raft term of this member.', () => status().term);
}
