/**
 * The MVCC store: etcd's KV semantics over the LMDB backend (see backend.ts for the layout).
 *
 * MvccReader serves what needs no key index (status, leases, membership) from read transactions;
 * any thread may open one on the path and it never waits for the writer. MvccStore is owned by
 * exactly one thread (the apply worker): it holds the key index and the lease keys in memory
 * (rebuilt from the kv table when it opens), serves everything that needs them (Range, HashKV,
 * watch history, a lease's keys) and makes the writes: `applyEntries` applies a batch of committed
 * Raft entries in ONE LMDB transaction that also records the applied index, skipping entries at or
 * below it, so a crash neither applies an entry twice nor skips one.
 */
import { EtcdError } from '../errors.js';
import { alarmRefusal } from '../alarm/alarm-gate.js';
import type { AlarmResponse } from '../alarm/alarm-rpc.js';
import { AlarmTable } from '../alarm/alarm-table.js';
import type { Entry } from '../raft/types.js';
import { EntryType } from '../raft/types.js';
import { restoreStoreSnapshot } from '../snapshot/store-snapshot.js';
import { META, getMetaNumber, openBackend, putMetaNumber, scheduledCompactRevision, type Backend, type ReadOptions } from './backend.js';
import { COMPACTION_KEYS_PER_CHUNK_DEFAULT, compactChunk, compactionPending, scheduleCompaction } from './compaction.js';
import { HashScan, hashKV } from './hash.js';
import { readHistory, type HistoryChunk } from './history.js';
import { indexKey, KeyIndex, lastEntry, pushRevision, type KeyHistory } from './key-index.js';
import { OpCounts, type OpTally } from './op-counts.js';
import { decodeKeyValue } from './kv-codec.js';
import { applyDeleteRange, applyPut } from './ops.js';
import { RangeScan, range, type ReadView } from './range.js';
import { PagedRange, RANGE_PAGE_BYTES, type RangePageFormat } from './range-pages.js';
import type { SteppedRead } from './stepped-read.js';

export type { SteppedRead } from './stepped-read.js';
import { bytesToRevision } from './revision.js';
import { decodeInternalRequest, type InternalRequest } from './request.js';
import type {
  CompactionResponse, DeleteRangeResponse, Event, HashKVRequest, HashKVResponse, PutResponse, RangeRequest,
  RangeResponse, TxnRequest, TxnResponse,
} from './rpc.js';
import { applyTxn } from './txn.js';
import { checkDeleteRangeRequest, checkPutRequest, checkRangeRequest, checkTxnRequest, MAX_TXN_OPS_DEFAULT } from './validate.js';
import { EventsMode, WriteTxn, type StoreMemory } from './write-txn.js';
import {
  applyMembershipChange, checkMemberAttributes, putMemberAttributes, readClusterId, readMembers, readRemovedMembers, type MemberRecord,
} from './members.js';
import { decodeConfChange } from '../raft/confchange.js';
import { LeaseKeys } from '../lease/lease-keys.js';
import { checkpointLeases, grantLease, NO_LEASE, readLease, readLeases, revokeLease, type LeaseRecord } from '../lease/lease-table.js';
import type { LeaseChange, LeaseGrantResponse } from '../lease/lease-rpc.js';

/** A response and the revision its header carries (the store revision it produced or saw). */
export interface Revisioned<T> {
  response: T;
  revision: number;
}

export type WriteResponse = PutResponse | DeleteRangeResponse | TxnResponse | CompactionResponse | LeaseGrantResponse | AlarmResponse;

/** What applying one entry produced. */
export interface EntryOutcome {
  index: number;
  /** The store revision after the entry (its header revision). */
  revision: number;
  /** Set when the entry carried a KV request that succeeded. */
  response?: WriteResponse;
  /** Set when the request failed with an etcd error (nothing was written). */
  error?: EtcdError;
  /** Change events, when the store records them. */
  events: Event[];
  /** A physical compaction's revision: answer once compaction completes it. */
  physicalCompaction?: number;
  /** The proposer's request id (RequestHeader.id), when the request carried one. */
  requestId?: number;
  /** What a lease request changed. */
  lease?: LeaseChange;
}

