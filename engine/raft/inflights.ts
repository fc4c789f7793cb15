/**
 * Inflights: the MsgApp messages sent to one follower in the replicate state and not yet
 * acknowledged, remembered by the last index each carried. Bounding them bounds how far a leader
 * runs ahead of a slow follower (flow control), and so the bytes in flight to it.
 *
 * Layout: a ring of `capacity` slots; `start` is the oldest, `count` are in use.
 *
 *     slots: [ . . 7 9 12 . . . ]      start = 2, count = 3
 *                  ^start
 */
import { assert } from './errors.js';

export class Inflights {
  private readonly slots: Float64Array;
  private start = 0;
  count = 0;

  constructor(readonly capacity: number) {
    assert(Number.isInteger(capacity) && capacity > 0, 'inflights capacity must be a positive integer');
    this.slots = new Float64Array(capacity);
  }

  /** Records a MsgApp whose last entry is `lastIndex`. Indexes must increase. */
  add(lastIndex: number): void {
    assert(!this.full(), 'inflights: add to a full window');
    const slot = (this.start + this.count) % this.capacity;
    if (this.count > 0) {
      const prev = this.slots[(slot + this.capacity - 1) % this.capacity]!;
      assert(lastIndex > prev, `inflights: index ${lastIndex} not above ${prev}`);
    }
    this.slots[slot] = lastIndex;
    this.count++;
  }

  /** Frees every message whose last index is at or below `index` (they were acknowledged). */
  freeLE(index: number): void {
    while (this.count > 0 && this.slots[this.start]! <= index) {
      this.start = (this.start + 1) % this.capacity;
      this.count--;
    }
    if (this.count === 0) this.start = 0;
  }

  /** Frees the oldest message: a heartbeat answer shows the follower alive, so let one more through. */
  freeFirstOne(): void {
    if (this.count === 0) return;
    this.freeLE(this.slots[this.start]!);
  }

  full(): boolean {
    return this.count === this.capacity;
  }

  reset(): void {
    this.count = 0;
    this.start = 0;
  }
}
