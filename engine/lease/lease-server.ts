/**
 * etcd's Lease service on one member, which every transport reaches through the EtcdServer:
 * - Grant and Revoke are replicated through Raft; the apply worker records them in LMDB and every
 *   member's lessor follows (onApplied).
 * - KeepAlive and TimeToLive are answered by the leader, whose lessor holds the expiry clocks,
 *   after it has applied everything committed (etcd's waitAppliedIndex); a follower forwards them
 *   to the leader (the forwarder, over the peer port), as etcd's followers do.
 * - Leases lists the leases this member knows after a ReadIndex round (linearizable).
 * - The leader's check runs every LEASE_CHECK_INTERVAL_MS: expired leases are revoked through Raft,
 *   due checkpoints replicated (see lessor.ts for why leases are never mass-expired).
 */
import { ErrLeaseNotFound, ErrLeaseTTLTooLarge, ErrNoLeader, EtcdError, GrpcCode } from '../errors.js';
import type { ApplyResult } from '../mvcc/applier.js';
import type { MvccReader } from '../mvcc/store.js';
import type { KvServer } from '../node/kv-server.js';
import type { ResponseHeader, WithHeader } from '../wire/response-header.js';
import type { Member } from '../node/member.js';
import { StateRole } from '../raft/raw-node.js';
import { KEEPALIVE_WINDOW_MS, KeepAliveBatcher } from './keepalive-batcher.js';
import type { Clock, TimerHandle } from '../node/ports.js';
import { SYSTEM_CLOCK } from '../node/system-clock.js';
import { NO_LEASE } from './lease-table.js';
import { CHECKPOINTS_PER_PROPOSAL_MAX, Lessor } from './lessor.js';
import {
  MAX_LEASE_TTL_SECONDS, type LeaseGrantRequest, type LeaseGrantResponse, type LeaseKeepAliveResponse, type LeaseLeasesResponse,
  type LeaseRevokeRequest, type LeaseRevokeResponse, type LeaseTimeToLiveRequest, type LeaseTimeToLiveResponse,
} from './lease-rpc.js';

/** etcd checks for expired leases every 500 ms. */
export const LEASE_CHECK_INTERVAL_MS = 500;

/** Asks the leader to answer keep-alives or a time-to-live (a follower's side; net/peer). */
export interface LeaderForwarder {
  /** The TTL of each lease renewed, in order (0: no such lease). */
  keepAlives(leaderId: number, ids: number[]): Promise<number[]>;
  timeToLive(leaderId: number, request: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponse>;
}

/** What a forwarded request asks the leader (the peer protocol's body). */
export type ForwardedLeaseRequest = { keep_alives: number[] } | { time_to_live: LeaseTimeToLiveRequest };

/** A batch of keep-alives answered: the TTL of each (0: no such lease) and one header for all. */
export interface KeepAliveAnswers {
  ttls: number[];
  header: ResponseHeader;
}

export interface LeaseServerOptions {
  /** The smallest TTL granted (etcd: 1.5 election timeouts, rounded up to seconds). */
  minTtlSeconds: number;
  electionTimeoutMs: number;
  checkpointIntervalMs?: number;
  /** Its wall clock (lease expiry) and timers; node's by default, the simulator's in it. */
  clock?: Clock;
}

/** etcd's minimum lease TTL for an election timeout: 1.5 of them, rounded up to whole seconds. */
export function minLeaseTtlSeconds(electionTimeoutMs: number): number {
  return Math.ceil((1.5 * electionTimeoutMs) / 1000);
}

export class LeaseServer {
  readonly lessor: Lessor;
  private readonly now: () => number;
  private readonly timer: TimerHandle;
  private readonly clock: Clock;
  private forwarder: LeaderForwarder | undefined;
  /**
   * This member's role and leader as the member last reported them (observeLeadership). The
   * lessor follows the role lazily (syncRole), where it is used, so a promotion's clock starts
   * when the new leader first needs its leases.
   */
  private leading: boolean;
  private leaderId: number;
  /** The newest pending wait for the apply to reach a commit index (appliedBarrier). */
  private barrier: { index: number; applied: Promise<void> } | null = null;
  /** Every keep-alive of this member goes through one batch per window (keepalive-batcher.ts). */
  private readonly batcher: KeepAliveBatcher<ResponseHeader>;

