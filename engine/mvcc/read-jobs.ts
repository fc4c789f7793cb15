/**
 * The reads the apply worker answers, run in bounded steps between its batches. A read's first
 * step runs as soon as its record is drained, so a small read (one key, a short range, a page of
 * history) answers at once; a long one (a full-keyspace range, HashKV) goes on one step at a time,
 * round robin with the others, so it never holds the worker, or the small reads and the applies
 * queued behind it, for more than a step. A range answered in pages parks after each page until
 * the main thread asks for the next (range_page), so it costs nothing while its client is slow;
 * a parked read nobody asks on for PARKED_READ_IDLE_MS is dropped, so it cannot hold compaction
 * back for ever.
 */
import { ErrTimeout, EtcdError, etcdErrorRecord } from '../errors.js';
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
 * How long a paged range may wait for its next page to be asked for. Pages are asked for as the
 * client takes them, so only a client that stopped reading for this long (or a main thread that
 * lost track of the read) leaves one parked that long; dropping it lets compaction go on.
 */
export const PARKED_READ_IDLE_MS = 60_000;

/** A read under way: `id` is the READ record its next answer goes to, `first` the one that started it. */
interface Job {
  id: number;
  first: number;
  read: Answerable;
  parkedAt?: number;
}

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
    case 'range_pages': return store.rangeInPages(request.request, request.format);
    case 'hash_kv': return store.hashKVInSteps(request.request);
    case 'txn': return immediate(store.readOnlyTxn(request.request));
    case 'history': return immediate(store.history(request.from_rev, request.to_rev, request.events_max, request.prev_kv));
    case 'lease_keys': return immediate(store.leaseKeys(request.id));
    case 'members': return immediate({ members: store.members(), removed: store.removedMembers() });
    case 'range_page': case 'range_cancel':
      throw new Error(`read jobs: ${request.op} names a read, it does not start one`);
  }
}

/** Runs a step; an etcd error is the read's answer, anything else is a fault of the store (thrown). */
function attempt<T>(id: number, run: () => T): { value: T } | { answer: ReadAnswer } {
  try {
    return { value: run() };
  } catch (error) {
    if (!(error instanceof EtcdError)) throw error;
    return { answer: { id, error: etcdErrorRecord(error) } };
  }
}

export class ReadJobs {
  /** Reads with steps left, in round-robin order. */
  private readonly running: Job[] = [];
  /** Reads with steps left that wait for a place among the running ones, oldest first. */
  private readonly waiting: Job[] = [];
  /** Paged reads waiting to be asked for their next page, by the id of the read that started them. */
  private readonly parked = new Map<number, Job>();

  /** `now` is the wall clock parked reads are timed by (the simulator gives its own). */
  constructor(private readonly store: MvccStore, private readonly now: () => number = Date.now) {}

  /** Reads with steps left. */
  get size(): number {
    return this.running.length + this.waiting.length;
  }

  /** Paged reads waiting for their next page to be asked for. */
  get parkedCount(): number {
    return this.parked.size;
  }

  /**
   * Starts a read (or goes on with a parked one) and runs its first step; returns the answers that
   * are ready: its own when that step finished it (a cancel may also answer the page request it
   * cut short).
   */
  start(id: number, request: StoreRead): ReadAnswer[] {
    if (request.op === 'range_cancel') return this.cancel(id, request.job);
    if (request.op === 'range_page') {
      const job = this.parked.get(request.job);
      // Dropped while parked (idle too long, or a snapshot replaced the store under it).
      if (job === undefined) return [{ id, error: etcdErrorRecord(ErrTimeout) }];
      this.parked.delete(request.job);
      job.id = id;
      delete job.parkedAt;
      return this.begin(job);
    }
    const started = attempt(id, () => stepped(this.store, request));
    if ('answer' in started) return [started.answer];
    return this.begin({ id, first: id, read: started.value });
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

  /**
   * Runs every read to its next answer and drops the parked ones (before a snapshot replaces the
   * store under them: their next page is answered "request timed out").
   */
  finishAll(): ReadAnswer[] {
    const answers: ReadAnswer[] = [];
    while (this.running.length > 0) answers.push(...this.run(this.running.length));
    this.parked.clear();
    return answers;
  }

  /** Drops the paged reads parked for longer than PARKED_READ_IDLE_MS. */
  expireParked(nowMs: number): void {
    for (const [first, job] of this.parked) if (nowMs - job.parkedAt! > PARKED_READ_IDLE_MS) this.parked.delete(first);
  }

  /**
   * True when compaction up to `scheduledRev` may remove rows now: no read under way started below
   * it (its rows at its revision must stay until it is done).
   */
  allowCompaction(scheduledRev: number): boolean {
    return [...this.running, ...this.waiting, ...this.parked.values()].every(({ read }) => read.compactRev >= scheduledRev);
  }

  /** Runs a read's first step; it then takes a place among the running ones, or waits for one. */
  private begin(job: Job): ReadAnswer[] {
    const answer = this.advance(job);
    if (answer !== undefined) return [answer];
    if (this.running.length < LONG_READS_RUNNING_MAX) this.running.push(job);
    else this.waiting.push(job);
    return [];
  }

  /** Drops a paged read wherever it is; a page request it was serving is answered "request timed out". */
  private cancel(id: number, first: number): ReadAnswer[] {
    if (this.parked.delete(first)) return [{ id, value: true }];
    for (const queue of [this.running, this.waiting]) {
      const at = queue.findIndex((job) => job.first === first);
      if (at < 0) continue;
      const [job] = queue.splice(at, 1);
      const next = queue === this.running ? this.waiting.shift() : undefined;
      if (next !== undefined) this.running.push(next);
      return [{ id: job!.id, error: etcdErrorRecord(ErrTimeout) }, { id, value: true }];
    }
    return [{ id, value: false }];
  }

  /** One step of a read: its answer when that step made one, else undefined. A paged read then parks. */
  private advance(job: Job): ReadAnswer | undefined {
    const stepped = attempt(job.id, () => job.read.step());
    if ('answer' in stepped) return stepped.answer;
    if (!stepped.value) return undefined;
    const answer = { id: job.id, value: job.read.result() };
    if (job.read.resumable === true) {
      job.parkedAt = this.now();
      this.parked.set(job.first, job);
    }
    return answer;
  }
}