/** What one applyEntries call did. */
export interface AppliedBatch {
  outcomes: EntryOutcome[];
  /** True while a scheduled compaction is not physically complete (the pool runs it). */
  compactionPending: boolean;
  appliedIndex: number;
  appliedTerm: number;
  /** The store revision after the batch. */
  revision: number;
}

/** The revisions a write transaction works from, kept in memory while it runs. */
interface WritePosition {
  currentRev: number;
  compactRev: number;
}

/** The store's position. */
export interface StoreStatus {
  current_revision: number;
  compact_revision: number;
  finished_compact_revision: number;
  applied_index: number;
  applied_term: number;
}

export interface StoreOptions {
  eventsMode?: EventsMode;
  /** etcd's --max-txn-ops. */
  maxTxnOps?: number;
  compactionKeysPerChunk?: number;
  /** Keys a stepped range visits per step (RANGE_KEYS_PER_STEP). */
  rangeKeysPerStep?: number;
  /** Bytes of kvs per page of a range read in pages (RANGE_PAGE_BYTES). */
  rangePageBytes?: number;
}

/** Keys a range visits, and kv rows a HashKV hashes, per step: about a millisecond or two of work. */
export const RANGE_KEYS_PER_STEP = 1000;
export const HASH_ROWS_PER_STEP = 2000;

/** A read view without the key index (what any thread can read). */
export type BackendView = Omit<ReadView, 'index'>;

/** An empty store is at revision 1, as etcd's is: the first write produces revision 2. */
export const INITIAL_REVISION = 1;

function currentRevision(backend: Backend, read: ReadOptions): number {
  return Math.max(INITIAL_REVISION, getMetaNumber(backend, META.CURRENT_REV, read));
}

/** Read side of the store. */
export class MvccReader {
  protected readonly backend: Backend;

  constructor(path: string, readOnly = true) {
    this.backend = openBackend(path, { readOnly });
  }

  /** Runs `read` on a fresh snapshot: the newest committed state, isolated from later commits. */
  protected withReadView<T>(read: (view: BackendView) => T): T {
    const root = this.backend.root;
    // The writer may be another thread: drop lmdb-js's cached read txn so this one is current.
    root.resetReadTxn();
    const transaction = root.useReadTransaction();
    try {
      const options: ReadOptions = { transaction };
      return read({
        backend: this.backend,
        read: options,
        currentRev: currentRevision(this.backend, options),
        compactRev: scheduledCompactRevision(this.backend, options),
      });
    } finally {
      transaction.done();
    }
  }

  /** Current, compacted and applied positions, from one snapshot. */
  status(): StoreStatus {
    return this.withReadView((view) => ({
      current_revision: view.currentRev,
      compact_revision: view.compactRev,
      finished_compact_revision: getMetaNumber(this.backend, META.FINISHED_COMPACT_REV, view.read),
      applied_index: getMetaNumber(this.backend, META.APPLIED_INDEX, view.read),
      applied_term: getMetaNumber(this.backend, META.APPLIED_TERM, view.read),
    }));
  }

  /** Every lease (see lease-table.ts), with the applied index the read is as of. */
  leases(): { leases: LeaseRecord[]; appliedIndex: number } {
    return this.withReadView((view) => ({
      leases: readLeases(view.backend, view.read), appliedIndex: getMetaNumber(view.backend, META.APPLIED_INDEX, view.read),
    }));
  }

  /** One lease, or undefined. */
  lease(id: number): LeaseRecord | undefined {
    return this.withReadView((view) => readLease(view.backend, id, view.read));
  }

  /** Every member of the cluster, sorted by id (see members.ts). */
  members(): MemberRecord[] {
    return this.withReadView((view) => readMembers(view.backend, view.read));
  }

