/**
 * Applier: the main thread's handle on the apply worker. `apply` pushes committed Raft entries
 * into the entry ring (waiting for room when it is full: backpressure, nothing buffers without
 * bound); the worker applies them in batches and reports back over the report ring, which the
 * main thread drains when Atomics.waitAsync wakes it. Results are delivered per entry index
 * (`wait`), to an `onResult` callback, and as the advancing `appliedIndex`. `read` has the worker
 * answer what needs the key index (Range, HashKV, watch history, a lease's keys): the main thread
 * never reads the store's data itself.
 *
 * Inline (ApplierOptions.inline, for the simulator): the same apply loop runs on this thread, one
 * turn each time the scheduler given gets to it after something was written to the ring, and its
 * reports are drained right after. Everything else (rings, records, reports) is what ships.
 */
import { Worker } from 'node:worker_threads';
import { ErrStopped, ErrTooManyRequests, EtcdError, etcdErrorOfRecord } from '../errors.js';
import type { Entry } from '../raft/types.js';
import { createRingBuffer, RingReader, RingWriter } from '../ring/byte-ring.js';
import {
  ENTRY_HEADER_BYTES, KIND_STOP, ReportReader, bytesToWaitFor, encodeEntryRecord, encodeReadRecord, encodeRestoreRecord,
  type BatchReport, type ReadReport, type RestoreOutcome, type ResultRecord, type StoreRead, type StoreReadResults, type WorkerReport,
} from './apply-protocol.js';
import type { ApplyWorkerData } from './apply-worker.js';
import { ApplyLoop } from './apply-loop.js';
import { RangePageReader } from './range-page-reader.js';
import type { RangePageFormat } from './range-pages.js';
import { SharedMetrics } from '../metrics/shared-metrics.js';
import { APPLY_METRICS_SPEC, type ApplyMetrics } from './apply-metrics.js';
import type { Event, RangeRequest } from './rpc.js';
import type { StoreOptions, WriteResponse } from './store.js';
import type { LeaseChange } from '../lease/lease-rpc.js';
import type { AlarmMember } from '../alarm/alarm-rpc.js';

/** Ring sizes: an entry ring record holds up to half of it, far above etcd's 1.5 MiB request cap. */
export const ENTRY_RING_BYTES_DEFAULT = 1 << 24;
export const REPORT_RING_BYTES_DEFAULT = 1 << 24;
/** Reads waiting for the worker's answer at most; beyond that `read` refuses (too many requests). */
export const READS_IN_FLIGHT_MAX = 100_000;
/**
 * Ranges with pages left to send at once, at most: each holds up to two pages here (the one going
 * out and the next), so together at most 2 x 256 x RANGE_PAGE_BYTES (128 MiB).
 */
export const PAGED_READS_OPEN_MAX = 256;

/** The result of applying one entry. */
export interface ApplyResult {
  index: number;
  /** The proposer's request id (RequestHeader.id), when the request carried one. */
  requestId?: number;
  /**
   * The store revision after the entry: the response header's revision. For an entry without a
   * KV request it is the revision after the batch that carried it.
   */
  revision: number;
  /** The response of a KV request that succeeded; absent for entries without a KV request. */
  response?: WriteResponse;
  /** The etcd error a KV request failed with. */
  error?: EtcdError;
  /** Change events (when the store records them), in revision order. */
  events: Event[];
  /** What a lease request changed. */
  lease?: LeaseChange;
}

export interface ApplierOptions extends StoreOptions {
  /** The store's LMDB directory. */
  path: string;
  entryRingBytes?: number;
  reportRingBytes?: number;
  /** Called for every applied entry that carried a KV request, in index order. */
  onResult?: (result: ApplyResult) => void;
  /** Called after each applied batch's results, with the store revision it reached. */
  onBatch?: (revision: number) => void;
  /** A batch taking longer than this to apply is reported to onEvent (default 100 ms, etcd's). */
  warnApplyMs?: number;
  /** Notable events of the store, for the member's log. */
  onEvent?: (event: ApplierEvent) => void;
  /**
   * Runs the apply loop on this thread instead of a worker: a turn whenever `soon` gets to it
   * (the simulator's scheduler); `now` is its wall clock (parked reads expire by it).
   */
  inline?: InlineScheduler;
}

/** What the inline apply loop runs on: the simulator's clock. */
export interface InlineScheduler {
  soon(fn: () => void): void;
  now(): number;
}

