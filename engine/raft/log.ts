/**
 * RaftLog: the log as the Raft algorithm sees it, stitched from stable storage (persisted) and the
 * unstable tail (not yet persisted), plus the commit and apply positions (etcd's raftLog).
 *
 *     firstIndex ... [storage] ... unstable.offset ... [unstable] ... lastIndex
 *                           applied <= committed <= lastIndex
 */
import type { RaftError } from './errors.js';
import { ERR_COMPACTED, ERR_UNAVAILABLE, assert, isRaftError } from './errors.js';
import type { Storage } from './memory-storage.js';
import { limitBySize } from './memory-storage.js';
import type { Snapshot } from './message.js';
import type { Entry } from './types.js';
import { entrySizeBytes } from './types.js';
import { Unstable } from './unstable.js';

/** Term and index of a log position (rejection hints, the last entry). */
export interface LogPosition {
  index: number;
  term: number;
}

export class RaftLog {
  readonly unstable: Unstable;
  /** Highest index known to be committed (stored on a quorum). */
  committed: number;
  /** Highest index handed to the application to apply (acknowledged by advance). */
  applied: number;

  constructor(readonly storage: Storage, private readonly maxCommittedSizePerReadyBytes: number) {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    this.committed = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** The term of entry i; 0 if i is beyond the log; ERR_COMPACTED if compacted away. */
  term(index: number): number | RaftError {
    const unstableTerm = this.unstable.maybeTerm(index);
    if (unstableTerm !== null) return unstableTerm;
    if (index < this.firstIndex() - 1) return ERR_COMPACTED;
    if (index > this.lastIndex()) return 0;
    const term = this.storage.term(index);
    if (typeof term === 'number') return term;
    if (term === ERR_COMPACTED || term === ERR_UNAVAILABLE) return term;
    throw new Error(`raft: storage.term(${index}) failed: ${term.message}`);
  }

  /** The term of entry i, where i is known to be present (a broken invariant otherwise). */
  termOf(index: number): number {
    const term = this.term(index);
    assert(typeof term === 'number', `term of index ${index} unavailable`);
    return term;
  }

  lastTerm(): number {
    return this.termOf(this.lastIndex());
  }

  matchTerm(index: number, term: number): boolean {
    const held = this.term(index);
    return typeof held === 'number' && held === term;
  }

  /** Raft paper 5.4.1: is a log ending at (lastIndex, lastTerm) at least as up to date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * The follower side of MsgApp: if our log matches (index, logTerm), append the entries
   * (truncating a conflicting suffix) and advance commit. Returns the last new index, or null on
   * a mismatch.
   */
  maybeAppend(index: number, logTerm: number, committed: number, entries: readonly Entry[]): number | null {
    if (!this.matchTerm(index, logTerm)) return null;
    const lastNewIndex = index + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      assert(conflict > this.committed, `entry ${conflict} conflicts with committed entry (committed ${this.committed})`);
      this.append(entries.slice(conflict - (index + 1)));
    }
    this.commitTo(Math.min(committed, lastNewIndex));
    return lastNewIndex;
  }

  /** Appends entries (which must follow or overlap our uncommitted tail); returns the new last index. */
  append(entries: readonly Entry[]): number {
    if (entries.length === 0) return this.lastIndex();
    const after = entries[0]!.index - 1;
    assert(after >= this.committed, `append after ${after} would overwrite committed ${this.committed}`);
    assert(after <= this.lastIndex(), `append after ${after} leaves a gap after ${this.lastIndex()}`);
    this.unstable.truncateAndAppend(entries);
    return this.lastIndex();
  }

