/**
 * The Raft core's errors, as values: every fallible call returns a RaftError (or null) instead of
 * throwing, so a driver handles them on its hot path without try/catch. They are created here and
 * nowhere else, so their codes and messages stay consistent. (A thrown Error means a broken
 * invariant: a bug, not an operating condition.)
 */

/** Why a fallible call failed: a stable code to switch on and a human message. */
export interface RaftError {
  readonly code: RaftErrorCode;
  readonly message: string;
  /** For a dropped proposal or ReadIndex request: why, to switch on (never parsed from the message). */
  readonly reason?: DropReason;
}

export enum RaftErrorCode {
  /** A proposal was not accepted; `message` says why. Retry later or elsewhere. */
  ProposalDropped = 'ProposalDropped',
  /** A ReadIndex request was not accepted; `message` says why. Retry later or elsewhere. */
  ReadIndexDropped = 'ReadIndexDropped',
  /** The requested index is below the first index the storage still holds (it was compacted). */
  Compacted = 'Compacted',
  /** The requested index is above the last index the storage holds. */
  Unavailable = 'Unavailable',
  /** A snapshot at or below the storage's current snapshot was offered. */
  SnapshotOutOfDate = 'SnapshotOutOfDate',
  /** The storage cannot produce a snapshot right now; the leader retries later. */
  SnapshotTemporarilyUnavailable = 'SnapshotTemporarilyUnavailable',
  /** The call does not make sense in this state (e.g. a conf change naming member 0). */
  InvalidRequest = 'InvalidRequest',
}

/** Why a proposal was dropped, in words a client can act on. */
export type ProposalDropReason =
  | 'no leader'
  | 'leader transfer in progress'
  | 'log too large'
  | 'proposal forwarding disabled'
  | 'conf change pending'
  | 'not a member';

/** A proposal was dropped for the given reason. */
export function errProposalDropped(reason: ProposalDropReason): RaftError {
  return { code: RaftErrorCode.ProposalDropped, message: `raft: proposal dropped: ${reason}`, reason };
}

/** Why a ReadIndex request was dropped. */
export type ReadIndexDropReason = 'no leader' | 'too many pending requests' | 'duplicate request context';

/** A ReadIndex request was dropped for the given reason. */
export function errReadIndexDropped(reason: ReadIndexDropReason): RaftError {
  return { code: RaftErrorCode.ReadIndexDropped, message: `raft: read index dropped: ${reason}`, reason };
}

/** Why a proposal or a ReadIndex request was dropped. */
export type DropReason = ProposalDropReason | ReadIndexDropReason;

export const ERR_COMPACTED: RaftError = Object.freeze({
  code: RaftErrorCode.Compacted, message: 'raft: requested index is unavailable due to compaction',
});
export const ERR_UNAVAILABLE: RaftError = Object.freeze({
  code: RaftErrorCode.Unavailable, message: 'raft: requested entry at index is unavailable',
});
export const ERR_SNAPSHOT_OUT_OF_DATE: RaftError = Object.freeze({
  code: RaftErrorCode.SnapshotOutOfDate, message: 'raft: requested index is older than the existing snapshot',
});
export const ERR_SNAPSHOT_TEMPORARILY_UNAVAILABLE: RaftError = Object.freeze({
  code: RaftErrorCode.SnapshotTemporarilyUnavailable, message: 'raft: snapshot is temporarily unavailable',
});

export function errInvalidRequest(detail: string): RaftError {
  return { code: RaftErrorCode.InvalidRequest, message: `raft: invalid request: ${detail}` };
}

/** True if the value is a RaftError (as opposed to the success value of a `T | RaftError` union). */
export function isRaftError(value: unknown): value is RaftError {
  return typeof value === 'object' && value !== null && 'code' in value && 'message' in value
    && typeof (value as RaftError).code === 'string';
}

/** Throws: a broken invariant is a bug, and stopping beats diverging replicas. Assertions stay on. */
export function assert(condition: boolean, what: string): asserts condition {
  if (!condition) throw new Error(`raft: invariant violated: ${what}`);
}