/** Who hears of what the worker applied (see Applier.listen). */
export type ApplyListener = Required<Pick<ApplierOptions, 'onResult' | 'onBatch' | 'onEvent'>>;

/** etcd's --experimental-warning-apply-duration default. */
export const WARN_APPLY_MS_DEFAULT = 100;

/** What the apply worker did that an operator should hear of. */
export type ApplierEvent =
  /** A batch of `entries` committed entries took `tookMs` to apply. */
  | { kind: 'slow-apply'; tookMs: number; entries: number; lastIndex: number }
  /** A scheduled compaction finished physically. */
  | { kind: 'compacted'; revision: number; tookMs: number }
  /** An alarm was raised (`raised`) or disarmed by an applied entry. */
  | { kind: 'alarm'; raised: boolean; alarm: AlarmMember };

interface Pending {
  entries: readonly Entry[];
  offset: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** The main thread's side of the apply worker; see the file header. Open with `Applier.open`. */
export class Applier {
  /** The apply loop, when it runs on this thread (inline). */
  private readonly loop: ApplyLoop | null = null;
  private readonly inline: InlineScheduler | null = null;
  private turnScheduled = false;
  private markStopped: () => void = () => {};
  /** Inline: settles once the loop's store is closed (see storeClosed). */
  private storeClosing: Promise<void> = Promise.resolve();
  private readonly entryWriter: RingWriter;
  private readonly reports: ReportReader;
  private readonly reportRing: RingReader;
  private readonly scratch = { bytes: new Uint8Array(4096) };
  private readonly waiters = new Map<number, { resolve: (result: ApplyResult) => void; reject: (error: Error) => void }>();
  private readonly appliedWaiters: { index: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  /** Results of physical compactions, answered once compaction has finished their revision. */
  private readonly held = new Map<number, ResultRecord>();
  private finishedCompactRev = 0;
  private readonly reads = new Map<number, { resolve: (value: never) => void; reject: (error: Error) => void }>();
  private nextReadId = 1;
  /** Paged ranges with pages left (rangeInPages). */
  private pagedOpen = 0;
  private readonly restoreWaiters = new Map<string, { resolve: (outcome: RestoreOutcome) => void; reject: (error: Error) => void }>();
  private queue: Pending[] = [];
  /** Settles once everything queued so far is in the ring. */
  private lastQueued: Promise<void> = Promise.resolve();
  private flushing = false;
  private failure: Error | undefined;
  private closing = false;
  private exited = false;
  private applied = 0;
  private appliedTermValue = 0;
  private revisionValue = 0;
  private alarmsValue: readonly AlarmMember[] = [];
  private readonly stopped: Promise<void>;
  /** Rejects with the first fault (not the ErrStopped of a close): see whenFailed. */
  private readonly failed: Promise<never>;
  private rejectFailed!: (error: Error) => void;
  private readonly ready: Promise<void>;
  private markReady!: () => void;
  private onResult: ((result: ApplyResult) => void) | undefined;
  private onBatch: ((revision: number) => void) | undefined;
  private onEvent: ((event: ApplierEvent) => void) | undefined;
  /** The first report carries the alarms already raised at start: only later changes are events. */
  private reportedOnce = false;

  /** The worker's commit durations, busy time, ring depth and MVCC op counts (apply-metrics.ts). */
  readonly metrics: ApplyMetrics = SharedMetrics.create(APPLY_METRICS_SPEC);

  private constructor(options: ApplierOptions) {
    const entryRing = createRingBuffer(options.entryRingBytes ?? ENTRY_RING_BYTES_DEFAULT);
    const reportRing = createRingBuffer(options.reportRingBytes ?? REPORT_RING_BYTES_DEFAULT);
    this.entryWriter = new RingWriter(entryRing);
    this.reportRing = new RingReader(reportRing);
    this.reports = new ReportReader(this.reportRing);
    this.onResult = options.onResult;
    this.onBatch = options.onBatch;
    this.onEvent = options.onEvent;
    this.failed = new Promise<never>((_, reject) => { this.rejectFailed = reject; });
    this.failed.catch(() => {});
    const storeOptions: StoreOptions = {};
    if (options.eventsMode !== undefined) storeOptions.eventsMode = options.eventsMode;
    if (options.maxTxnOps !== undefined) storeOptions.maxTxnOps = options.maxTxnOps;
    if (options.compactionKeysPerChunk !== undefined) storeOptions.compactionKeysPerChunk = options.compactionKeysPerChunk;
    if (options.rangeKeysPerStep !== undefined) storeOptions.rangeKeysPerStep = options.rangeKeysPerStep;
    if (options.rangePageBytes !== undefined) storeOptions.rangePageBytes = options.rangePageBytes;
    const workerData: ApplyWorkerData = {
      path: options.path, entryRing, reportRing, metrics: this.metrics.buffer, options: storeOptions,
      warnApplyMs: options.warnApplyMs ?? WARN_APPLY_MS_DEFAULT,
    };
    this.ready = new Promise((resolve) => { this.markReady = resolve; });
    if (options.inline !== undefined) {
      this.inline = options.inline;
      this.stopped = new Promise((resolve) => { this.markStopped = resolve; });
      // Opening the store here throws to open()'s caller, as a worker that failed to start does.
      this.loop = new ApplyLoop(workerData, options.inline.now);
      this.drainReports();
      return;
    }
    const worker = new Worker(new URL('./apply-worker.js', import.meta.url), { workerData });
    this.stopped = new Promise((resolve) => {
      worker.once('error', (error) => this.fail(error));
      worker.once('exit', (code) => {
        this.exited = true;
        if (!this.closing || code !== 0) this.fail(new Error(`apply worker exited with code ${code}`));
        resolve();
      });
    });
    this.pump().catch((error: Error) => this.fail(error));
  }

  /** Publishes what was written to the entry ring; inline, the loop takes a turn soon. */
  private publish(): void {
    this.entryWriter.publish();
    this.kick();
  }

  /** Resolves once the entry ring may have `bytes` free: the worker freed some, or (inline) the loop took a turn. */
  private waitForRoom(bytes: number): Promise<void> {
    if (this.inline === null) return this.entryWriter.waitForSpaceAsync(bytes);
    return new Promise<void>((resolve) => this.inline!.soon(() => {
      this.runTurn();
      resolve();
    }));
  }

  /** Inline: has the loop take a turn soon, once. */
  private kick(): void {
    if (this.inline === null || this.turnScheduled || this.exited) return;
    this.turnScheduled = true;
    this.inline.soon(() => {
      this.turnScheduled = false;
      this.runTurn();
    });
  }

  /**
   * Inline: one turn of the loop, then its reports. A throw is the store's fault, as a dead
   * worker's is; a busy loop takes another turn soon, as the worker would at once.
   */
  private runTurn(): void {
    const loop = this.loop;
    if (loop === null || this.exited) return;
    let outcome;
    try {
      outcome = loop.turn();
    } catch (error) {
      this.exited = true;
      this.fail(error as Error);
      this.closeInlineStore(loop);
      return;
    }
    this.drainReports();
    if (outcome === 'busy') this.kick();
    if (outcome === 'stopped') {
      this.exited = true;
      this.closeInlineStore(loop);
    }
  }

  /**
   * Inline: the loop stopped. Stopped now (at a point of the scheduler's, not of LMDB's own
   * timers, so a simulated run replays); the store finishes closing in the background: see storeClosed.
   */
  private closeInlineStore(loop: ApplyLoop): void {
    this.storeClosing = loop.close().catch(() => {});
    this.markStopped();
  }

  /** Inline: settles once the store is closed, so it may be opened again (a restarted member). */
  storeClosed(): Promise<void> {
    return this.storeClosing;
  }

  /**
   * For the simulator: stops at once, as a killed process would. Nothing more is applied or
   * reported; every waiter fails with ErrStopped; the store is closed as it stands (what its
   * transactions committed stays, as after a kill -9).
   */
  async crash(): Promise<void> {
    if (this.loop === null) throw new Error('only an inline applier can be crashed');
    if (this.exited) return this.stopped;
    this.exited = true;
    this.closing = true;
    this.fail(ErrStopped);
    this.closeInlineStore(this.loop);
    await this.storeClosing;
  }

  /** Starts the worker on the store at `options.path` and waits until it reports its position. */
  static async open(options: ApplierOptions): Promise<Applier> {
    const applier = new Applier(options);
    await Promise.race([applier.ready, applier.stopped]);
    if (applier.failure !== undefined) throw applier.failure;
    return applier;
  }

  /**
   * Has `listener` hear of every result, batch and event reported from now on, in place of the
   * callbacks given to open (the member attaches itself once it is built around this applier).
   */
  listen(listener: ApplyListener): void {
    this.onResult = listener.onResult;
    this.onBatch = listener.onBatch;
    this.onEvent = listener.onEvent;
  }

  /**
   * Rejects with the applier's fault whenever it happens, also if it already did: the worker died
   * (a store transaction failed: disk full, I/O error) or a compaction failed. A close is not a fault.
   */
  whenFailed(): Promise<never> {
    return this.failed;
  }

  /** The last entry index the store has durably applied (as last reported). */
  get appliedIndex(): number {
    return this.applied;
  }

  /** The term of the last applied entry. */
  get appliedTerm(): number {
    return this.appliedTermValue;
  }

  /** The store revision after the last reported batch. */
  get revision(): number {
    return this.revisionValue;
  }

  /** The raised alarms as of the last reported batch (the same on every member at one applied index). */
  get alarms(): readonly AlarmMember[] {
    return this.alarmsValue;
  }

  /**
   * Queues committed entries, in log order, for the worker. Resolves once all of them are in the
   * ring; await it before queuing more to apply backpressure.
   */
  apply(entries: readonly Entry[]): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new Error('applier is closed'));
    if (this.queue.length === 0) {
      const written = this.writeEntries(entries, 0);
      this.publish();
      if (written === entries.length) return Promise.resolve();
      return this.enqueue(entries, written);
    }
    return this.enqueue(entries, 0);
  }

