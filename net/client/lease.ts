/**
 * A lease of CairnClient, kept alive by the client (clientv3's KeepAlive, the etcd3 npm client's
 * Lease):
 *
 *   const lease = await client.grant(10);
 *   await client.put('service/a', 'up', { lease });
 *   void lease.lost.then((reason) => ...);   // gone, or not renewed in time: re-register
 *   lease.close();                           // stop renewing: the server expires it after its TTL
 *
 *   alive ──a keep-alive answered TTL 0, or the deadline passed unrenewed──> lost   (`lost` resolves)
 *     └──close(), revoke(), client.close()──────────────────────────────> closed (`lost` stays pending)
 *
 * Deadline: the leader renews a lease when a keep-alive reaches it, so the lease cannot expire
 * before (the time that keep-alive was sent) + TTL. The client keeps this bound for its latest
 * successful keep-alive (the grant's send time at first); past it the lease counts as lost, since
 * the server may already have revoked it and deleted its keys (clientv3 likewise closes a
 * keep-alive channel past its deadline). A deliberately closed lease is not "lost".
 *
 * Automatic keep-alive (unless granted with keepAlive: false): one keep-alive TTL/3 after the last
 * one was answered, as clientv3 and the etcd3 npm client do; after a failure, again after a
 * back-off, until the deadline. A keep-alive is idempotent, so the client retries it across
 * failover (cairn-client.ts): the member it reaches next forwards it to the leader.
 *
 * Bounds: one automatic keep-alive in flight per lease, each bounded by the deadline; two timers
 * per lease (the next keep-alive, the deadline), both cleared when the lease leaves `alive`.
 */
import { ErrLeaseNotFound, type EtcdError } from '../../engine/errors.js';
import type { LeaseKeepAliveResponse, LeaseTimeToLiveResponse } from '../../engine/lease/lease-rpc.js';
import type { WithHeader } from '../../engine/wire/response-header.js';
import type { LeaseOp } from '../http/ws/protocol.js';
import { backoffMs } from './backoff.js';
import { leaseClosed, leaseExpired } from './client-errors.js';

export type LeaseState = 'alive' | 'lost' | 'closed';
export type LeaseKeepAliveResult = WithHeader<LeaseKeepAliveResponse>;
export type LeaseTimeToLiveResult = WithHeader<LeaseTimeToLiveResponse>;
export type LeaseRevokeResult = WithHeader<object>;

/** What a lease needs from its client. */
export interface LeaseHost {
  readonly requestTimeoutMs: number;
  /** One call, retried by the client as its op allows, failing at `deadlineMs`. */
  call<T>(op: LeaseOp, body: unknown, deadlineMs: number): Promise<T>;
  /** The lease has left `alive`. */
  forget(lease: Lease): void;
}

/** setTimeout's largest delay; a longer one fires at once, so long waits are taken in steps. */
const TIMER_MS_MAX = 2 ** 31 - 1;

export class Lease {
  /**
   * Resolves, with the reason, once the lease is lost: ErrLeaseNotFound when the server answered a
   * keep-alive with TTL 0 (revoked or expired), a DEADLINE_EXCEEDED error (client-errors.ts
   * leaseExpired) when it could not be renewed before its deadline. Never rejects; stays pending
   * for a lease that is closed or revoked by the caller.
   */
  readonly lost: Promise<EtcdError>;
  private resolveLost!: (reason: EtcdError) => void;
  private lostReason: EtcdError | null = null;
  private currentState: LeaseState = 'alive';
  private ttlSeconds: number;
  private deadline: number;
  private deadlineTimer: NodeJS.Timeout | null = null;
  private keepAliveTimer: NodeJS.Timeout | null = null;
  /** Automatic keep-alives that failed in a row (the back-off's attempt). */
  private failures = 0;

  /** Granted with `ttlSeconds` by a request sent at `grantSentAtMs`. */
  constructor(private readonly host: LeaseHost, readonly id: number, ttlSeconds: number, grantSentAtMs: number, automatic: boolean) {
    this.ttlSeconds = ttlSeconds;
    this.deadline = grantSentAtMs + ttlSeconds * 1000;
    this.lost = new Promise((resolve) => { this.resolveLost = resolve; });
    this.armDeadline();
    if (automatic) this.scheduleKeepAlive(this.intervalMs());
  }

