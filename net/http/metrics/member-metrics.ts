/**
 * etcd's server, disk and MVCC metrics for one cairn member, under etcd's names and meanings where
 * cairn has the same figure, and cairn_* names for what only cairn has (the WAL's group commit).
 * Everything is read at scrape time from what the member already keeps (its Raft status, the WAL's
 * status buffer, the LMDB file), so serving /metrics costs the write path nothing.
 *
 * What is deliberately absent until the engine keeps it: etcd_disk_wal_fsync_duration_seconds (the
 * WAL worker counts fsyncs but does not time them; a histogram of invented durations would lie) and
 * etcd_server_proposals_pending (the member's waiter count is not exposed).
 */
import { ETCD_API_VERSION } from '../../../engine/node/cluster-members.js';
import type { KvServer } from '../../../engine/node/kv-server.js';
import { memberStatus } from '../../../engine/node/maintenance.js';
import type { Member } from '../../../engine/node/member.js';
import { StateRole } from '../../../engine/raft/raft.js';
import type { MetricRegistry } from './registry.js';

/**
 * How often the leader is looked at between scrapes, to count leader changes. Member has no
 * leader-change event; a change and change back inside one period would be missed, which one
 * heartbeat (etcd's default 100 ms) makes unlikely.
 */
export const LEADER_WATCH_INTERVAL_MS = 100;

/** Counts leader changes the way etcd does: each time a known leader differs from the last one seen. */
export class LeaderChangeObserver {
  private lastLeader = 0;
  /** Changes seen so far. */
  changes = 0;

  observe(leader: number): void {
    if (leader !== 0 && leader !== this.lastLeader) this.changes++;
    this.lastLeader = leader;
  }
}

/** The member's id as etcd prints it in labels: 16 lower-case hex digits. */
export function memberIdHex(id: number): string {
  return id.toString(16).padStart(16, '0');
}

/**
 * Registers the member's metrics; returns the function that stops watching for leader changes
 * (call it when the server stops).
 */
export function registerMemberMetrics(registry: MetricRegistry, member: Member, kv: KvServer): () => void {
  const status = (): ReturnType<Member['status']> => member.status();
  registry.gaugeFunc('etcd_server_has_leader', 'Whether or not a leader exists. 1 is existence, 0 is not.',
    () => (status().leader !== 0 ? 1 : 0));
  registry.gaugeFunc('etcd_server_is_leader', 'Whether or not this member is a leader. 1 if is, 0 otherwise.',
    () => (status().role === StateRole.Leader ? 1 : 0));
  registry.gaugeFunc('etcd_server_is_learner', 'Whether or not this member is a learner. 1 if is, 0 otherwise.', () => 0);
  registry.infoGauge('etcd_server_id', "Server or member ID in hexadecimal format. 1 for 'server_id' label with current ID.",
    [['server_id', memberIdHex(member.id)]]);
  registry.infoGauge('etcd_server_version', "Which version is running. 1 for 'server_version' label with current version.",
    [['server_version', ETCD_API_VERSION]]);
  // etcd exports these two as gauges set to the commit and applied index, despite the _total names.
  registry.gaugeFunc('etcd_server_proposals_committed_total', 'The total number of consensus proposals committed.',
    () => status().commitIndex);
  registry.gaugeFunc('etcd_server_proposals_applied_total', 'The total number of consensus proposals applied.',
    () => status().appliedIndex);
  registry.gaugeFunc('etcd_debugging_mvcc_current_revision', 'The current revision of store.', () => status().revision);
  registry.gaugeFunc('etcd_mvcc_db_total_size_in_bytes', 'Total size of the underlying database physically allocated in bytes.',
    () => memberStatus(member, kv).dbSize);
  registry.gaugeFunc('etcd_mvcc_db_total_size_in_use_in_bytes', 'Total size of the underlying database logically in use in bytes.',
    () => memberStatus(member, kv).dbSizeInUse);
  registry.gaugeFunc('etcd_disk_wal_write_bytes_total', 'Total number of bytes written in WAL.', () => member.walStats().bytesWritten);
  registry.gaugeFunc('cairn_server_term', 'The current Raft term of this member.', () => status().term);

  registry.counterFunc('cairn_wal_fsyncs_total', 'fdatasync calls on WAL segment files (one per group commit, one per new segment).',
    () => member.walStats().fsyncs);
  registry.counterFunc('cairn_wal_batches_total', 'Append batches the WAL made durable.', () => member.walStats().batches);
  registry.counterFunc('cairn_wal_entries_total', 'Raft entries the WAL made durable.', () => member.walStats().entries);
  registry.counterFunc('cairn_wal_bytes_written_total', 'Frame bytes written to WAL segments.', () => member.walStats().bytesWritten);

  // A peer port under attack, or a misconfigured member, shows here (net/peer/peer-stats.ts).
  registry.counterFuncByLabel('cairn_peer_connections_refused_total',
    'Inbound peer connections refused, by reason (not a member, wrong cluster, forged sender, ...).', 'reason',
    () => member.peerStats().refused);
  registry.counterFuncByLabel('cairn_peer_messages_dropped_total', 'Raft messages to peers dropped before sending, by reason.', 'reason',
    () => member.peerStats().dropped);

  const leaderChanges = new LeaderChangeObserver();
  leaderChanges.observe(status().leader);
  // Looked at on every scrape too, so a scrape right after an election already counts it.
  registry.counterFunc('etcd_server_leader_changes_seen_total', 'The number of leader changes seen.', () => {
    leaderChanges.observe(status().leader);
    return leaderChanges.changes;
  });
  const watcher = setInterval(() => leaderChanges.observe(status().leader), LEADER_WATCH_INTERVAL_MS);
  // Never the reason a process stays alive.
  watcher.unref();
  return () => clearInterval(watcher);
}
