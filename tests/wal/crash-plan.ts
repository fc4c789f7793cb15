/**
 * The deterministic workload of the crash test, shared by the child that writes it and the parent
 * that checks what survived. From a seed, a round number and the log the round starts from, it
 * yields the same steps in both processes: appends (sometimes overwriting a suffix with a new
 * term, as a follower does) and now and then a snapshot marker. `LogModel` applies steps the way
 * replay must, so the parent can compare a replay with "the first k steps applied", byte for byte.
 */
import type { Entry, HardState, SnapshotMeta } from '../../engine/raft/types.js';
import { EntryType } from '../../engine/raft/types.js';
import type { WalReplay } from '../../engine/wal/wal.js';
import { seededRandom } from '../seeded-random.js';

export type CrashStep =
  | { kind: 'append'; entries: Entry[]; hardState: HardState }
  | { kind: 'snapshot'; meta: SnapshotMeta };

export { seededRandom as prng } from '../seeded-random.js';

/** The data of the entry (term, index): its length and bytes follow from both, so any mix-up shows. */
export function entryData(term: number, index: number): Uint8Array {
  const next = seededRandom(term * 1_000_003 + index);
  const data = new Uint8Array(Math.floor(next() * 300));
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(next() * 256);
  return data;
}

/** The log as replay must rebuild it: snapshot, hard state, entries after the snapshot. */
export class LogModel {
  hardState: HardState = { term: 0, vote: 0, commit: 0 };
  snapshot: SnapshotMeta | null = null;
  entries: Entry[] = [];

  static fromReplay(replay: WalReplay): LogModel {
    const model = new LogModel();
    model.hardState = replay.hardState;
    model.snapshot = replay.snapshot;
    model.entries = replay.entries.slice();
    return model;
  }

  get snapshotIndex(): number {
    return this.snapshot?.index ?? 0;
  }

  get lastIndex(): number {
    return this.entries.at(-1)?.index ?? this.snapshotIndex;
  }

  get lastTerm(): number {
    return this.entries.at(-1)?.term ?? this.snapshot?.term ?? 0;
  }

  apply(step: CrashStep): void {
    if (step.kind === 'snapshot') {
      this.snapshot = step.meta;
      this.entries = this.entries.filter((entry) => entry.index > step.meta.index);
      return;
    }
    const first = step.entries[0]!.index;
    this.entries = this.entries.filter((entry) => entry.index < first).concat(step.entries);
    this.hardState = step.hardState;
  }
}

const SNAPSHOT_EVERY_STEPS = 150;
const OVERWRITE_PROBABILITY = 0.05;

/** Yields the steps of one round; `next` must be called in order, from step 1. */
export class CrashPlan {
  private readonly random: () => number;
  private readonly model: LogModel;
  private term: number;
  private stepNumber = 0;

  constructor(seed: number, round: number, start: LogModel) {
    this.random = seededRandom(seed * 7919 + round);
    this.model = new LogModel();
    this.model.snapshot = start.snapshot;
    this.model.entries = start.entries.slice();
    this.model.hardState = start.hardState;
    // Each round begins as a new term, as a restarted member would see.
    this.term = Math.max(start.lastTerm, start.hardState.term) + 1;
  }

  next(): CrashStep {
    this.stepNumber++;
    const step = this.stepNumber % SNAPSHOT_EVERY_STEPS === 0 && this.model.lastIndex > this.model.snapshotIndex
      ? this.snapshotStep()
      : this.appendStep();
    this.model.apply(step);
    return step;
  }

  private snapshotStep(): CrashStep {
    const index = this.model.lastIndex - Math.floor(this.random() * Math.min(10, this.model.lastIndex - this.model.snapshotIndex));
    const term = this.model.entries.find((entry) => entry.index === index)!.term;
    return { kind: 'snapshot', meta: { index, term, confState: { voters: [1, 2, 3], learners: [] } } };
  }

  private appendStep(): CrashStep {
    let first = this.model.lastIndex + 1;
    if (this.stepNumber === 1 || this.random() < OVERWRITE_PROBABILITY) {
      this.term++;
      const rewind = Math.floor(this.random() * 5);
      first = Math.max(this.model.snapshotIndex + 1, this.model.lastIndex + 1 - rewind);
    }
    const count = this.random() < 0.1 ? 64 : 1 + Math.floor(this.random() * 16);
    const entries: Entry[] = [];
    for (let index = first; index < first + count; index++) {
      entries.push({ term: this.term, index, type: EntryType.Normal, data: entryData(this.term, index) });
    }
    return { kind: 'append', entries, hardState: { term: this.term, vote: 1, commit: first - 1 } };
  }
}
