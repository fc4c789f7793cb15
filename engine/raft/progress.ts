/**
 * Progress: the leader's view of one member's log (etcd's tracker.Progress).
 *
 * - Probe: we do not know where the follower's log matches ours. Send one MsgApp at a time and
 *   wait for the answer (or a heartbeat response) before the next; back off on rejections.
 * - Replicate: the follower's log matches up to `match`; stream MsgApps optimistically (next
 *   moves ahead on send), bounded by the Inflights window.
 * - Snapshot: the follower needs entries we compacted; a snapshot is on its way, send nothing else
 *   until reportSnapshot or an acknowledgement says it arrived.
 */
import { Inflights } from './inflights.js';

export enum ProgressState {
  Probe = 'Probe',
  Replicate = 'Replicate',
  Snapshot = 'Snapshot',
}

export class Progress {
  /** Highest index known to be replicated (durably) on the member. */
  match: number;
  /** Index of the next entry to send. */
  next: number;
  state: ProgressState = ProgressState.Probe;
  /** In Snapshot state: the index of the snapshot sent. */
  pendingSnapshot = 0;
  /** Heard from since the last CheckQuorum round (or ever, for a new member). */
  recentActive = false;
  /** In Probe state: a MsgApp is out; wait for its answer (or a heartbeat response). */
  probeSent = false;
  /** Highest commit index sent to the member (so a commit-only MsgApp is sent once). */
  sentCommit = 0;
  /** Set when something happened that may let the leader send this member more: flushed at ready(). */
  appendPending = false;
  /** Like appendPending, but send a MsgApp even without new entries (to detect a lost append). */
  appendForced = false;
  readonly inflights: Inflights;

  constructor(match: number, next: number, maxInflightMsgs: number, public isLearner: boolean) {
    this.match = match;
    this.next = next;
    this.inflights = new Inflights(maxInflightMsgs);
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === ProgressState.Snapshot) {
      // The snapshot may have been applied: resume after it rather than before it.
      const pending = this.pendingSnapshot;
      this.resetState(ProgressState.Probe);
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState(ProgressState.Probe);
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState(ProgressState.Replicate);
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState(ProgressState.Snapshot);
    this.pendingSnapshot = snapshotIndex;
  }

  /** An acknowledgement up to n: returns true if it moved match forward. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /**
   * A rejection of the MsgApp whose previous index was `rejected`, with the follower's hint of
   * where the logs could match (already refined by the leader's own log). Returns false if the
   * rejection is stale (an answer to an older message).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === ProgressState.Replicate) {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1, 1);
    this.probeSent = false;
    return true;
  }

  /** True if the leader must not send this member MsgApps now (flow control). */
  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.Probe: return this.probeSent;
      case ProgressState.Replicate: return this.inflights.full();
      case ProgressState.Snapshot: return true;
    }
  }
}
