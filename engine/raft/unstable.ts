/**
 * Unstable: the tail of the log not yet known to be durable (etcd's unstable). It holds entries
 * (and possibly an incoming snapshot) from `offset` on until the driver persists them and calls
 * advance(), which moves them to "stable" (storage). Entries here may still be overwritten by a
 * new leader's conflicting entries.
 *
 *     storage: [ first .. offset-1 ]   unstable.entries: [ offset .. offset+len-1 ]
 */
import type { Snapshot } from './message.js';
import type { Entry } from './types.js';
import { assert } from './errors.js';

export class Unstable {
  snapshot: Snapshot | null = null;
  entries: Entry[] = [];
  /** Index of entries[0] (one after the last stable index when entries is empty). */
  offset: number;

  constructor(offset: number) {
    this.offset = offset;
  }

  /** The first index, if a snapshot is pending (everything before it is gone). */
  maybeFirstIndex(): number | null {
    return this.snapshot === null ? null : this.snapshot.meta.index + 1;
  }

  maybeLastIndex(): number | null {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot === null ? null : this.snapshot.meta.index;
  }

  /** The term of entry i if it is held here, else null. */
  maybeTerm(index: number): number | null {
    if (index < this.offset) {
      if (this.snapshot !== null && this.snapshot.meta.index === index) return this.snapshot.meta.term;
      return null;
    }
    const entry = this.entries[index - this.offset];
    return entry === undefined ? null : entry.term;
  }

  /** Entries up to (index, term) are durable: drop them, unless they were overwritten meanwhile. */
  stableTo(index: number, term: number): void {
    const held = this.maybeTerm(index);
    if (held === null || held !== term || index < this.offset) return;
    this.entries = this.entries.slice(index + 1 - this.offset);
    this.offset = index + 1;
  }

  /** The snapshot at `index` is durable. */
  stableSnapTo(index: number): void {
    if (this.snapshot !== null && this.snapshot.meta.index === index) this.snapshot = null;
  }

  /** Replaces everything with a snapshot received from the leader. */
  restore(snapshot: Snapshot): void {
    this.offset = snapshot.meta.index + 1;
    this.entries = [];
    this.snapshot = snapshot;
  }

  /** Appends entries, first truncating any held entries at or after the first new index. */
  truncateAndAppend(entries: readonly Entry[]): void {
    const after = entries[0]!.index;
    if (after === this.offset + this.entries.length) {
      for (let i = 0; i < entries.length; i++) this.entries.push(entries[i]!);
    } else if (after <= this.offset) {
      // The new entries replace all we hold (and some stable ones: storage.append truncates those).
      this.offset = after;
      this.entries = entries.slice();
    } else {
      this.entries = this.entries.slice(0, after - this.offset);
      for (let i = 0; i < entries.length; i++) this.entries.push(entries[i]!);
    }
  }

  /** Entries [lo, hi) held here. */
  slice(lo: number, hi: number): Entry[] {
    assert(lo >= this.offset && hi <= this.offset + this.entries.length && lo <= hi,
      `unstable.slice(${lo}, ${hi}) out of bounds [${this.offset}, ${this.offset + this.entries.length}]`);
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
