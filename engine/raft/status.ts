/**
 * What the Raft core reports about itself: its role, the leader it follows, confirmed ReadIndex
 * requests and its progress view. Shared by raft.ts and raw-node.ts (kept apart so neither imports
 * the other for its types).
 */
import type { ProgressState } from './progress.js';
import type { ConfState } from './types.js';

/** A member's role. PreCandidate: running a pre-election (PreVote) that raises no term. */
export enum StateRole {
  Follower = 'Follower',
  PreCandidate = 'PreCandidate',
  Candidate = 'Candidate',
  Leader = 'Leader',
}

/** Volatile state worth telling the driver about when it changes: who leads, and our role. */
export interface SoftState {
  lead: number;
  role: StateRole;
}

/** A confirmed ReadIndex request: reads for requestCtx are linearizable once applied >= index. */
export interface ReadState {
  index: number;
  requestCtx: Uint8Array;
}

/** What a leader knows of one member's replication. */
export interface ProgressStatus {
  id: number;
  match: number;
  next: number;
  state: ProgressState;
  isLearner: boolean;
  recentActive: boolean;
  inflightCount: number;
}

/** A snapshot of the member's Raft state for diagnostics and tests. */
export interface Status {
  id: number;
  term: number;
  vote: number;
  lead: number;
  role: StateRole;
  commit: number;
  applied: number;
  leadTransferee: number;
  /** One row per member if this member leads, otherwise empty. */
  progress: ProgressStatus[];
  confState: ConfState;
}