  /** Ids removed from the cluster for good. */
  removedMembers(): number[] {
    return this.withReadView((view) => readRemovedMembers(view.backend, view.read));
  }

  /** The cluster id the founding members' bootstrap entries recorded (0 before they applied). */
  clusterId(): number {
    return this.withReadView((view) => readClusterId(view.backend, view.read));
  }

  async close(): Promise<void> {
    await this.backend.root.close();
  }
}

/** What a plain Range adds to the op counts. */
const ONE_RANGE: OpTally = { ranges: 1, puts: 0, deletes: 0 };

/** The writable store: one owner thread. */
export class MvccStore extends MvccReader {
  private readonly eventsMode: EventsMode;
  private readonly maxTxnOps: number;
  private readonly compactionKeysPerChunk: number;
  private readonly rangeKeysPerStep: number;
  private readonly rangePageBytes: number;
  private readonly memory: StoreMemory = { index: new KeyIndex(), leaseKeys: new LeaseKeys(), liveKeys: 0, ops: new OpCounts() };
  /** Sees how long each write transaction's commit took, in seconds (etcd_disk_backend_commit_duration_seconds). */
  commitObserver: ((seconds: number) => void) | null = null;
  /** The raised alarms: alarm requests change them; they refuse some writes (alarm-gate.ts). */
  readonly alarms: AlarmTable;

  constructor(path: string, options: StoreOptions = {}) {
    super(path, false);
    this.alarms = new AlarmTable(this.backend);
    this.eventsMode = options.eventsMode ?? EventsMode.NONE;
    this.maxTxnOps = options.maxTxnOps ?? MAX_TXN_OPS_DEFAULT;
    this.compactionKeysPerChunk = options.compactionKeysPerChunk ?? COMPACTION_KEYS_PER_CHUNK_DEFAULT;
    this.rangeKeysPerStep = options.rangeKeysPerStep ?? RANGE_KEYS_PER_STEP;
    this.rangePageBytes = options.rangePageBytes ?? RANGE_PAGE_BYTES;
    this.rebuildMemory();
  }

  /**
   * Rebuilds the key index and the lease keys from the kv table, walked in revision order: each
   * row appends its revision to its key's history, and the newest row of a key says its lease.
   * Histories gather in a hash map first and load into the index's tree in key order at once.
   */
  private rebuildMemory(): void {
    const { index, leaseKeys } = this.memory;
    let liveKeys = 0;
    const keys = new Map<string, { history: KeyHistory; lease: number }>();
    this.withReadView((view) => {
      for (const { key: revisionKey, value } of view.backend.kv.getRange({ ...view.read })) {
        const revision = bytesToRevision(revisionKey);
        const kv = decodeKeyValue(value, false);
        const name = indexKey(kv.key);
        let key = keys.get(name);
        if (key === undefined) {
          key = { history: [], lease: NO_LEASE };
          keys.set(name, key);
        }
        pushRevision(key.history, revision);
        key.lease = revision.tombstone ? NO_LEASE : kv.lease;
      }
    });
    index.load(new Map([...keys].map(([name, key]) => {
      if (!lastEntry(key.history).tombstone) liveKeys++;
      return [name, key.history];
    })));
    this.memory.liveKeys = liveKeys;
    leaseKeys.clear();
    for (const [name, key] of keys) if (key.lease !== NO_LEASE) leaseKeys.move(name, NO_LEASE, key.lease);
  }

  /** Runs `read` on a fresh snapshot together with the key index. */
  private withIndexedView<T>(read: (view: ReadView) => T): T {
    return this.withReadView((view) => read({ ...view, index: this.memory.index }));
  }

  /** etcd's Range; throws EtcdError. The revision is the store's current one, as etcd's header. */
  range(request: RangeRequest): Revisioned<RangeResponse> {
    checkRangeRequest(request);
    this.memory.ops.add(ONE_RANGE);
    return this.withIndexedView((view) => ({ response: range(view, request), revision: view.currentRev }));
  }

