/**
 * ProgressTracker: the membership in force (voters and learners), the leader's Progress for each
 * member, and the votes of the current election. Learners replicate but never vote and never
 * count toward a quorum.
 */
import { assert } from './errors.js';
import { Progress } from './progress.js';
import { VoteResult, committedIndex, voteResult } from './quorum.js';
import type { ConfState } from './types.js';

export class ProgressTracker {
  /** Sorted ascending, so iteration order (and so message order) is deterministic. */
  voters: number[] = [];
  learners: number[] = [];
  readonly progress = new Map<number, Progress>();
  readonly votes = new Map<number, boolean>();
  private readonly scratch: number[] = [];

  constructor(readonly maxInflightMsgs: number) {}

  /** Replaces the membership (at start-up and on restoring a snapshot). */
  reset(confState: ConfState, nextIndex: number): void {
    this.progress.clear();
    this.voters = [];
    this.learners = [];
    for (const id of confState.voters) this.addVoter(id, nextIndex);
    for (const id of confState.learners) this.addLearner(id, nextIndex);
  }

  confState(): ConfState {
    return { voters: [...this.voters], learners: [...this.learners] };
  }

  isVoter(id: number): boolean {
    return this.voters.includes(id);
  }

  isLearner(id: number): boolean {
    return this.learners.includes(id);
  }

  addVoter(id: number, nextIndex: number): void {
    assert(!this.isVoter(id), `member ${id} is already a voter`);
    const existing = this.progress.get(id);
    if (existing !== undefined) {
      // Promotion keeps the learner's replication progress.
      existing.isLearner = false;
      this.learners = this.learners.filter((l) => l !== id);
    } else {
      const pr = new Progress(0, nextIndex, this.maxInflightMsgs, false);
      pr.recentActive = true;
      this.progress.set(id, pr);
    }
    this.voters = insertSorted(this.voters, id);
  }

  addLearner(id: number, nextIndex: number): void {
    assert(!this.progress.has(id), `member ${id} is already a member`);
    const pr = new Progress(0, nextIndex, this.maxInflightMsgs, true);
    pr.recentActive = true;
    this.progress.set(id, pr);
    this.learners = insertSorted(this.learners, id);
  }

  remove(id: number): void {
    this.progress.delete(id);
    this.voters = this.voters.filter((v) => v !== id);
    this.learners = this.learners.filter((l) => l !== id);
  }

  /** The highest index a majority of voters have durably (the commit candidate). */
  committed(): number {
    const progress = this.progress;
    return committedIndex(this.voters, (id) => progress.get(id)!.match, this.scratch);
  }

  /** True if a majority of voters were heard from recently (CheckQuorum). */
  quorumActive(): boolean {
    let active = 0;
    for (const id of this.voters) if (this.progress.get(id)!.recentActive) active++;
    return active >= Math.floor(this.voters.length / 2) + 1;
  }

  resetVotes(): void {
    this.votes.clear();
  }

  /** Records a vote (the first answer from a voter counts) and returns the election's outcome. */
  recordVote(id: number, granted: boolean): VoteResult {
    if (!this.votes.has(id)) this.votes.set(id, granted);
    return voteResult(this.voters, this.votes);
  }

  /** True if the given set of voters (e.g. heartbeat acknowledgements) forms a majority. */
  isQuorum(acks: ReadonlySet<number>): boolean {
    let count = 0;
    for (const id of this.voters) if (acks.has(id)) count++;
    return count >= Math.floor(this.voters.length / 2) + 1;
  }
}

function insertSorted(ids: number[], id: number): number[] {
  return [...ids, id].sort((a, b) => a - b);
}
