/**
 * The lessor of one member (etcd's lessor), on the main thread, with the clock injected so tests
 * drive it exactly. Every member mirrors which leases exist and their TTLs, following its own apply
 * (grants, revokes, checkpoints). Only the leader (the primary) keeps expiry times: keep-alives
 * renew them there, and an expired lease is handed to the member to revoke through Raft, so
 * expiry is decided once and replicated like any write.
 *
 * Leader changes never mass-expire leases:
 * - promote: a new leader starts each lease's clock afresh from its checkpointed remaining TTL (or
 *   its whole TTL), plus an election timeout, so clients have time to find the new leader;
 * - checkpoints: the leader periodically replicates each long lease's remaining TTL, so a new
 *   leader neither extends a nearly expired lease by its whole TTL nor shortens it;
 * - stalls: when the expiry check runs late (the process was paused, the event loop blocked), the
 *   time it missed is not held against the leases: keep-alives sent meanwhile may still be queued
 *   unread, so every expiry moves out by the stall plus an election timeout instead of expiring.
 */
import type { LeaseChange, LeaseCheckpoint } from './lease-rpc.js';

/** etcd's leaseRevokeRate: expired leases handed out for revocation per second at most. */
export const LEASE_REVOKE_PER_SECOND = 1000;
/** etcd's expiredLeaseRetryInterval: a revoke proposed but not applied is retried after this. */
export const REVOKE_RETRY_MS = 3000;
/** etcd's default lease checkpoint interval (5 minutes) and batch bound. */
export const CHECKPOINT_INTERVAL_MS_DEFAULT = 5 * 60 * 1000;
export const CHECKPOINTS_PER_PROPOSAL_MAX = 1000;

interface LeaseState {
  ttl: number;
  /** Remaining seconds of the last replicated checkpoint (0 = none in force). */
  remainingTtl: number;
  /** When it expires (primary only; Infinity elsewhere). */
  expiryMs: number;
  /** When a revoke of it was last handed out (primary only). */
  revokingSinceMs: number;
}

export interface LessorOptions {
  /** The smallest TTL granted, in seconds (etcd: 1.5 election timeouts, rounded up). */
  minTtlSeconds: number;
  /** How long a new leader, or a stalled one, adds to every lease (an election timeout). */
  extendMs: number;
  /** How often the expiry check is meant to run; a check later than twice this is a stall. */
  checkIntervalMs: number;
  checkpointIntervalMs?: number;
}

/** What the lessor has done, for /metrics (etcd's etcd_debugging_lease_* counters). */
export interface LessorStats {
  granted: number;
  revoked: number;
  renewed: number;
}

export class Lessor {
  readonly stats: LessorStats = { granted: 0, revoked: 0, renewed: 0 };
  private readonly leases = new Map<number, LeaseState>();
  private primary = false;
  private lastCheckMs: number | undefined;
  private nextCheckpointMs = 0;
  private readonly checkpointIntervalMs: number;
  /** Results at or below this applied index are already in the loaded state. */
  private loadedIndex = 0;

  constructor(private readonly options: LessorOptions) {
    this.checkpointIntervalMs = options.checkpointIntervalMs ?? CHECKPOINT_INTERVAL_MS_DEFAULT;
  }

  get isPrimary(): boolean {
    return this.primary;
  }

  get size(): number {
    return this.leases.size;
  }

  /** The TTL a grant of `ttl` seconds gets: never below the minimum. */
  grantedTtl(ttl: number): number {
    return Math.max(ttl, this.options.minTtlSeconds);
  }

  /** Loads the leases the store holds as of `appliedIndex` (at start). */
  load(leases: readonly { id: number; ttl: number; remainingTtl: number }[], appliedIndex: number): void {
    this.loadedIndex = appliedIndex;
    for (const lease of leases) this.leases.set(lease.id, { ttl: lease.ttl, remainingTtl: lease.remainingTtl, expiryMs: Infinity, revokingSinceMs: 0 });
  }

  /** A lease request applied at `index`; `nowMs` starts a granted lease's clock on the primary. */
  onApplied(index: number, change: LeaseChange, nowMs: number): void {
    if (index <= this.loadedIndex) return;
    if ('granted' in change) {
      const { ID, TTL } = change.granted;
      this.stats.granted++;
      this.leases.set(ID, { ttl: TTL, remainingTtl: 0, expiryMs: this.primary ? nowMs + TTL * 1000 : Infinity, revokingSinceMs: -Infinity });
    } else if ('revoked' in change) {
      if (this.leases.delete(change.revoked)) this.stats.revoked++;
    } else {
      for (const { ID, remaining_TTL } of change.checkpoints) {
        const lease = this.leases.get(ID);
        if (lease !== undefined) lease.remainingTtl = remaining_TTL;
      }
    }
  }

