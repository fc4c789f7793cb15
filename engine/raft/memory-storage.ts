/**
 * Storage: what the Raft core reads of the persisted log, and MemoryStorage, an in-memory
 * implementation like etcd's (tests, the simulator, benchmarks; engine/node backs the same
 * interface with the WAL). The core only reads storage; the driver writes it, in the order the
 * Ready contract gives (snapshot, then entries, then hard state), before calling advance().
 *
 * Layout of MemoryStorage.entriesSinceSnapshot:
 *
 *     [0]: dummy {index: snapshot index, term: snapshot term}   [1..]: entries snapshot+1 .. last
 *
 * The dummy makes term(snapshot index) answerable after compaction, which the log-matching check
 * of the first MsgApp after a snapshot needs.
 */
import type { ConfState, Entry, HardState } from './types.js';
import { EntryType, entrySizeBytes } from './types.js';
import type { Snapshot } from './message.js';
import type { RaftError } from './errors.js';
import { ERR_COMPACTED, ERR_SNAPSHOT_OUT_OF_DATE, ERR_UNAVAILABLE, assert } from './errors.js';

/** What a member restarts from: its hard state and the membership of its newest snapshot. */
export interface InitialState {
  hardState: HardState;
  confState: ConfState;
}

/** The core's read-only view of persisted Raft state. */
export interface Storage {
  initialState(): InitialState;
  /** Entries [lo, hi), at most maxBytes of them (but at least one if any), or ERR_COMPACTED. */
  entries(lo: number, hi: number, maxBytes: number): Entry[] | RaftError;
  /** The term of entry i (also of the snapshot's index), or ERR_COMPACTED / ERR_UNAVAILABLE. */
  term(index: number): number | RaftError;
  /** Index of the last entry (the snapshot index if no entry follows it). */
  lastIndex(): number;
  /** Index of the first entry still held (snapshot index + 1). */
  firstIndex(): number;
  /** The newest snapshot, or ERR_SNAPSHOT_TEMPORARILY_UNAVAILABLE while one is being made. */
  snapshot(): Snapshot | RaftError;
}

const EMPTY_DATA = new Uint8Array(0);

/** An in-memory Storage; also the writer side a driver uses to persist a Ready. */
export class MemoryStorage implements Storage {
  private hardState: HardState = { term: 0, vote: 0, commit: 0 };
  private currentSnapshot: Snapshot;
  private entriesSinceSnapshot: Entry[];

  /**
   * A fresh storage whose (empty) initial snapshot at index 0 names the starting membership.
   * A founding member passes the initial cluster. A member joining an existing cluster passes
   * the membership it joins, itself included as a learner (what MemberAdd answered, as etcd's
   * --initial-cluster-state=existing does): this snapshot is never replicated, and replaying the
   * leader's ConfChange entries on top of it converges to the leader's membership.
   */
  constructor(confState: ConfState = { voters: [], learners: [] }) {
    this.currentSnapshot = {
      meta: { index: 0, term: 0, confState: { voters: [...confState.voters], learners: [...confState.learners] } },
      data: EMPTY_DATA,
    };
    this.entriesSinceSnapshot = [dummyEntry(0, 0)];
  }

  initialState(): InitialState {
    return { hardState: { ...this.hardState }, confState: this.currentSnapshot.meta.confState };
  }

  /** Persists the hard state (Ready.hardState). */
  setHardState(hardState: HardState): void {
    this.hardState = { ...hardState };
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] | RaftError {
    const offset = this.entriesSinceSnapshot[0]!.index;
    if (lo <= offset) return ERR_COMPACTED;
    assert(hi <= this.lastIndex() + 1, `entries(${lo}, ${hi}) beyond last index ${this.lastIndex()}`);
    assert(lo <= hi, `entries(${lo}, ${hi}) with lo > hi`);
    const end = limitBySize(this.entriesSinceSnapshot, lo - offset, hi - offset, maxBytes);
    return this.entriesSinceSnapshot.slice(lo - offset, end);
  }

