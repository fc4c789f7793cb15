/**
 * Raft's safety properties (Raft paper, figure 3), checked against what the simulated members
 * report as they run. The checker keeps global records and compares each new observation with
 * them, so every check is incremental (cost proportional to what changed, not to the log length):
 *
 *   election safety       at most one leader per term
 *   log matching          an (index, term) pair names one entry and one predecessor term, so by
 *                         induction two logs that agree on (index, term) agree on the whole prefix
 *   leader completeness   a new leader's log holds every entry committed so far
 *   state machine safety  no two members apply different entries at one index; each member
 *                         applies indexes in order without gaps
 *   committed durability  an entry once committed is never replaced; a restarted member's
 *                         durable log agrees with every committed entry it still holds
 *
 * The simulator feeds it real observations; the tests feed it fabricated ones to prove each check
 * can fail.
 */
import type { Entry } from '../../engine/raft/types.js';

/** Which property broke. */
export type InvariantName =
  | 'election safety'
  | 'log matching'
  | 'leader completeness'
  | 'state machine safety'
  | 'committed durability';

/** One broken property, with enough detail to start debugging. */
export interface Violation {
  invariant: InvariantName;
  detail: string;
}

/** The read side of a member's log that the checks need (MemoryStorage fits). */
export interface LogView {
  firstIndex(): number;
  lastIndex(): number;
  /** The term at an index in [firstIndex - 1, lastIndex]; anything else is not asked. */
  term(index: number): number | { code: string };
}

/** A string that is equal for equal entries (term, type and data). */
export function entryFingerprint(entry: Entry): string {
  let data = '';
  for (let i = 0; i < entry.data.length; i++) data += String.fromCharCode(entry.data[i]);
  return `${entry.term}/${entry.type}/${data}`;
}

interface AppendRecord {
  fingerprint: string;
  /** Undefined when the member could no longer tell (its log was compacted right there). */
  previousTerm: number | undefined;
}

interface CommitRecord {
  term: number;
  fingerprint: string;
}

/** Violations beyond this are not recorded: the first few say everything. */
export const VIOLATIONS_KEPT_MAX = 20;

/** The global records and the checks against them. */
export class InvariantChecker {
  readonly violations: Violation[] = [];
  private readonly leaderByTerm = new Map<number, number>();
  private readonly appended = new Map<string, AppendRecord>();
  private readonly committed = new Map<number, CommitRecord>();
  private committedIndexMax = 0;
  private readonly applied = new Map<number, string>();
  private readonly appliedIndexByMember = new Map<number, number>();

  private fail(invariant: InvariantName, detail: string): void {
    if (this.violations.length < VIOLATIONS_KEPT_MAX) this.violations.push({ invariant, detail });
  }

  /** True when nothing broke so far. */
  ok(): boolean {
    return this.violations.length === 0;
  }

  /** A member reports being leader of `term`. */
  observeLeader(member: number, term: number): void {
    const known = this.leaderByTerm.get(term);
    if (known === undefined) this.leaderByTerm.set(term, member);
    else if (known !== member) this.fail('election safety', `members ${known} and ${member} are both leader of term ${term}`);
  }

  /**
   * A member persisted `entries` (consecutive); `previousTerm` is the term of the entry just before
   * the first one in its log (0 before index 1; undefined if compacted away).
   */
  observeAppend(member: number, entries: readonly Entry[], previousTerm: number | undefined): void {
    let before: number | undefined = previousTerm;
    for (const entry of entries) {
      const key = `${entry.index}:${entry.term}`;
      const fingerprint = entryFingerprint(entry);
      const known = this.appended.get(key);
      if (known === undefined) {
        this.appended.set(key, { fingerprint, previousTerm: before });
      } else if (known.fingerprint !== fingerprint || (before !== undefined && known.previousTerm !== undefined && known.previousTerm !== before)) {
        this.fail('log matching',
          `member ${member} holds index ${entry.index} term ${entry.term} ` +
          (known.fingerprint !== fingerprint ? 'with different data than another member'
            : `after term ${before}, another member after term ${known.previousTerm}`));
      } else if (known.previousTerm === undefined) {
        known.previousTerm = before;
      }
      before = entry.term;
    }
  }

  /** A member learned that `entry` is committed (its commit index passed it). */
  observeCommitted(member: number, entry: Entry): void {
    const known = this.committed.get(entry.index);
    const fingerprint = entryFingerprint(entry);
    if (known === undefined) {
      this.committed.set(entry.index, { term: entry.term, fingerprint });
      if (entry.index > this.committedIndexMax) this.committedIndexMax = entry.index;
    } else if (known.fingerprint !== fingerprint) {
      this.fail('committed durability',
        `member ${member} has index ${entry.index} committed as term ${entry.term}, but term ${known.term} was committed there before`);
    }
  }

  /** A member applied `entry` to its state machine. */
  observeApplied(member: number, entry: Entry): void {
    const last = this.appliedIndexByMember.get(member) ?? 0;
    if (entry.index !== last + 1) {
      this.fail('state machine safety', `member ${member} applied index ${entry.index} after index ${last}`);
    }
    this.appliedIndexByMember.set(member, entry.index);
    const fingerprint = entryFingerprint(entry);
    const known = this.applied.get(entry.index);
    if (known === undefined) this.applied.set(entry.index, fingerprint);
    else if (known !== fingerprint) this.fail('state machine safety', `member ${member} applied a different entry at index ${entry.index} than another member`);
  }

  /**
   * A member's state machine was reset to a snapshot at `index` (on restart, or a snapshot from the
   * leader): it continues applying at index + 1. A snapshot can only cover committed entries.
   */
  observeSnapshotRestored(member: number, index: number, term: number): void {
    this.appliedIndexByMember.set(member, index);
    const known = this.committed.get(index);
    if (known !== undefined && known.term !== term) {
      this.fail('committed durability', `member ${member} restored a snapshot at index ${index} term ${term}, but term ${known.term} was committed there`);
    }
  }

  /** A member just became leader: its log must hold every committed entry. */
  checkLeaderCompleteness(member: number, term: number, log: LogView): void {
    if (log.lastIndex() < this.committedIndexMax) {
      this.fail('leader completeness', `leader ${member} of term ${term} has last index ${log.lastIndex()}, below committed index ${this.committedIndexMax}`);
      return;
    }
    const mismatch = this.firstCommittedMismatch(log, Math.max(1, log.firstIndex() - 1), this.committedIndexMax);
    if (mismatch !== undefined) this.fail('leader completeness', `leader ${member} of term ${term}: ${mismatch}`);
  }

  /**
   * A member restarted from its durable storage: up to its durable commit index, its log must agree
   * with what was committed. (Past its commit index it may hold stale entries of an old term that a
   * leader has yet to overwrite: that is normal.)
   */
  checkDurableLog(member: number, log: LogView, commitIndex: number): void {
    const to = Math.min(log.lastIndex(), commitIndex, this.committedIndexMax);
    const mismatch = this.firstCommittedMismatch(log, Math.max(1, log.firstIndex() - 1), to);
    if (mismatch !== undefined) this.fail('committed durability', `member ${member} after restart: ${mismatch}`);
  }

  private firstCommittedMismatch(log: LogView, from: number, to: number): string | undefined {
    for (let index = from; index <= to; index++) {
      const known = this.committed.get(index);
      if (known === undefined) continue;
      const term = log.term(index);
      if (term !== known.term) {
        return `index ${index} has term ${typeof term === 'number' ? term : term.code}, but term ${known.term} was committed there`;
      }
    }
    return undefined;
  }
}