  /** The lease's TTL in seconds, as last granted or renewed. */
  get ttl(): number {
    return this.ttlSeconds;
  }

  get state(): LeaseState {
    return this.currentState;
  }

  /** Until when (ms since the epoch) the lease surely lives on the server, by the last successful keep-alive. */
  get deadlineMs(): number {
    return this.deadline;
  }

  /**
   * One keep-alive. Rejects with ErrLeaseNotFound when the server answers TTL 0 (the lease is then
   * lost), and without sending anything once the lease is lost (with the reason) or closed.
   */
  async keepAlive(): Promise<LeaseKeepAliveResult> {
    if (this.currentState !== 'alive') throw this.lostReason ?? leaseClosed(this.id);
    const sentAtMs = Date.now();
    const deadlineMs = Math.min(sentAtMs + this.host.requestTimeoutMs, this.deadline);
    const answer = await this.host.call<LeaseKeepAliveResult>('lease_keep_alive', { ID: this.id }, deadlineMs);
    if (answer.TTL <= 0) {
      this.lose(ErrLeaseNotFound);
      throw ErrLeaseNotFound;
    }
    if (this.currentState === 'alive') {
      this.ttlSeconds = answer.TTL;
      if (sentAtMs + answer.TTL * 1000 > this.deadline) {
        this.deadline = sentAtMs + answer.TTL * 1000;
        this.armDeadline();
      }
    }
    return answer;
  }

  /** TimeToLive: TTL -1 when the lease no longer exists; `keys` lists the keys attached to it. */
  timeToLive(options: { keys?: boolean } = {}): Promise<LeaseTimeToLiveResult> {
    return this.host.call('lease_time_to_live', { ID: this.id, keys: options.keys === true }, Date.now() + this.host.requestTimeoutMs);
  }

  /** Stops the keep-alives, then revokes the lease: its keys are deleted. */
  revoke(): Promise<LeaseRevokeResult> {
    this.close();
    return this.host.call('lease_revoke', { ID: this.id }, Date.now() + this.host.requestTimeoutMs);
  }

  /** Stops the keep-alives; the server expires the lease (and deletes its keys) after its TTL. */
  close(): void {
    if (this.currentState !== 'alive') return;
    this.currentState = 'closed';
    this.stopTimers();
  }

  private intervalMs(): number {
    return Math.min((this.ttlSeconds * 1000) / 3, TIMER_MS_MAX);
  }

  private scheduleKeepAlive(delayMs: number): void {
    this.keepAliveTimer = setTimeout(() => {
      this.keepAliveTimer = null;
      void this.renew();
    }, delayMs);
  }

  /** One automatic keep-alive, then the next one is scheduled (unless the lease left `alive`). */
  private async renew(): Promise<void> {
    let delayMs: number;
    try {
      await this.keepAlive();
      this.failures = 0;
      delayMs = this.intervalMs();
    } catch {
      // Past the deadline the deadline timer declares the lease lost; until then, try again.
      delayMs = backoffMs(this.failures++);
    }
    if (this.currentState === 'alive') this.scheduleKeepAlive(delayMs);
  }

  private armDeadline(): void {
    if (this.deadlineTimer !== null) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(() => {
      this.deadlineTimer = null;
      if (Date.now() >= this.deadline) this.lose(leaseExpired(this.id));
      else this.armDeadline();
    }, Math.min(Math.max(0, this.deadline - Date.now()), TIMER_MS_MAX));
  }

  private lose(reason: EtcdError): void {
    if (this.currentState !== 'alive') return;
    this.currentState = 'lost';
    this.lostReason = reason;
    this.stopTimers();
    this.resolveLost(reason);
  }

  private stopTimers(): void {
    if (this.keepAliveTimer !== null) clearTimeout(this.keepAliveTimer);
    if (this.deadlineTimer !== null) clearTimeout(this.deadlineTimer);
    this.keepAliveTimer = null;
    this.deadlineTimer = null;
    this.host.forget(this);
  }
}
