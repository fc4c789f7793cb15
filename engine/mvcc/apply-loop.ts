/**
 * The apply loop: the owner of the MVCC store, and so of its in-memory key index. Each turn it
 * drains what the main thread committed from the entry ring (at most APPLY_BATCH_ENTRIES_MAX
 * entries), applies them in one LMDB transaction that also records the applied index
 * (MvccStore.applyEntries), and only after that transaction committed reports results and change
 * events on the report ring. It also answers the reads that need the key index (Range, HashKV,
 * watch history, a lease's keys), in ring order after the entries before them, so the main
 * thread, which drives Raft, never reads the store's data itself. Between batches it runs a
 * pending compaction one bounded chunk at a time.
 *
 * It runs in the apply worker thread (apply-worker.ts), which sleeps on the entry ring between
 * turns; the simulator runs the same loop on its own thread, a turn at a time (Applier's inline
 * mode), so a seed replays exactly.
 */
import type { Entry } from '../raft/types.js';
import { RingReader, RingWriter } from '../ring/byte-ring.js';
import {
  KIND_ENTRY, KIND_READ, KIND_RESTORE, KIND_STOP, decodeEntryRecord, decodeReadRecord, decodeRestoreRecord, writeReport,
  type BatchReport, type ReadAnswer, type ResultRecord,
} from './apply-protocol.js';
import { etcdErrorRecord } from '../errors.js';
import { ReadJobs } from './read-jobs.js';
import { SnapshotFileError } from '../snapshot/snapshot-file.js';
import { storageFaultMessage } from '../storage-fault.js';
import { MvccStore, type AppliedBatch, type EntryOutcome, type StoreOptions } from './store.js';
import { SharedMetrics } from '../metrics/shared-metrics.js';
import { APPLY_METRICS_SPEC, SLOW_APPLY_SECONDS, type ApplyMetrics } from './apply-metrics.js';

/** Entries applied in one LMDB transaction at most: bounds its latency and the report's size. */
export const APPLY_BATCH_ENTRIES_MAX = 4096;
/** Steps of long reads run between two looks at the entry ring: bounds what a batch waits for. */
export const READ_STEPS_PER_TURN = 4;

/** What the Applier hands the loop (through workerData, for the worker thread). */
export interface ApplyLoopData {
  path: string;
  entryRing: SharedArrayBuffer;
  reportRing: SharedArrayBuffer;
  /** The loop's metrics, see apply-metrics.ts. */
  metrics: SharedArrayBuffer;
  options: StoreOptions;
  /** A batch that takes longer than this to apply is reported (etcd's --experimental-warning-apply-duration). */
  warnApplyMs: number;
}

/** What one turn did: nothing to do (sleep until the ring has data), some work, or the loop stopped. */
export type TurnOutcome = 'idle' | 'busy' | 'stopped';

function toRecord(outcome: EntryOutcome): ResultRecord {
  const record: ResultRecord = { index: outcome.index, revision: outcome.revision };
  if (outcome.requestId !== undefined) record.request_id = outcome.requestId;
  if (outcome.response !== undefined) record.response = outcome.response;
  if (outcome.error !== undefined) record.error = etcdErrorRecord(outcome.error);
  if (outcome.events.length > 0) record.events = outcome.events;
  if (outcome.lease !== undefined) record.lease = outcome.lease;
  if (outcome.physicalCompaction !== undefined && outcome.error === undefined) record.compaction_wait = outcome.physicalCompaction;
  return record;
}

export class ApplyLoop {
  private readonly store: MvccStore;
  readonly entries: RingReader;
  private readonly reports: RingWriter;
  private readonly reads: ReadJobs;
  private readonly metrics: ApplyMetrics;
  /** The alarm table's version the main thread last heard of (-1: nothing reported yet). */
  private alarmsVersionReported = -1;
  /** When the compaction under way took its first step (performance.now()), or null when none is. */
  private compactionStartedMs: number | null = null;