  term(index: number): number | RaftError {
    const offset = this.entriesSinceSnapshot[0]!.index;
    if (index < offset) return ERR_COMPACTED;
    if (index - offset >= this.entriesSinceSnapshot.length) return ERR_UNAVAILABLE;
    return this.entriesSinceSnapshot[index - offset]!.term;
  }

  lastIndex(): number {
    return this.entriesSinceSnapshot[0]!.index + this.entriesSinceSnapshot.length - 1;
  }

  firstIndex(): number {
    return this.entriesSinceSnapshot[0]!.index + 1;
  }

  snapshot(): Snapshot {
    return this.currentSnapshot;
  }

  /** Replaces the whole log with a snapshot received from the leader (Ready.snapshot). */
  applySnapshot(snapshot: Snapshot): RaftError | null {
    if (snapshot.meta.index <= this.currentSnapshot.meta.index) return ERR_SNAPSHOT_OUT_OF_DATE;
    this.currentSnapshot = snapshot;
    this.entriesSinceSnapshot = [dummyEntry(snapshot.meta.index, snapshot.meta.term)];
    return null;
  }

  /**
   * Records the application's snapshot at `index` (which it has applied), so a lagging follower can
   * be sent it. Does not drop entries: call compact() for that, keeping some entries so slightly
   * lagging followers still catch up from the log.
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot | RaftError {
    if (index <= this.currentSnapshot.meta.index) return ERR_SNAPSHOT_OUT_OF_DATE;
    assert(index <= this.lastIndex(), `createSnapshot(${index}) beyond last index ${this.lastIndex()}`);
    const term = this.term(index);
    assert(typeof term === 'number', `createSnapshot(${index}): term unavailable`);
    this.currentSnapshot = {
      meta: { index, term, confState: { voters: [...confState.voters], learners: [...confState.learners] } },
      data,
    };
    return this.currentSnapshot;
  }

  /**
   * Log compaction: discards entries up to and including `compactIndex`. The application must
   * have applied them and should have a snapshot covering them (createSnapshot), or a follower
   * that needs them can no longer catch up.
   */
  compact(compactIndex: number): RaftError | null {
    const offset = this.entriesSinceSnapshot[0]!.index;
    if (compactIndex <= offset) return ERR_COMPACTED;
    assert(compactIndex <= this.lastIndex(), `compact(${compactIndex}) beyond last index ${this.lastIndex()}`);
    const kept = this.entriesSinceSnapshot.slice(compactIndex - offset);
    kept[0] = dummyEntry(kept[0]!.index, kept[0]!.term);
    this.entriesSinceSnapshot = kept;
    return null;
  }

  /**
   * Persists Ready.entries. Entries overlapping the stored log replace it from the first
   * overlapping index on (a new leader's conflicting suffix wins); entries already compacted away
   * are skipped.
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[0]!.index + entries.length - 1;
    if (last < first) return;
    const skip = first > entries[0]!.index ? first - entries[0]!.index : 0;
    const offset = entries[skip]!.index - this.entriesSinceSnapshot[0]!.index;
    const held = this.entriesSinceSnapshot.length;
    assert(offset <= held, `append at ${entries[skip]!.index} leaves a gap after last index ${this.lastIndex()}`);
    if (offset < held) this.entriesSinceSnapshot.length = offset;
    for (let i = skip; i < entries.length; i++) this.entriesSinceSnapshot.push(entries[i]!);
  }
}

function dummyEntry(index: number, term: number): Entry {
  return { index, term, type: EntryType.Normal, data: EMPTY_DATA };
}

/**
 * The end (exclusive) of entries[start, end) trimmed to maxBytes; always keeps at least one entry,
 * so an entry larger than the bound still makes progress.
 */
export function limitBySize(entries: readonly Entry[], start: number, end: number, maxBytes: number): number {
  if (end - start <= 1) return end;
  let size = entrySizeBytes(entries[start]!);
  for (let i = start + 1; i < end; i++) {
    size += entrySizeBytes(entries[i]!);
    if (size > maxBytes) return i;
  }
  return end;
}
