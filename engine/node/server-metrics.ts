/**
 * etcd's server counters that only the member's own events can give (etcdserver/metrics.go):
 * leader changes counted when the Ready's soft state names a new leader (not by polling), proposals
 * that failed (timed out, dropped for want of a leader, or the member stopping), and leader
 * heartbeats the transport could not send. Plain numbers on the main thread, read at scrape time.
 */
import { ErrLeaderChanged, ErrNoLeader, ErrStopped, ErrTimeout } from '../errors.js';

/** The rejections etcd counts in etcd_server_proposals_failed_total; an apply's own error (key not found...) is not one. */
const PROPOSAL_FAILURES: ReadonlySet<unknown> = new Set([ErrNoLeader, ErrLeaderChanged, ErrTimeout, ErrStopped]);

export class ServerMetrics {
  private lastLeader = 0;
  /** etcd_server_leader_changes_seen_total. */
  leaderChanges = 0;
  /** etcd_server_proposals_failed_total. */
  proposalsFailed = 0;
  /** etcd_server_heartbeat_send_failures_total. */
  heartbeatSendFailures = 0;

  /** A soft state named `leader` (0: none). As etcd: a known leader other than the last one named is a change. */
  observeLeader(leader: number): void {
    if (leader !== 0 && leader !== this.lastLeader) this.leaderChanges++;
    this.lastLeader = leader;
  }

  /** A proposal was rejected with `error`; counts it when etcd would. */
  observeProposalError(error: unknown): void {
    if (PROPOSAL_FAILURES.has(error)) this.proposalsFailed++;
  }
}