  /** This member became leader: start every lease's clock (see the file header). */
  promote(nowMs: number): void {
    this.primary = true;
    this.lastCheckMs = nowMs;
    this.nextCheckpointMs = nowMs + this.checkpointIntervalMs;
    for (const lease of this.leases.values()) {
      const seconds = lease.remainingTtl > 0 ? lease.remainingTtl : lease.ttl;
      lease.expiryMs = nowMs + seconds * 1000 + this.options.extendMs;
      lease.revokingSinceMs = -Infinity;
    }
  }

  /** This member stopped leading: expiry is another member's business now. */
  demote(): void {
    this.primary = false;
    this.lastCheckMs = undefined;
    for (const lease of this.leases.values()) lease.expiryMs = Infinity;
  }

  has(id: number): boolean {
    return this.leases.has(id);
  }

  /** Every lease id, ascending. */
  ids(): number[] {
    return [...this.leases.keys()].sort((a, b) => a - b);
  }

  /** The lease's granted TTL, or undefined. */
  ttlOf(id: number): number | undefined {
    return this.leases.get(id)?.ttl;
  }

  /**
   * etcd's Renew on the primary: the lease lives a whole TTL from now. Returns its TTL and whether
   * a checkpoint is in force that must be reset (etcd replicates remaining 0 then), or undefined
   * when the lease does not exist.
   */
  renew(id: number, nowMs: number): { ttl: number; resetCheckpoint: boolean } | undefined {
    if (!this.primary) throw new Error('lessor: renew on a member that is not the leader');
    const lease = this.leases.get(id);
    if (lease === undefined) return undefined;
    lease.expiryMs = nowMs + lease.ttl * 1000;
    this.stats.renewed++;
    return { ttl: lease.ttl, resetCheckpoint: lease.remainingTtl > 0 };
  }

  /** Seconds left before the lease expires (primary), rounded down as etcd does, or undefined. */
  remainingSeconds(id: number, nowMs: number): number | undefined {
    const lease = this.leases.get(id);
    if (lease === undefined) return undefined;
    if (!this.primary) return lease.remainingTtl > 0 ? lease.remainingTtl : lease.ttl;
    return Math.max(0, Math.floor((lease.expiryMs - nowMs) / 1000));
  }

  /**
   * The primary's periodic check: absorbs a stall (see the file header), then returns the leases
   * to revoke now (expired, not already being revoked, at most the revoke rate's share of the time
   * since the last check) and the checkpoints due.
   */
  check(nowMs: number): { expired: number[]; checkpoints: LeaseCheckpoint[] } {
    if (!this.primary) return { expired: [], checkpoints: [] };
    const sinceLastMs = this.lastCheckMs === undefined ? 0 : nowMs - this.lastCheckMs;
    this.lastCheckMs = nowMs;
    if (sinceLastMs > 2 * this.options.checkIntervalMs) {
      const pushMs = sinceLastMs + this.options.extendMs;
      for (const lease of this.leases.values()) lease.expiryMs += pushMs;
    }
    const revokeMax = Math.max(1, Math.ceil(LEASE_REVOKE_PER_SECOND * Math.max(sinceLastMs, this.options.checkIntervalMs) / 1000));
    const expired: number[] = [];
    for (const [id, lease] of this.leases) {
      if (expired.length >= revokeMax) break;
      if (lease.expiryMs > nowMs || nowMs - lease.revokingSinceMs < REVOKE_RETRY_MS) continue;
      lease.revokingSinceMs = nowMs;
      expired.push(id);
    }
    return { expired, checkpoints: this.dueCheckpoints(nowMs) };
  }

  /** Every checkpoint interval: the remaining TTL of each lease longer than the interval. */
  private dueCheckpoints(nowMs: number): LeaseCheckpoint[] {
    if (nowMs < this.nextCheckpointMs) return [];
    this.nextCheckpointMs = nowMs + this.checkpointIntervalMs;
    const checkpoints: LeaseCheckpoint[] = [];
    for (const [id, lease] of this.leases) {
      if (lease.ttl * 1000 <= this.checkpointIntervalMs || lease.expiryMs === Infinity) continue;
      const remaining = Math.max(1, Math.ceil((lease.expiryMs - nowMs) / 1000));
      if (remaining !== lease.remainingTtl) checkpoints.push({ ID: id, remaining_TTL: remaining });
    }
    return checkpoints;
  }
}