  /** etcd's Range in steps of `keysPerStep` keys; throws EtcdError at once for a bad revision. */
  rangeInSteps(request: RangeRequest, keysPerStep = this.rangeKeysPerStep): SteppedRead<Revisioned<RangeResponse>> {
    checkRangeRequest(request);
    this.memory.ops.add(ONE_RANGE);
    const { scan, revision, compactRev } = this.withIndexedView((view) => (
      { scan: new RangeScan(view, request), revision: view.currentRev, compactRev: view.compactRev }));
    return {
      compactRev,
      step: () => this.withIndexedView((view) => scan.step(view, keysPerStep)),
      result: () => ({ response: scan.response(), revision }),
    };
  }

  /**
   * etcd's Range in steps, answered in pages of its encoded kvs (range-pages.ts); throws EtcdError
   * at once for a bad revision.
   */
  rangeInPages(request: RangeRequest, format: RangePageFormat = 'protobuf', keysPerStep = this.rangeKeysPerStep,
    pageBytes = this.rangePageBytes): PagedRange {
    checkRangeRequest(request);
    this.memory.ops.add(ONE_RANGE);
    return new PagedRange((read) => this.withIndexedView(read), request, format, keysPerStep, pageBytes);
  }

  /** etcd's HashKV in steps of `rowsPerStep` rows; throws EtcdError at once for a bad revision. */
  hashKVInSteps(request: HashKVRequest, rowsPerStep = HASH_ROWS_PER_STEP): SteppedRead<Revisioned<HashKVResponse>> {
    const { scan, revision } = this.withIndexedView((view) => ({ scan: new HashScan(view, request.revision), revision: view.currentRev }));
    return {
      compactRev: scan.compactRev,
      step: () => this.withIndexedView((view) => scan.step(view, rowsPerStep)),
      result: () => ({ response: scan.response(), revision }),
    };
  }

  /** etcd's HashKV; throws EtcdError. */
  hashKV(request: HashKVRequest): Revisioned<HashKVResponse> {
    return this.withIndexedView((view) => ({ response: hashKV(view, request.revision), revision: view.currentRev }));
  }

  /**
   * The change events of revisions [fromRev, toRev] (see history.ts), or the compaction revision
   * when fromRev is below it (those revisions may be gone).
   */
  history(fromRev: number, toRev: number, eventsMax: number, withPrevKv: boolean): HistoryChunk | { compactRevision: number } {
    return this.withIndexedView((view) => (fromRev < view.compactRev
      ? { compactRevision: view.compactRev }
      : readHistory(view, fromRev, toRev, eventsMax, withPrevKv)));
  }

  /**
   * A txn whose ops are all ranges (isTxnReadOnly), served as a read, as etcd serves it: outside
   * Raft, on the store as it stands. Throws EtcdError.
   */
  readOnlyTxn(request: TxnRequest): Revisioned<TxnResponse> {
    checkTxnRequest(request, this.maxTxnOps);
    // The writer is this thread: renew lmdb-js's cached read txn so the reads see its last commit.
    this.backend.root.resetReadTxn();
    const position = this.writePosition();
    const w = new WriteTxn(this.backend, this.memory, position.currentRev, position.compactRev, EventsMode.NONE);
    const response = applyTxn(w, request);
    w.end();
    return { response, revision: w.rev };
  }

  /** The keys attached to lease `id`, in byte order. */
  leaseKeys(id: number): Buffer[] {
    return this.memory.leaseKeys.keysOf(id);
  }