  /** Opens the store and reports where it stands. `now` reads the wall clock (parked reads expire by it). */
  constructor(private readonly data: ApplyLoopData, private readonly now: () => number = Date.now) {
    this.store = new MvccStore(data.path, data.options);
    this.entries = new RingReader(data.entryRing);
    this.reports = new RingWriter(data.reportRing);
    this.reads = new ReadJobs(this.store, now);
    this.metrics = new SharedMetrics(APPLY_METRICS_SPEC, data.metrics);
    this.store.commitObserver = (seconds) => this.metrics.observe('commitSeconds', seconds);
    this.applyAndReport([], false);
    this.publishCounts();
  }

  /** One turn: applies what the ring holds, or steps the reads, or a chunk of compaction. Never waits. */
  turn(): TurnOutcome {
    const reads = this.reads;
    if (reads.parkedCount > 0) reads.expireParked(this.now());
    if (!this.entries.hasData()) {
      if (reads.size > 0) this.stepReads();
      else if (this.mayCompact()) this.compactAndReport();
      else return 'idle';
      return 'busy';
    }
    let batch: Entry[] = [];
    let answers: ReadAnswer[] = [];
    let stop = false;
    const drained = this.entries.drain((record) => {
      if (stop) throw new Error('apply worker: a record followed STOP');
      if (record[0] === KIND_ENTRY) {
        if (answers.length > 0) writeReport(this.reports, { reads: answers });
        answers = [];
        batch.push(decodeEntryRecord(record));
      } else if (record[0] === KIND_READ) {
        // Entries queued before the read apply first: the read sees them.
        if (batch.length > 0) this.applyAndReport(batch, false);
        batch = [];
        const { id, read } = decodeReadRecord(record);
        answers.push(...reads.start(id, read));
      } else if (record[0] === KIND_RESTORE) {
        // Entries queued before the snapshot apply first, and reads under way end; the snapshot
        // then replaces the store.
        if (batch.length > 0) this.applyAndReport(batch, false);
        answers.push(...reads.finishAll());
        if (answers.length > 0) writeReport(this.reports, { reads: answers });
        batch = [];
        answers = [];
        this.restoreAndReport(decodeRestoreRecord(record));
      } else if (record[0] === KIND_STOP) {
        stop = true;
      } else {
        throw new Error(`apply worker: unknown ring record kind ${record[0]}`);
      }
    }, APPLY_BATCH_ENTRIES_MAX);
    this.metrics.observe('ringDepthRecords', drained);
    if (answers.length > 0) writeReport(this.reports, { reads: answers });
    if (stop) {
      this.applyAndReport(batch, true);
      return 'stopped';
    }
    if (batch.length > 0) this.applyAndReport(batch, false);
    if (reads.size > 0) this.stepReads();
    if (this.mayCompact()) this.compactAndReport();
    this.publishCounts();
    return 'busy';
  }

  /** Closes the store (after the loop stopped, or when the simulator crashes the member). */
  close(): Promise<void> {
    return this.store.close();
  }

  /** Sends the report, with the raised alarms when they changed since the last report. */
  private send(report: BatchReport): void {
    if (this.store.alarms.version !== this.alarmsVersionReported) {
      report.alarms = [...this.store.alarms.active];
      this.alarmsVersionReported = this.store.alarms.version;
    }
    writeReport(this.reports, report);
  }

