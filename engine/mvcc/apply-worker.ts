/**
 * The apply worker: the writer of the MVCC store's data. It sleeps on the entry ring, drains what
 * the main thread committed (at most APPLY_BATCH_ENTRIES_MAX entries), applies them in one LMDB
 * transaction that also records the applied index (MvccStore.applyEntries), and only after that
 * transaction committed reports results and change events on the report ring. Compaction is only
 * scheduled here; the snapshot pool removes the old revisions, chunk by chunk, beside it.
 */
import { workerData } from 'node:worker_threads';
import type { Entry } from '../raft/types.js';
import { RingReader, RingWriter } from '../ring/byte-ring.js';
import {
  KIND_ENTRY, KIND_RESTORE, KIND_STOP, RING_WAIT_MS, decodeEntryRecord, decodeRestoreRecord, writeReport, type BatchReport, type ResultRecord,
} from './apply-protocol.js';
import { SnapshotFileError } from '../snapshot/snapshot-file.js';
import { storageFaultMessage } from '../storage-fault.js';
import { MvccStore, type AppliedBatch, type EntryOutcome, type StoreOptions } from './store.js';

/** Entries applied in one LMDB transaction at most: bounds its latency and the report's size. */
export const APPLY_BATCH_ENTRIES_MAX = 4096;

/** What the Applier hands the worker. */
export interface ApplyWorkerData {
  path: string;
  entryRing: SharedArrayBuffer;
  reportRing: SharedArrayBuffer;
  options: StoreOptions;
}

const data = workerData as ApplyWorkerData;
const store = new MvccStore(data.path, data.options);
const entries = new RingReader(data.entryRing);
const reports = new RingWriter(data.reportRing);

function toRecord(outcome: EntryOutcome): ResultRecord {
  const record: ResultRecord = { index: outcome.index, revision: outcome.revision };
  if (outcome.requestId !== undefined) record.request_id = outcome.requestId;
  if (outcome.response !== undefined) record.response = outcome.response;
  if (outcome.error !== undefined) record.error = { code: outcome.error.code, message: outcome.error.message };
  if (outcome.events.length > 0) record.events = outcome.events;
  if (outcome.lease !== undefined) record.lease = outcome.lease;
  if (outcome.physicalCompaction !== undefined && outcome.error === undefined) record.compaction_wait = outcome.physicalCompaction;
  return record;
}

/**
 * Applies a batch in one transaction and reports it. A request a client got wrong is an EtcdError
 * in its outcome; anything thrown is a fault of this store (its disk full or failing) and ends the
 * worker: the Applier and then the member fail for good.
 */
function applyAndReport(batch: Entry[], closed: boolean): void {
  let applied: AppliedBatch;
  try {
    applied = store.applyEntries(batch);
  } catch (error) {
    const entries = batch.length === 0 ? 'no entries' : `entries ${batch[0]!.index}-${batch.at(-1)!.index}`;
    throw new Error(`apply worker: applying ${entries} to the store failed: ${storageFaultMessage(error, data.path)}`);
  }
  const { outcomes, compactionPending, appliedIndex, appliedTerm, revision } = applied;
  const report: BatchReport = { applied_index: appliedIndex, applied_term: appliedTerm, revision, results: outcomes.map(toRecord) };
  if (compactionPending) report.compaction_pending = true;
  if (closed) report.closed = true;
  writeReport(reports, report);
}

/**
 * Replaces the store with a snapshot file and reports where it stands. A damaged file changes
 * nothing and is reported, not thrown: the member refuses that snapshot and carries on. Any other
 * failure is the store's own (as in applyAndReport) and ends the worker.
 */
function restoreAndReport(path: string): void {
  let report: BatchReport;
  try {
    const { restored, appliedIndex, appliedTerm, revision } = store.restoreSnapshot(path);
    report = { applied_index: appliedIndex, applied_term: appliedTerm, revision, results: [], restore: { path, restored } };
    if (store.compactionPending()) report.compaction_pending = true;
  } catch (error) {
    if (!(error instanceof SnapshotFileError)) {
      throw new Error(`apply worker: restoring the snapshot ${path} failed: ${storageFaultMessage(error, data.path)}`);
    }
    const position = store.applyEntries([]);
    report = {
      applied_index: position.appliedIndex, applied_term: position.appliedTerm, revision: position.revision, results: [],
      restore: { path, restored: false, error: (error as Error).message },
    };
  }
  writeReport(reports, report);
}

function run(): void {
  applyAndReport([], false);
  for (;;) {
    if (!entries.hasData()) {
      entries.waitForData(RING_WAIT_MS);
      continue;
    }
    let batch: Entry[] = [];
    let stop = false;
    entries.drain((record) => {
      if (stop) throw new Error('apply worker: a record followed STOP');
      if (record[0] === KIND_ENTRY) {
        batch.push(decodeEntryRecord(record));
      } else if (record[0] === KIND_RESTORE) {
        // Entries queued before the snapshot apply first; the snapshot then replaces the store.
        if (batch.length > 0) applyAndReport(batch, false);
        batch = [];
        restoreAndReport(decodeRestoreRecord(record));
      } else if (record[0] === KIND_STOP) {
        stop = true;
      } else {
        throw new Error(`apply worker: unknown ring record kind ${record[0]}`);
      }
    }, APPLY_BATCH_ENTRIES_MAX);
    if (stop) {
      applyAndReport(batch, true);
      return;
    }
    if (batch.length > 0) applyAndReport(batch, false);
  }
}

run();
await store.close();