  /**
   * Applies one request inside the caller's LMDB write transaction, advancing `position` when it
   * consumes a revision. Every check that can fail runs before the first write, so an EtcdError
   * leaves the store untouched.
   */
  private applyRequest(request: InternalRequest, index: number, position: WritePosition): EntryOutcome {
    if ('alarm' in request) return { index, revision: position.currentRev, response: this.alarms.apply(request.alarm), events: [] };
    const refusal = alarmRefusal(request, (type) => this.alarms.has(type));
    if (refusal !== undefined) throw refusal;
    if ('member_attributes' in request) {
      checkMemberAttributes(request.member_attributes);
      putMemberAttributes(this.backend, request.member_attributes);
      return { index, revision: position.currentRev, response: {}, events: [] };
    }
    if ('compaction' in request) {
      scheduleCompaction(this.backend, request.compaction.revision, position.currentRev);
      position.compactRev = request.compaction.revision;
      return {
        index, revision: position.currentRev, response: {}, events: [],
        ...(request.compaction.physical === true ? { physicalCompaction: request.compaction.revision } : {}),
      };
    }
    if ('lease_grant' in request) {
      const { ID, TTL } = request.lease_grant;
      grantLease(this.backend, ID, TTL);
      return { index, revision: position.currentRev, response: { ID, TTL, error: '' }, events: [], lease: { granted: { ID, TTL } } };
    }
    if ('lease_checkpoint' in request) {
      checkpointLeases(this.backend, request.lease_checkpoint.checkpoints);
      return { index, revision: position.currentRev, response: {}, events: [], lease: { checkpoints: request.lease_checkpoint.checkpoints } };
    }
    const w = new WriteTxn(this.backend, this.memory, position.currentRev, position.compactRev, this.eventsMode);
    if ('lease_revoke' in request) {
      revokeLease(this.backend, w, request.lease_revoke.ID);
      w.end();
      position.currentRev = w.rev;
      return { index, revision: w.rev, response: {}, events: w.events, lease: { revoked: request.lease_revoke.ID } };
    }
    let response: WriteResponse;
    if ('put' in request) {
      checkPutRequest(request.put);
      response = applyPut(w, request.put);
    } else if ('delete_range' in request) {
      checkDeleteRangeRequest(request.delete_range);
      response = applyDeleteRange(w, request.delete_range);
    } else {
      checkTxnRequest(request.txn, this.maxTxnOps);
      response = applyTxn(w, request.txn);
    }
    w.end();
    position.currentRev = w.rev;
    return { index, revision: w.rev, response, events: w.events };
  }

  private applyCaught(request: InternalRequest, index: number, position: WritePosition): EntryOutcome {
    try {
      return this.applyRequest(request, index, position);
    } catch (error) {
      if (!(error instanceof EtcdError)) throw error;
      return { index, revision: position.currentRev, error, events: [] };
    }
  }

  /** Reads the revisions a write transaction starts from. */
  private writePosition(): WritePosition {
    return {
      currentRev: currentRevision(this.backend, {}),
      compactRev: scheduledCompactRevision(this.backend, {}),
    };
  }

  /** Records the revision a write transaction reached (once per transaction, not per request). */
  private savePosition(start: WritePosition, position: WritePosition): void {
    if (position.currentRev !== start.currentRev) putMetaNumber(this.backend, META.CURRENT_REV, position.currentRev);
  }

  /** Runs one write request in its own LMDB transaction (tools and tests); throws EtcdError. */
  write<T extends WriteResponse>(request: InternalRequest): Revisioned<T> {
    const outcome = this.backend.root.transactionSync(() => {
      const start = this.writePosition();
      const position = { ...start };
      const result = this.applyCaught(request, 0, position);
      this.savePosition(start, position);
      return result;
    });
    if (outcome.error !== undefined) throw outcome.error;
    if (outcome.physicalCompaction !== undefined) while (compactionPending(this.backend)) this.compactStep();
    return { response: outcome.response as T, revision: outcome.revision };
  }