  /**
   * Resolves with the result of entry `index`. Call it before the entry's batch is reported (i.e.
   * in the same turn as `apply`). An entry without a KV request resolves with no response.
   */
  wait(index: number): Promise<ApplyResult> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (index <= this.applied && !this.held.has(index)) {
      return Promise.reject(new Error(`entry ${index} was already applied (applied index ${this.applied})`));
    }
    return new Promise((resolve, reject) => this.waiters.set(index, { resolve, reject }));
  }

  /** Resolves once the applied index reaches `index` (e.g. a ReadIndex read). */
  waitApplied(index: number): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (index <= this.applied) return Promise.resolve();
    return new Promise((resolve, reject) => this.appliedWaiters.push({ index, resolve, reject }));
  }

  /**
   * Has the worker replace the store with a snapshot file once everything queued before it has
   * applied (it rides the entry ring, so it keeps its place in the order). Resolves with the
   * outcome; a damaged file resolves with `error` set and changes nothing.
   */
  async restoreSnapshot(path: string): Promise<RestoreOutcome> {
    if (this.failure !== undefined) throw this.failure;
    if (this.restoreWaiters.has(path)) throw new Error(`a restore of ${path} is already under way`);
    const outcome = new Promise<RestoreOutcome>((resolve, reject) => this.restoreWaiters.set(path, { resolve, reject }));
    await this.writeControl(encodeRestoreRecord(path));
    return outcome;
  }

  /**
   * Has the worker answer a read that needs the key index, after every entry queued before it;
   * rejects with the EtcdError the read failed with. Await the applied index first for a
   * linearizable read (waitApplied).
   */
  async read<K extends StoreRead['op']>(request: Extract<StoreRead, { op: K }>): Promise<StoreReadResults[K]> {
    return (await this.readNamed(request)).value;
  }

  /** Ranges read in pages that still have pages to send (at most PAGED_READS_OPEN_MAX). */
  get pagedReadsOpen(): number {
    return this.pagedOpen;
  }

  /**
   * A range read in pages (range-pages.ts): its head, with the reader of the pages that follow.
   * At most PAGED_READS_OPEN_MAX may have pages left at once; past that a range that turns out
   * long is dropped and refused (too many requests), so memory stays bounded by pages.
   */
  async rangeInPages(request: RangeRequest, format: RangePageFormat = 'protobuf'): Promise<RangePageReader> {
    const { id, value } = await this.readNamed({ op: 'range_pages', request, format });
    if (!value.last && this.pagedOpen >= PAGED_READS_OPEN_MAX) {
      void this.read({ op: 'range_cancel', job: id }).catch(() => {});
      throw ErrTooManyRequests;
    }
    // A range of one page holds no place: it is done already.
    if (!value.last) this.pagedOpen++;
    const release = value.last ? () => {} : () => { this.pagedOpen--; };
    return new RangePageReader(value, (kind) => (kind === 'page'
      ? this.read({ op: 'range_page', job: id })
      : this.read({ op: 'range_cancel', job: id })), release);
  }

  /** A read, with the id the worker knows it by. */
  private async readNamed<K extends StoreRead['op']>(request: Extract<StoreRead, { op: K }>): Promise<{ id: number; value: StoreReadResults[K] }> {
    if (this.failure !== undefined) throw this.failure;
    if (this.closing) throw ErrStopped;
    if (this.reads.size >= READS_IN_FLIGHT_MAX) throw ErrTooManyRequests;
    const id = this.nextReadId++;
    const answer = new Promise<StoreReadResults[K]>((resolve, reject) => this.reads.set(id, { resolve, reject }));
    // A failure while the record waits for room rejects the answer too; the caller hears it once, below.
    answer.catch(() => {});
    try {
      await this.writeControl(encodeReadRecord(id, request));
    } catch (error) {
      this.reads.delete(id);
      throw error;
    }
    return { id, value: await answer };
  }

  /** Watch history from the store (a watch hub's HistorySource): see MvccStore.history. */
  history(fromRev: number, toRev: number, eventsMax: number, withPrevKv: boolean): Promise<StoreReadResults['history']> {
    return this.read({ op: 'history', from_rev: fromRev, to_rev: toRev, events_max: eventsMax, prev_kv: withPrevKv });
  }

  /** Writes one control record (RESTORE, READ) after everything queued before it. */
  private async writeControl(record: Uint8Array): Promise<void> {
    for (;;) {
      await Promise.race([this.lastQueued.catch(() => {}), this.stopped]);
      if (this.failure !== undefined) throw this.failure;
      if (this.queue.length > 0) continue;
      if (this.entryWriter.tryWrite(record)) break;
      this.publish();
      await Promise.race([this.waitForRoom(bytesToWaitFor(this.entryWriter, record.length)), this.stopped]);
    }
    this.publish();
  }

  /**
   * Lets the worker apply everything queued, then stops it and closes its store. Waiters still
   * pending (e.g. a physical compaction the worker had not finished) fail with ErrStopped.
   */
  async close(): Promise<void> {
    if (this.closing) return this.stopped;
    await Promise.race([this.lastQueued.catch(() => {}), this.stopped]);
    this.closing = true;
    // A fault outside the worker (a failed compaction) leaves it running: it is asked to stop too.
    const stop = new Uint8Array([KIND_STOP]);
    while (!this.exited && !this.entryWriter.tryWrite(stop)) {
      this.publish();
      await Promise.race([this.waitForRoom(16), this.stopped]);
    }
    this.publish();
    await this.stopped;
    this.fail(ErrStopped);
  }

  /** Answers the physical compactions that waited for compaction to reach `finished`. */
  private compacted(finished: number): void {
    this.finishedCompactRev = Math.max(this.finishedCompactRev, finished);
    for (const [index, record] of [...this.held]) {
      if (record.compaction_wait! > this.finishedCompactRev) continue;
      this.held.delete(index);
      this.deliver(record);
    }
  }

  private onReadReport(report: ReadReport): void {
    for (const { id, value, error } of report.reads) {
      const waiter = this.reads.get(id);
      if (waiter === undefined) continue;
      this.reads.delete(id);
      if (error !== undefined) waiter.reject(etcdErrorOfRecord(error));
      else waiter.resolve(value as never);
    }
  }

  private writeEntries(entries: readonly Entry[], offset: number): number {
    let written = offset;
    while (written < entries.length && this.entryWriter.tryWrite(encodeEntryRecord(entries[written]!, this.scratch))) written++;
    return written;
  }

  private enqueue(entries: readonly Entry[], offset: number): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.queue.push({ entries, offset, resolve, reject }));
    this.lastQueued = done;
    if (!this.flushing) void this.flush();
    return done;
  }

  /** Moves queued entries into the ring as the worker frees space. */
  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0 && this.failure === undefined) {
        const head = this.queue[0]!;
        head.offset = this.writeEntries(head.entries, head.offset);
        this.publish();
        if (head.offset === head.entries.length) {
          this.queue.shift();
          head.resolve();
          continue;
        }
        const next = head.entries[head.offset]!;
        const waitBytes = bytesToWaitFor(this.entryWriter, ENTRY_HEADER_BYTES + next.data.length);
        await Promise.race([this.waitForRoom(waitBytes), this.stopped]);
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Drains the report ring whenever the worker publishes, until it closes. */
  private async pump(): Promise<void> {
    for (;;) {
      if (!this.reportRing.hasData()) await Promise.race([this.reportRing.waitForDataAsync(), this.stopped]);
      if (!this.reportRing.hasData() && this.failure !== undefined) return;
      if (this.drainReports()) return;
    }
  }

  /** Takes every report the ring holds; true once the worker reported it closed. */
  private drainReports(): boolean {
    let closed = false;
    this.reports.drain((report) => { closed = this.onWorkerReport(report) || closed; });
    return closed;
  }

  private onWorkerReport(report: WorkerReport): boolean {
    if ('reads' in report) this.onReadReport(report);
    else if ('compacted' in report) {
      this.compacted(report.compacted);
      this.onEvent?.({ kind: 'compacted', revision: report.compacted, tookMs: report.took_ms });
    }
    else return this.onReport(report);
    return false;
  }

  /** Takes the raised alarms a report carries; alarms raised or disarmed since the last report are events. */
  private noteAlarms(alarms: readonly AlarmMember[]): void {
    const previous = this.alarmsValue;
    this.alarmsValue = alarms;
    if (!this.reportedOnce || this.onEvent === undefined) return;
    const has = (list: readonly AlarmMember[], alarm: AlarmMember): boolean =>
      list.some((other) => other.memberID === alarm.memberID && other.alarm === alarm.alarm);
    for (const alarm of alarms) if (!has(previous, alarm)) this.onEvent({ kind: 'alarm', raised: true, alarm });
    for (const alarm of previous) if (!has(alarms, alarm)) this.onEvent({ kind: 'alarm', raised: false, alarm });
  }

  private onReport(report: BatchReport): boolean {
    this.finishedCompactRev = Math.max(this.finishedCompactRev, report.finished_compact_revision);
    for (const record of report.results) {
      if (record.compaction_wait !== undefined && record.compaction_wait > this.finishedCompactRev) this.held.set(record.index, record);
      else this.deliver(record);
    }
    this.applied = report.applied_index;
    this.appliedTermValue = report.applied_term;
    this.revisionValue = report.revision;
    if (report.alarms !== undefined) this.noteAlarms(report.alarms);
    if (report.slow_apply !== undefined) {
      this.onEvent?.({ kind: 'slow-apply', tookMs: report.slow_apply.took_ms, entries: report.slow_apply.entries, lastIndex: report.applied_index });
    }
    this.reportedOnce = true;
    this.onBatch?.(report.revision);
    if (report.restore !== undefined) {
      const waiter = this.restoreWaiters.get(report.restore.path);
      this.restoreWaiters.delete(report.restore.path);
      waiter?.resolve(report.restore);
    }
    if (this.waiters.size > 0) {
      // Entries without a KV request (no-ops, skipped re-sends) produce no record: settle them here.
      for (const [index, waiter] of this.waiters) {
        if (index > this.applied || this.held.has(index)) continue;
        this.waiters.delete(index);
        waiter.resolve({ index, revision: this.revisionValue, events: [] });
      }
    }
    for (let i = this.appliedWaiters.length - 1; i >= 0; i--) {
      const waiter = this.appliedWaiters[i]!;
      if (waiter.index > this.applied) continue;
      this.appliedWaiters.splice(i, 1);
      waiter.resolve();
    }
    this.markReady();
    return report.closed === true;
  }

  private deliver(record: ResultRecord): void {
    const result: ApplyResult = { index: record.index, revision: record.revision, events: record.events ?? [] };
    if (record.request_id !== undefined) result.requestId = record.request_id;
    if (record.response !== undefined) result.response = record.response;
    if (record.error !== undefined) result.error = etcdErrorOfRecord(record.error);
    if (record.lease !== undefined) result.lease = record.lease;
    this.onResult?.(result);
    const waiter = this.waiters.get(record.index);
    if (waiter === undefined) return;
    this.waiters.delete(record.index);
    waiter.resolve(result);
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    if (error !== ErrStopped) this.rejectFailed(error);
    for (const waiter of this.waiters.values()) waiter.reject(error);
    this.waiters.clear();
    for (const waiter of this.appliedWaiters) waiter.reject(error);
    this.appliedWaiters.length = 0;
    for (const waiter of this.restoreWaiters.values()) waiter.reject(error);
    this.restoreWaiters.clear();
    for (const waiter of this.reads.values()) waiter.reject(error);
    this.reads.clear();
    this.held.clear();
    for (const pending of this.queue) pending.reject(error);
    this.queue = [];
  }
}
