/**
 * The keys attached to each lease (etcd's lessor itemSet), in the apply worker's memory beside the
 * key index. Every kv row carries its lease, so the newest row of each key says where it belongs:
 * the set is rebuilt from the kv table when the store opens, and each put and delete moves its key
 * inside the same apply. Nothing is keyed by the user key in LMDB, so a key of any length can be
 * attached to a lease.
 */
import { NO_LEASE } from './lease-table.js';

export class LeaseKeys {
  /** lease id -> attached keys (latin1 strings, as the key index holds them). */
  private readonly byLease = new Map<number, Set<string>>();

  /** Moves `key` from lease `from` to lease `to` (either may be NO_LEASE). */
  move(key: string, from: number, to: number): void {
    if (from === to) return;
    if (from !== NO_LEASE) {
      const keys = this.byLease.get(from);
      keys?.delete(key);
      if (keys?.size === 0) this.byLease.delete(from);
    }
    if (to === NO_LEASE) return;
    let keys = this.byLease.get(to);
    if (keys === undefined) {
      keys = new Set();
      this.byLease.set(to, keys);
    }
    keys.add(key);
  }

  /** The keys attached to lease `id`, in byte order. */
  keysOf(id: number): Buffer[] {
    const keys = [...(this.byLease.get(id) ?? [])];
    keys.sort();
    return keys.map((key) => Buffer.from(key, 'latin1'));
  }

  /** Forgets everything (the store was replaced and is rebuilt). */
  clear(): void {
    this.byLease.clear();
  }
}