  /**
   * Applies committed entries in ONE LMDB transaction together with the applied index and term.
   * Entries at or below the stored applied index are skipped (re-sent after a restart); the rest
   * must follow it without a gap. Empty entries (a new leader's no-op), configuration changes and
   * unknown data only advance the applied index. A compaction request only schedules the
   * compaction here; its physical work runs in chunks between batches (compactStep).
   * Returns an outcome per applied KV request, and where the store stands after the batch.
   */
  applyEntries(entries: readonly Entry[]): AppliedBatch {
    return this.timedWriteTransaction(() => {
      let applied = getMetaNumber(this.backend, META.APPLIED_INDEX, {});
      let term = getMetaNumber(this.backend, META.APPLIED_TERM, {});
      const outcomes: EntryOutcome[] = [];
      const start = this.writePosition();
      const position = { ...start };
      for (const entry of entries) {
        if (entry.index <= applied) continue;
        if (entry.index !== applied + 1) throw new Error(`apply gap: entry ${entry.index} after applied index ${applied}`);
        if (entry.term < term) throw new Error(`entry ${entry.index} has term ${entry.term} below applied term ${term}`);
        if (entry.type === EntryType.ConfChange) applyMembershipChange(this.backend, decodeConfChange(entry.data));
        const request = entry.type === EntryType.Normal && entry.data.length > 0 ? decodeInternalRequest(entry.data) : undefined;
        if (request !== undefined) {
          const outcome = this.applyCaught(request, entry.index, position);
          if (request.header !== undefined) outcome.requestId = request.header.id;
          outcomes.push(outcome);
        }
        applied = entry.index;
        term = entry.term;
      }
      this.savePosition(start, position);
      putMetaNumber(this.backend, META.APPLIED_INDEX, applied);
      putMetaNumber(this.backend, META.APPLIED_TERM, term);
      return {
        outcomes, compactionPending: compactionPending(this.backend), appliedIndex: applied, appliedTerm: term, revision: position.currentRev,
      };
    });
  }

  /**
   * Replaces the whole store with a snapshot file's contents in one transaction (a member caught up
   * by a leader's snapshot), unless it has already applied that far. Throws, changing nothing, on a
   * damaged file. Returns where the store stands afterwards.
   */
  restoreSnapshot(path: string): { restored: boolean; appliedIndex: number; appliedTerm: number; revision: number } {
    const { restored } = restoreStoreSnapshot(this.backend, path);
    if (restored) {
      this.rebuildMemory();
      this.alarms.reload();
    }
    return this.withReadView((view) => ({
      restored,
      appliedIndex: getMetaNumber(view.backend, META.APPLIED_INDEX, view.read),
      appliedTerm: getMetaNumber(view.backend, META.APPLIED_TERM, view.read),
      revision: view.currentRev,
    }));
  }

  /** True while a compaction awaits physical completion. */
  compactionPending(): boolean {
    return compactionPending(this.backend);
  }

  /** Keys whose newest revision is not a tombstone. */
  get liveKeys(): number {
    return this.memory.liveKeys;
  }

  /** Puts, ranges, deletes and txns since the store opened, counted as etcd counts them (op-counts.ts). */
  get opCounts(): Readonly<OpCounts> {
    return this.memory.ops;
  }

  /**
   * Runs `body` in an LMDB write transaction and tells commitObserver how long the commit took:
   * lmdb-js commits (and syncs) synchronously after `body` returns, so the commit is the time
   * from the end of `body` to the return of transactionSync, as etcd times its bolt tx.Commit().
   */
  private timedWriteTransaction<T>(body: () => T): T {
    let bodyEnd = 0;
    const result = this.backend.root.transactionSync(() => {
      const value = body();
      bodyEnd = performance.now();
      return value;
    });
    this.commitObserver?.((performance.now() - bodyEnd) / 1000);
    return result;
  }

  /** Runs one compaction chunk in its own transaction; returns the revision it completed, or 0. */
  compactStep(): number {
    return this.timedWriteTransaction(() => compactChunk(this.backend, this.memory.index, this.compactionKeysPerChunk));
  }
}
