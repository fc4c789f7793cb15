/**
 * Linearizable reads, batched: every read that arrives while no ReadIndex round is being started
 * joins the next round, and one round (one heartbeat exchange on the leader) confirms all of them.
 * A round is identified by a context unique across the cluster (member id + sequence), since the
 * leader keys pending reads by context.
 *
 * Flow: enqueue(read) -> flush() asks Raft for a read index with the round's context ->
 * onReadState(ctx, index) (from a Ready) -> once the state machine has applied `index`, every read
 * of the round runs. A round that gets no answer within `retryMs` (its request went to a leader
 * that died, or was dropped) is asked again under a fresh context, as etcd re-sends ReadIndex every
 * 500 ms; once `timeoutMs` has passed since the first ask, its reads fail with "request timed out".
 */
import { ErrTimeout, ErrTooManyRequests } from '../errors.js';
import type { Clock, TimerHandle } from './ports.js';

export interface PendingRead {
  run: () => void;
  reject: (error: Error) => void;
}

interface Round {
  reads: PendingRead[];
  /** When the round's reads give up. */
  deadlineMs: number;
  retryTimer: TimerHandle;
}

const CONTEXT_BYTES = 16;

export class ReadIndexBatcher {
  private queued: PendingRead[] = [];
  private readonly rounds = new Map<string, Round>();
  private sequence = 0;
  /** Reads queued or in a round: kept as a count so the bound costs nothing per read. */
  private pendingReads = 0;

  constructor(
    private readonly memberId: number,
    private readonly timeoutMs: number,
    private readonly retryMs: number,
    private readonly readsPendingMax: number,
    /** Asks Raft for a read index; returns an error when Raft refuses (no leader...). */
    private readonly requestReadIndex: (context: Uint8Array) => Error | null,
    /** Resolves once the state machine has applied `index`. */
    private readonly waitApplied: (index: number) => Promise<void>,
    private readonly clock: Clock,
  ) {}

  /** Queues a read for the next round, or rejects it at once when too many reads are pending. */
  enqueue(read: PendingRead): void {
    if (this.pendingReads >= this.readsPendingMax) return read.reject(ErrTooManyRequests);
    this.pendingReads++;
    this.queued.push(read);
  }

  /** Reads queued or waiting for their round's answer. */
  get pendingCount(): number {
    return this.pendingReads;
  }

  /** Starts one round for everything queued. */
  flush(): void {
    if (this.queued.length === 0) return;
    const reads = this.queued;
    this.queued = [];
    const context = this.nextContext();
    const refused = this.requestReadIndex(context);
    if (refused !== null) {
      this.settle(reads, (read) => read.reject(refused));
      return;
    }
    this.track(contextKey(context), reads, this.clock.now() + this.timeoutMs);
  }

  private track(key: string, reads: PendingRead[], deadlineMs: number): void {
    const retryTimer = this.clock.setTimeout(() => this.retry(key), Math.max(1, Math.min(this.retryMs, deadlineMs - this.clock.now())));
    this.rounds.set(key, { reads, deadlineMs, retryTimer });
  }

  /** No answer yet: ask again under a new context, or give up once the deadline has passed. */
  private retry(key: string): void {
    const round = this.rounds.get(key);
    if (round === undefined) return;
    this.rounds.delete(key);
    if (this.clock.now() >= round.deadlineMs) {
      this.settle(round.reads, (read) => read.reject(ErrTimeout));
      return;
    }
    const context = this.nextContext();
    // A refusal now (no leader during an election) is not final: the next retry asks again.
    this.requestReadIndex(context);
    this.track(contextKey(context), round.reads, round.deadlineMs);
  }

  /** A ReadState arrived: run the round's reads once `index` is applied. */
  onReadState(context: Uint8Array, index: number): void {
    const key = contextKey(context);
    const round = this.rounds.get(key);
    if (round === undefined) return;
    this.rounds.delete(key);
    this.clock.clear(round.retryTimer);
    this.waitApplied(index).then(
      () => this.settle(round.reads, (read) => read.run()),
      (error: Error) => this.settle(round.reads, (read) => read.reject(error)),
    );
  }

  /** Rejects everything (the member stops). */
  failAll(error: Error): void {
    for (const read of this.queued) read.reject(error);
    this.queued = [];
    for (const round of this.rounds.values()) {
      this.clock.clear(round.retryTimer);
      for (const read of round.reads) read.reject(error);
    }
    this.rounds.clear();
    this.pendingReads = 0;
  }

  /** Ends `reads` (runs or rejects each) and stops counting them as pending. */
  private settle(reads: PendingRead[], end: (read: PendingRead) => void): void {
    this.pendingReads -= reads.length;
    for (const read of reads) end(read);
  }

  private nextContext(): Uint8Array {
    const context = new Uint8Array(CONTEXT_BYTES);
    const view = new DataView(context.buffer);
    view.setFloat64(0, this.memberId, true);
    view.setFloat64(8, ++this.sequence, true);
    return context;
  }
}

function contextKey(context: Uint8Array): string {
  return Buffer.from(context.buffer, context.byteOffset, context.byteLength).toString('hex');
}
