/**
 * Linearizable reads, batched: every read that arrives while no ReadIndex round is being started
 * joins the next round, and one round (one heartbeat exchange on the leader) confirms all of them.
 * A round is identified by a context unique across the cluster (member id + sequence), since the
 * leader keys pending reads by context.
 *
 * Flow: enqueue(read) -> flush() asks Raft for a read index with the round's context ->
 * onReadState(ctx, index) (from a Ready) -> once the state machine has applied `index`, every read
 * of the round runs. Rounds that get no answer time out with etcd's "request timed out".
 */
import { ErrTimeout, ErrTooManyRequests } from '../errors.js';

export interface PendingRead {
  run: () => void;
  reject: (error: Error) => void;
}

interface Round {
  reads: PendingRead[];
  timer: NodeJS.Timeout;
}

const CONTEXT_BYTES = 16;

export class ReadIndexBatcher {
  private queued: PendingRead[] = [];
  private readonly rounds = new Map<string, Round>();
  private sequence = 0;

  constructor(
    private readonly memberId: number,
    private readonly timeoutMs: number,
    private readonly readsPendingMax: number,
    /** Asks Raft for a read index; returns an error when Raft refuses (no leader...). */
    private readonly requestReadIndex: (context: Uint8Array) => Error | null,
    /** Resolves once the state machine has applied `index`. */
    private readonly waitApplied: (index: number) => Promise<void>,
  ) {}

  /** Queues a read for the next round, or rejects it at once when too many reads are pending. */
  enqueue(read: PendingRead): void {
    if (this.pendingCount() >= this.readsPendingMax) return read.reject(ErrTooManyRequests);
    this.queued.push(read);
  }

  /** True when reads wait for a round to start. */
  hasQueued(): boolean {
    return this.queued.length > 0;
  }

  /** Starts one round for everything queued. */
  flush(): void {
    if (this.queued.length === 0) return;
    const reads = this.queued;
    this.queued = [];
    const context = this.nextContext();
    const refused = this.requestReadIndex(context);
    if (refused !== null) {
      for (const read of reads) read.reject(refused);
      return;
    }
    const key = contextKey(context);
    const timer = setTimeout(() => {
      this.rounds.delete(key);
      for (const read of reads) read.reject(ErrTimeout);
    }, this.timeoutMs);
    this.rounds.set(key, { reads, timer });
  }

  /** A ReadState arrived: run the round's reads once `index` is applied. */
  onReadState(context: Uint8Array, index: number): void {
    const key = contextKey(context);
    const round = this.rounds.get(key);
    if (round === undefined) return;
    this.rounds.delete(key);
    clearTimeout(round.timer);
    this.waitApplied(index).then(
      () => { for (const read of round.reads) read.run(); },
      (error: Error) => { for (const read of round.reads) read.reject(error); },
    );
  }

  /** Rejects everything (the member stops). */
  failAll(error: Error): void {
    for (const read of this.queued) read.reject(error);
    this.queued = [];
    for (const round of this.rounds.values()) {
      clearTimeout(round.timer);
      for (const read of round.reads) read.reject(error);
    }
    this.rounds.clear();
  }

  private pendingCount(): number {
    let count = this.queued.length;
    for (const round of this.rounds.values()) count += round.reads.length;
    return count;
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
