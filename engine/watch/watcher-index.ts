/**
 * The synced watchers, found by key: watchers of a single key in a map keyed by the key's bytes
 * (one lookup per event, however many watchers there are), range watchers in a set walked per
 * event. Many thousands of watchers on a few keys (Kubernetes' pattern: one prefix per resource
 * type, many watchers per prefix) cost one lookup plus a walk of the range watchers.
 */
import type { Watcher } from './watcher.js';

/** A key as a map key: latin1 maps each byte to one char, so equal bytes give equal strings. */
function keyOf(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

export class WatcherIndex {
  private readonly byKey = new Map<string, Set<Watcher>>();
  private readonly ranges = new Set<Watcher>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(watcher: Watcher): void {
    if (watcher.interval.single) {
      const key = keyOf(watcher.interval.start);
      let set = this.byKey.get(key);
      if (set === undefined) this.byKey.set(key, set = new Set());
      set.add(watcher);
    } else {
      this.ranges.add(watcher);
    }
    this.count++;
  }

  /** Removes the watcher; false when it was not here. */
  delete(watcher: Watcher): boolean {
    let removed: boolean;
    if (watcher.interval.single) {
      const key = keyOf(watcher.interval.start);
      const set = this.byKey.get(key);
      removed = set?.delete(watcher) === true;
      if (set !== undefined && set.size === 0) this.byKey.delete(key);
    } else {
      removed = this.ranges.delete(watcher);
    }
    if (removed) this.count--;
    return removed;
  }

  /** Calls `visit` for every watcher whose key or range could hold `key` (each checks the rest). */
  forEachCandidate(key: Uint8Array, visit: (watcher: Watcher) => void): void {
    const exact = this.byKey.get(keyOf(key));
    if (exact !== undefined) for (const watcher of exact) visit(watcher);
    for (const watcher of this.ranges) visit(watcher);
  }
}
