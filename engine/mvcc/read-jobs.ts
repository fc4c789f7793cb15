/**
 * The reads the apply worker answers, run in bounded steps between its batches. A read's first
 * step runs as soon as its record is drained, so a small read (one key, a short range, a page of
 * history) answers at once; a long one (a full-keyspace range, HashKV) goes on one step at a time,
 * round robin with the others, so it never holds the worker, or the small reads and the applies
 * queued behind it, for more than a step.
 */
import { EtcdError } from '../errors.js';
import type { ReadAnswer, StoreRead, StoreReadResults } from './apply-protocol.js';
import type { MvccStore, SteppedRead } from './store.js';

type Answerable = SteppedRead<StoreReadResults[StoreRead['op']]>;

/**
 * Long reads that take steps at once, at most. The worker has one thread, so more of them would
 * not finish sooner, only hold more half-built answers in memory: the rest wait their turn, each
 * holding one step's worth.
 */
export const LONG_READS_RUNNING_MAX = 4;

/**
 * A read that is done at once: bounded by itself (a page of history, a lease's keys), or a
 * read-only txn (at most --max-txn-ops ranges, which etcd also reads in one go).
 */
function immediate<T>(value: T): SteppedRead<T> {
  return { compactRev: Number.POSITIVE_INFINITY, step: () => true, result: () => value };
}

function stepped(store: MvccStore, request: StoreRead): Answerable {
  switch (request.op) {
    case 'range': return store.rangeInSteps(request.request);
    case 'range_encoded': return store.rangeEncodedInSteps(request.request);
    case 'hash_kv': return store.hashKVInSteps(request.request);
    case 'txn': return immediate(store.readOnlyTxn(request.request));
    case 'history': return immediate(store.history(request.from_rev, request.to_rev, request.events_max, request.prev_kv));
    case 'lease_keys': return immediate(store.leaseKeys(request.id));
  }
}

/** Runs a step; an etcd error is the read's answer, anything else is a fault of the store (thrown). */
function attempt<T>(id: number, run: () => T): { value: T } | { answer: ReadAnswer } {
  try {
    return { value: run() };
  } catch (error) {
    if (!(error instanceof EtcdError)) throw error;
    return { answer: { id, error: { code: error.code, message: error.message } } };
  }
}

export class ReadJobs {
  /** Reads with steps left, in round-robin order. */
  private readonly running: { id: number; read: Answerable }[] = [];
  /** Reads with steps left that wait for a place among the running ones, oldest first. */
  private readonly waiting: { id: number; read: Answerable }[] = [];

  constructor(private readonly store: MvccStore) {}

  /** Reads with steps left. */
  get size(): number {
    return this.running.length + this.waiting.length;
  }

  /** Starts a read and runs its first step; returns its answer when that step finished it. */
  start(id: number, request: StoreRead): ReadAnswer | undefined {
    const started = attempt(id, () => stepped(this.store, request));
    if ('answer' in started) return started.answer;
    const job = { id, read: started.value };
    const answer = this.advance(job);
    if (answer !== undefined) return answer;
    // A long read takes a place among the running ones, or waits for one.
    if (this.running.length < LONG_READS_RUNNING_MAX) this.running.push(job);
    else this.waiting.push(job);
    return undefined;
  }

  /** Runs up to `steps` steps, one per read, round robin; returns the answers of reads that finished. */
  run(steps: number): ReadAnswer[] {
    const answers: ReadAnswer[] = [];
    for (let i = 0; i < steps && this.running.length > 0; i++) {
      const job = this.running.shift()!;
      const answer = this.advance(job);
      if (answer === undefined) {
        this.running.push(job);
        continue;
      }
      answers.push(answer);
      const next = this.waiting.shift();
      if (next !== undefined) this.running.push(next);
    }
    return answers;
  }

  /** Runs every read to its end (before a snapshot replaces the store under them). */
  finishAll(): ReadAnswer[] {
    const answers: ReadAnswer[] = [];
    while (this.running.length > 0) answers.push(...this.run(this.running.length));
    return answers;
  }

  /**
   * True when compaction up to `scheduledRev` may remove rows now: no running read started below
   * it (its rows at its revision must stay until it is done).
   */
  allowCompaction(scheduledRev: number): boolean {
    return [...this.running, ...this.waiting].every(({ read }) => read.compactRev >= scheduledRev);
  }

  /** One step of a read: its answer when that finished it, else undefined. */
  private advance(job: { id: number; read: Answerable }): ReadAnswer | undefined {
    const stepped = attempt(job.id, () => job.read.step());
    if ('answer' in stepped) return stepped.answer;
    return stepped.value ? { id: job.id, value: job.read.result() } : undefined;
  }
}
