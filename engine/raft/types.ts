/**
 * The Raft log's data types, shared by the Raft core (engine/raft), the WAL (engine/wal) and the
 * member (engine/node). Indexes, terms and member ids are plain numbers: they stay below 2^53
 * (member ids are generated within that range), so no BigInt is needed on the hot path.
 */

/** What an entry's data holds. */
export enum EntryType {
  /** An application command (a serialized client request), or empty (a new leader's no-op). */
  Normal = 0,
  /** A membership change (serialized ConfChange). */
  ConfChange = 1,
}

/** One Raft log entry. */
export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: Uint8Array;
}

/**
 * The state a member must persist before answering any message that depends on it:
 * the current term, whom it voted for in that term (0 = nobody), and the highest index it
 * knows to be committed.
 */
export interface HardState {
  term: number;
  vote: number;
  commit: number;
}

/** The membership a snapshot (or the log up to an index) implies. */
export interface ConfState {
  voters: number[];
  learners: number[];
}

/** Describes a snapshot: the last index and term it covers and the membership at that point. */
export interface SnapshotMeta {
  index: number;
  term: number;
  confState: ConfState;
}

export const EMPTY_HARD_STATE: Readonly<HardState> = Object.freeze({ term: 0, vote: 0, commit: 0 });

/**
 * Bytes an entry is charged beyond its data when sizing messages and Ready batches: term, index
 * and type as a transport frames them. Keeps empty entries from counting as free.
 */
export const ENTRY_OVERHEAD_BYTES = 24;

/** An entry's size for the per-message and per-Ready byte bounds. */
export function entrySizeBytes(entry: Entry): number {
  return entry.data.byteLength + ENTRY_OVERHEAD_BYTES;
}

/** An entry's payload size for the uncommitted-bytes bound (etcd counts only data). */
export function payloadSizeBytes(entry: Entry): number {
  return entry.data.byteLength;
}

/** HardStates are small; compare field by field. */
export function isHardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