  /**
   * The index of the first entry that is not in our log or differs in term, or 0 if all are
   * already present.
   */
  findConflict(entries: readonly Entry[]): number {
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  /**
   * Fast back-off (etcd's findConflictByTerm): the largest position at or below `index` whose term
   * is at most `term`. Entries between it and `index` cannot match a log whose entry at `index`
   * has term `term`, so the leader can skip them in one round trip.
   */
  findConflictByTerm(index: number, term: number): LogPosition {
    let i = index;
    for (;;) {
      const held = this.term(i);
      if (typeof held !== 'number') return { index: i, term: 0 };
      if (held <= term) return { index: i, term: held };
      i--;
    }
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    assert(index <= this.lastIndex(), `commit ${index} beyond last index ${this.lastIndex()}`);
    this.committed = index;
  }

  /** Leader rule (Raft paper 5.4.2): commit by counting only an entry of the current term. */
  maybeCommit(index: number, term: number): boolean {
    if (index > this.committed && this.term(index) === term) {
      this.commitTo(index);
      return true;
    }
    return false;
  }

  appliedTo(index: number): void {
    if (index === 0) return;
    assert(index <= this.committed && index >= this.applied,
      `applied ${index} outside [${this.applied}, ${this.committed}]`);
    this.applied = index;
  }

  stableTo(index: number, term: number): void {
    this.unstable.stableTo(index, term);
  }

  stableSnapTo(index: number): void {
    this.unstable.stableSnapTo(index);
  }

  hasNextCommittedEntries(): boolean {
    if (this.unstable.snapshot !== null) return false;
    return this.committed > Math.max(this.applied, this.firstIndex() - 1);
  }

  /** Committed entries not yet applied, bounded by maxCommittedSizePerReadyBytes. */
  nextCommittedEntries(): Entry[] {
    if (!this.hasNextCommittedEntries()) return [];
    const lo = Math.max(this.applied + 1, this.firstIndex());
    const entries = this.slice(lo, this.committed + 1, this.maxCommittedSizePerReadyBytes);
    assert(!isRaftError(entries), `committed entries from ${lo} unavailable`);
    return entries;
  }

  /** Entries from `index` to the end, at most maxBytes of them (at least one). */
  entries(index: number, maxBytes: number): Entry[] | RaftError {
    if (index > this.lastIndex()) return [];
    return this.slice(index, this.lastIndex() + 1, maxBytes);
  }

  /** Entries [lo, hi) from storage and unstable, bounded by maxBytes (at least one entry). */
  slice(lo: number, hi: number, maxBytes: number): Entry[] | RaftError {
    if (lo === hi) return [];
    if (lo < this.firstIndex()) return ERR_COMPACTED;
    assert(hi <= this.lastIndex() + 1 && lo < hi, `slice(${lo}, ${hi}) out of bounds`);
    const offset = this.unstable.offset;
    if (lo >= offset) {
      const held = this.unstable.entries;
      const end = limitBySize(held, lo - offset, hi - offset, maxBytes);
      return held.slice(lo - offset, end);
    }
    const stored = this.storage.entries(lo, Math.min(hi, offset), maxBytes);
    if (isRaftError(stored)) return stored;
    if (hi <= offset || stored.length < Math.min(hi, offset) - lo) return stored;
    let size = 0;
    for (let i = 0; i < stored.length; i++) size += entrySizeBytes(stored[i]!);
    const held = this.unstable.entries;
    const out = stored.slice();
    for (let i = 0; i < hi - offset; i++) {
      const entry = held[i]!;
      size += entrySizeBytes(entry);
      if (size > maxBytes) break;
      out.push(entry);
    }
    return out;
  }

  /** The newest snapshot: the unstable one if pending, else storage's. */
  snapshot(): Snapshot | RaftError {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  /** Replaces the log with a snapshot from the leader. */
  restore(snapshot: Snapshot): void {
    this.committed = snapshot.meta.index;
    this.unstable.restore(snapshot);
  }

  /** The highest index known durable in storage and not overwritten in the unstable tail. */
  persistedLastIndex(): number {
    const stored = this.storage.lastIndex();
    return Math.min(stored, this.unstable.offset - 1);
  }
}