  constructor(private readonly member: Member, reader: MvccReader, private readonly kv: KvServer, options: LeaseServerOptions) {
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.now = () => this.clock.now();
    this.batcher = new KeepAliveBatcher((ids) => this.renewNow(ids), KEEPALIVE_WINDOW_MS, this.clock);
    this.lessor = new Lessor({
      minTtlSeconds: options.minTtlSeconds, extendMs: options.electionTimeoutMs, checkIntervalMs: LEASE_CHECK_INTERVAL_MS,
      ...(options.checkpointIntervalMs !== undefined ? { checkpointIntervalMs: options.checkpointIntervalMs } : {}),
    });
    const { leases, appliedIndex } = reader.leases();
    this.lessor.load(leases, appliedIndex);
    const { role, leader } = member.status();
    this.leading = role === StateRole.Leader;
    this.leaderId = leader;
    member.observeLeadership((changedRole, changedLeader) => {
      this.leading = changedRole === StateRole.Leader;
      this.leaderId = changedLeader;
    });
    this.timer = this.clock.setInterval(() => this.check(), LEASE_CHECK_INTERVAL_MS, true);
  }

  /** How a follower reaches the leader (set once the peer side is up). */
  setForwarder(forwarder: LeaderForwarder): void {
    this.forwarder = forwarder;
  }

  close(): void {
    this.clock.clear(this.timer);
  }

  /** An entry applied on this member (ApplyObserver). */
  onApplied(result: ApplyResult): void {
    if (result.lease === undefined) return;
    // A grant that applies right after an election starts its clock on the new leader at once.
    this.syncRole();
    this.lessor.onApplied(result.index, result.lease, this.now());
  }

  async grant(request: LeaseGrantRequest): Promise<WithHeader<LeaseGrantResponse>> {
    if (request.TTL > MAX_LEASE_TTL_SECONDS) throw ErrLeaseTTLTooLarge;
    // etcd takes any other id as given, a negative one too: only lease.NoLease (0) is no lease.
    const ID = request.ID === NO_LEASE ? this.member.newId() : request.ID;
    const result = await this.member.propose({ lease_grant: { ID, TTL: this.lessor.grantedTtl(request.TTL) } });
    return { ...(result.response as LeaseGrantResponse), header: this.kv.header(result.revision) };
  }

  async revoke(request: LeaseRevokeRequest): Promise<WithHeader<LeaseRevokeResponse>> {
    if (request.ID === NO_LEASE) throw ErrLeaseNotFound;
    const result = await this.member.propose({ lease_revoke: { ID: request.ID } });
    return { header: this.kv.header(result.revision) };
  }

  /** One keep-alive: TTL 0 when the lease does not exist, as etcd answers. */
  keepAlive(id: number): Promise<WithHeader<LeaseKeepAliveResponse>> {
    return this.batcher.keepAlive(id);
  }

  /** Several keep-alives (a gRPC stream's of one event-loop turn), answered in order with one header. */
  keepAliveMany(ids: readonly number[]): Promise<KeepAliveAnswers> {
    return this.batcher.renew(ids);
  }

  /** Renews a window's batch: one leader check, one wait for the apply, on a follower one forwarded frame. */
  private async renewNow(ids: number[]): Promise<KeepAliveAnswers> {
    const ttls = await this.onLeader((leaderId) => this.forwarder!.keepAlives(leaderId, ids), () => this.renewHere(ids));
    return { ttls, header: this.kv.header(this.member.applier.revision) };
  }

  /** TimeToLive: TTL -1 when the lease does not exist (expired or revoked), as etcd answers. */
  async timeToLive(request: LeaseTimeToLiveRequest): Promise<WithHeader<LeaseTimeToLiveResponse>> {
    const answer = await this.onLeader((leaderId) => this.forwarder!.timeToLive(leaderId, request), () => this.timeToLiveHere(request));
    return { ...answer, header: this.kv.header(this.member.applier.revision) };
  }

  /** Every lease, after a ReadIndex round. */
  async leases(): Promise<WithHeader<LeaseLeasesResponse>> {
    const ids = await this.member.readIndex(() => this.lessor.ids());
    return { leases: ids.map((ID) => ({ ID })), header: this.kv.header(this.member.applier.revision) };
  }

  /** A request a follower forwarded to this member (the peer port); refused unless it leads. */
  async answerForwarded(request: ForwardedLeaseRequest): Promise<number[] | LeaseTimeToLiveResponse> {
    if (!this.leads()) throw new EtcdError(GrpcCode.FAILED_PRECONDITION, 'etcdserver: not leader');
    return 'keep_alives' in request ? this.renewHere(request.keep_alives) : this.timeToLiveHere(request.time_to_live);
  }