  /**
   * Applies a batch in one transaction and reports it. A request a client got wrong is an EtcdError
   * in its outcome; anything thrown is a fault of this store (its disk full or failing) and ends the
   * worker: the Applier and then the member fail for good.
   */
  private applyAndReport(batch: Entry[], closed: boolean): void {
    const start = performance.now();
    let applied: AppliedBatch;
    const startedMs = performance.now();
    try {
      applied = this.store.applyEntries(batch);
    } catch (error) {
      const entries = batch.length === 0 ? 'no entries' : `entries ${batch[0]!.index}-${batch.at(-1)!.index}`;
      throw new Error(`apply worker: applying ${entries} to the store failed: ${storageFaultMessage(error, this.data.path)}`);
    }
    const { outcomes, appliedIndex, appliedTerm, revision } = applied;
    const report: BatchReport = {
      applied_index: appliedIndex, applied_term: appliedTerm, revision, results: outcomes.map(toRecord),
      finished_compact_revision: this.store.status().finished_compact_revision,
    };
    if (closed) report.closed = true;
    // One clock read per batch, not per request: this costs the write path nothing measurable.
    const tookMs = performance.now() - startedMs;
    if (tookMs > this.data.warnApplyMs && batch.length > 0) report.slow_apply = { took_ms: tookMs, entries: batch.length };
    this.send(report);
    const seconds = (performance.now() - start) / 1000;
    this.metrics.observe('busySeconds', seconds);
    // etcd times each request; a batch applies in one transaction, so the batch is what is timed here.
    if (seconds > SLOW_APPLY_SECONDS) this.metrics.add('slowApplies', 1);
  }

  /** Publishes the store's op counts and live keys (a handful of atomic stores, once per turn of the loop). */
  private publishCounts(): void {
    const ops = this.store.opCounts;
    this.metrics.set('puts', ops.puts);
    this.metrics.set('ranges', ops.ranges);
    this.metrics.set('deletes', ops.deletes);
    this.metrics.set('txns', ops.txns);
    this.metrics.set('liveKeys', this.store.liveKeys);
  }

  /**
   * Replaces the store with a snapshot file and reports where it stands. A damaged file changes
   * nothing and is reported, not thrown: the member refuses that snapshot and carries on. Any other
   * failure is the store's own (as in applyAndReport) and ends the worker.
   */
  private restoreAndReport(path: string): void {
    let report: BatchReport;
    try {
      const { restored, appliedIndex, appliedTerm, revision } = this.store.restoreSnapshot(path);
      report = {
        applied_index: appliedIndex, applied_term: appliedTerm, revision, results: [], restore: { path, restored },
        finished_compact_revision: this.store.status().finished_compact_revision,
      };
    } catch (error) {
      if (!(error instanceof SnapshotFileError)) {
        throw new Error(`apply worker: restoring the snapshot ${path} failed: ${storageFaultMessage(error, this.data.path)}`);
      }
      const position = this.store.applyEntries([]);
      report = {
        applied_index: position.appliedIndex, applied_term: position.appliedTerm, revision: position.revision, results: [],
        restore: { path, restored: false, error: (error as Error).message },
        finished_compact_revision: this.store.status().finished_compact_revision,
      };
    }
    this.send(report);
  }

  /** One chunk of a pending compaction; reports when it completes. */
  private compactAndReport(): void {
    let finished: number;
    this.compactionStartedMs ??= performance.now();
    try {
      finished = this.store.compactStep();
    } catch (error) {
      // The compaction was scheduled by a committed entry, so it must finish: a store that cannot
      // run it (its disk full or failing) cannot go on either.
      throw new Error(`apply worker: compacting the store failed: ${storageFaultMessage(error, this.data.path)}`);
    }
    if (finished > 0) {
      writeReport(this.reports, { compacted: finished, took_ms: performance.now() - this.compactionStartedMs });
      this.compactionStartedMs = null;
    }
  }

  /** True when a compaction is pending and no running read needs the rows it would remove. */
  private mayCompact(): boolean {
    if (!this.store.compactionPending()) return false;
    return this.reads.allowCompaction(this.store.status().compact_revision);
  }

  /** Steps of the long reads, then answers for those that finished. */
  private stepReads(): void {
    const answers = this.reads.run(READ_STEPS_PER_TURN);
    if (answers.length > 0) writeReport(this.reports, { reads: answers });
  }
}