  private leads(): boolean {
    this.syncRole();
    return this.lessor.isPrimary;
  }

  private async onLeader<T>(forward: (leaderId: number) => Promise<T>, here: () => Promise<T>): Promise<T> {
    // A member that stopped (or lost its disk) may still think it leads: it renews nothing.
    this.member.checkServing();
    if (this.leads()) return here();
    const leaderId = this.leaderId;
    if (leaderId === 0 || this.forwarder === undefined) throw ErrNoLeader;
    return forward(leaderId);
  }

  /**
   * The leader renews once it has applied everything committed when the keep-alive arrived (etcd's
   * waitAppliedIndex): a revoke acknowledged before the keep-alive was sent is then applied, so the
   * answer is TTL 0, never a renewal of a lease the client already saw revoked. The wait is shared
   * (appliedBarrier), so keep-alives cost one apply round together, not one each. Returns each
   * lease's TTL, 0 for a lease that does not exist.
   */
  private async renewHere(ids: readonly number[]): Promise<number[]> {
    await this.appliedBarrier();
    if (!this.leads()) throw ErrNoLeader;
    const nowMs = this.now();
    const ttls: number[] = new Array<number>(ids.length);
    let resets: { ID: number; remaining_TTL: number }[] | undefined;
    for (let i = 0; i < ids.length; i++) {
      const renewed = this.lessor.renew(ids[i]!, nowMs);
      ttls[i] = renewed?.ttl ?? 0;
      if (renewed?.resetCheckpoint === true) (resets ??= []).push({ ID: ids[i]!, remaining_TTL: 0 });
    }
    for (let i = 0; resets !== undefined && i < resets.length; i += CHECKPOINTS_PER_PROPOSAL_MAX) {
      this.proposeQuietly({ lease_checkpoint: { checkpoints: resets.slice(i, i + CHECKPOINTS_PER_PROPOSAL_MAX) } });
    }
    return ttls;
  }

  private async timeToLiveHere(request: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponse> {
    await this.appliedBarrier();
    const remaining = this.lessor.remainingSeconds(request.ID, this.now());
    const granted = this.lessor.ttlOf(request.ID);
    if (remaining === undefined || granted === undefined) return { ID: request.ID, TTL: -1, grantedTTL: 0, keys: [] };
    const keys = request.keys === true ? await this.member.applier.read({ op: 'lease_keys', id: request.ID }) : [];
    return { ID: request.ID, TTL: remaining, grantedTTL: granted, keys };
  }

  /**
   * Resolves once everything committed now has applied. Commit indexes only grow, so one pending
   * wait covers every caller that arrives before a newer commit: thousands of keep-alives a second
   * share a handful of waits.
   */
  private appliedBarrier(): Promise<void> {
    const index = this.member.status().commitIndex;
    if (this.member.applier.appliedIndex >= index) return Promise.resolve();
    if (this.barrier !== null && this.barrier.index >= index) return this.barrier.applied;
    const applied = this.member.applier.waitApplied(index);
    this.barrier = { index, applied };
    return applied;
  }

  /** Promotes or demotes the lessor to match this member's Raft role. */
  private syncRole(): void {
    if (this.leading && !this.lessor.isPrimary) this.lessor.promote(this.now());
    else if (!this.leading && this.lessor.isPrimary) this.lessor.demote();
  }

  /** The leader's periodic check: revoke what expired, replicate due checkpoints. */
  private check(): void {
    this.syncRole();
    const { expired, checkpoints } = this.lessor.check(this.now());
    for (const ID of expired) this.proposeQuietly({ lease_revoke: { ID } });
    for (let i = 0; i < checkpoints.length; i += CHECKPOINTS_PER_PROPOSAL_MAX) {
      this.proposeQuietly({ lease_checkpoint: { checkpoints: checkpoints.slice(i, i + CHECKPOINTS_PER_PROPOSAL_MAX) } });
    }
  }

  /**
   * A proposal nobody waits for: a revoke that finds the lease gone, or one lost to a leader
   * change, is simply retried by the next leader's check (REVOKE_RETRY_MS).
   */
  private proposeQuietly(request: Parameters<Member['propose']>[0]): void {
    this.member.propose(request).catch(() => {});
  }
}
