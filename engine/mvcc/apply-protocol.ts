/**
 * The records the main thread and the apply worker exchange over their two ByteRings.
 *
 * Main -> worker (one ring record each):
 *   ENTRY  byte 0 kind=1 | byte 1 entry type | bytes 8..15 index (f64) | 16..23 term (f64) | 24.. data
 *   STOP   byte 0 kind=2   (apply what came before, report, close the store, exit)
 *   RESTORE byte 0 kind=3 | 1.. snapshot file path (UTF-8)   (apply what came before, then replace
 *          the store with the snapshot file's contents in one transaction, and report)
 *   READ   byte 0 kind=4 | 1.. msgpack { id, read: StoreRead }   (apply what came before, then read:
 *          everything that needs the key index, which only the worker holds)
 *
 * Worker -> main: msgpack-encoded WorkerReports: a BatchReport per applied batch, sent after its
 * LMDB transaction committed (so a reader that sees the report also sees the data); a ReadReport
 * with the answers to READ records; a CompactedReport when a compaction is physically complete.
 * A report larger than one ring record is split into fragments: byte 0 of each record is 1 when
 * more fragments follow, 0 on the last one; the first fragment then carries the report's whole
 * length (u32 LE, bytes 1-4), so the reader copies each fragment once, into its place.
 */
import type { EtcdErrorRecord } from '../errors.js';
import { Packr } from 'msgpackr';
import type { Entry } from '../raft/types.js';
import type { RingReader, RingWriter } from '../ring/byte-ring.js';
import type { HistoryChunk } from './history.js';
import type { Event, HashKVRequest, HashKVResponse, RangeRequest, RangeResponse, TxnRequest, TxnResponse } from './rpc.js';
import type { RangeHead, RangePage, RangePageFormat } from './range-pages.js';
import type { Revisioned, WriteResponse } from './store.js';
import type { LeaseChange } from '../lease/lease-rpc.js';
import type { AlarmMember } from '../alarm/alarm-rpc.js';
import type { MemberRecord } from './members.js';

export const KIND_ENTRY = 1;
export const KIND_STOP = 2;
export const KIND_RESTORE = 3;
export const KIND_READ = 4;
export const ENTRY_HEADER_BYTES = 24;
const FRAGMENT_HEADER_BYTES = 1;
/** The first fragment of a split report: the flag byte and the report's length. */
const FIRST_FRAGMENT_HEADER_BYTES = 5;
const FRAGMENT_MORE = 1;
const FRAGMENT_LAST = 0;
/** How long a blocked side sleeps between checks of a full ring (it is woken earlier by a notify). */
export const RING_WAIT_MS = 100;

/** The outcome of one entry as the main thread receives it. */
export interface ResultRecord {
  index: number;
  /** The proposer's request id, when the request carried one. */
  request_id?: number;
  revision: number;
  response?: WriteResponse;
  /** The etcd error the entry failed with. */
  error?: EtcdErrorRecord;
  events?: Event[];
  /** A physical compaction's result: it is answered once compaction has finished this revision. */
  compaction_wait?: number;
  /** What a lease request changed. */
  lease?: LeaseChange;
}

/** What the worker reports after each committed batch. */
export interface BatchReport {
  applied_index: number;
  applied_term: number;
  /** The store revision after the batch. */
  revision: number;
  results: ResultRecord[];
  /** The revision up to which compaction is physically complete. */
  finished_compact_revision: number;
  /** Set on the worker's last report. */
  closed?: boolean;
  /** Set on the report that follows a RESTORE record. */
  restore?: RestoreOutcome;
  /** The raised alarms, set on the worker's first report and whenever they changed since the last. */
  alarms?: AlarmMember[];
  /** Set when applying the batch took longer than the warning threshold (etcd's "apply request took too long"). */
  slow_apply?: { took_ms: number; entries: number };
}

/** What became of a RESTORE request. */
export interface RestoreOutcome {
  path: string;
  /** False when the store had already applied as far as the snapshot (nothing changed). */
  restored: boolean;
  /** Why the snapshot could not be restored (nothing changed). */
  error?: string;
}

/** A read only the worker can answer: it needs the key index or the lease keys. */
export type StoreRead =
  | { op: 'range'; request: RangeRequest }
  /** A range in pages (range-pages.ts): answers its head; the read then waits for range_page. */
  | { op: 'range_pages'; request: RangeRequest; format: RangePageFormat }
  /** The next page of the paged range started by read `job`. */
  | { op: 'range_page'; job: number }
  /** Drops the paged range started by read `job` (its client went away). */
  | { op: 'range_cancel'; job: number }
  | { op: 'hash_kv'; request: HashKVRequest }
  | { op: 'txn'; request: TxnRequest }
  | { op: 'history'; from_rev: number; to_rev: number; events_max: number; prev_kv: boolean }
  | { op: 'lease_keys'; id: number }
  /** The membership table: who is a member (with peer URLs) and who was removed for good. */
  | { op: 'members' };

/** What each read answers. */
export interface StoreReadResults {
  range: Revisioned<RangeResponse>;
  range_pages: RangeHead;
  range_page: RangePage;
  /** True when the read was still there to drop. */
  range_cancel: boolean;
  hash_kv: Revisioned<HashKVResponse>;
  txn: Revisioned<TxnResponse>;
  history: HistoryChunk | { compactRevision: number };
  lease_keys: Uint8Array[];
  members: { members: MemberRecord[]; removed: number[] };
}

/** The answer to one READ record: its value, or the etcd error it failed with. */
export interface ReadAnswer {
  id: number;
  value?: StoreReadResults[StoreRead['op']];
  error?: EtcdErrorRecord;
}

/** Answers to READ records, in the order they were read. */
export interface ReadReport {
  reads: ReadAnswer[];
}

/** A compaction became physically complete up to `compacted` (between batches). */
export interface CompactedReport {
  compacted: number;
  /** From the compaction's first step to its last. */
  took_ms: number;
}

export type WorkerReport = BatchReport | ReadReport | CompactedReport;

// No records: the packing and unpacking instances live on different threads and share no structures.
const packr = new Packr({ useRecords: false, moreTypes: false });

/**
 * Free bytes to wait for before retrying a record that did not fit: the record may also need the
 * rest of the ring's end skipped (a wrap), which can cost up to its own size again. Never more than
 * the ring holds, or the wait could not end.
 */
export function bytesToWaitFor(writer: RingWriter, payloadBytes: number): number {
  const ringBytes = 2 * (writer.recordBytesMax + 4);
  return Math.min(2 * (payloadBytes + 16), ringBytes);
}

/** Writes one entry into `scratch` as an ENTRY record; returns its bytes (a view of scratch). */
export function encodeEntryRecord(entry: Entry, scratch: { bytes: Uint8Array }): Uint8Array {
  const length = ENTRY_HEADER_BYTES + entry.data.length;
  if (scratch.bytes.length < length) scratch.bytes = new Uint8Array(Math.max(length, scratch.bytes.length * 2));
  const view = new DataView(scratch.bytes.buffer, scratch.bytes.byteOffset, length);
  view.setUint8(0, KIND_ENTRY);
  view.setUint8(1, entry.type);
  view.setFloat64(8, entry.index, true);
  view.setFloat64(16, entry.term, true);
  scratch.bytes.set(entry.data, ENTRY_HEADER_BYTES);
  return scratch.bytes.subarray(0, length);
}

/** Encodes a READ record. */
export function encodeReadRecord(id: number, read: StoreRead): Uint8Array {
  const body = packr.pack({ id, read });
  const record = new Uint8Array(1 + body.length);
  record[0] = KIND_READ;
  record.set(body, 1);
  return record;
}

/** Decodes a READ record (copied out of the ring by msgpack). */
export function decodeReadRecord(record: Uint8Array): { id: number; read: StoreRead } {
  return packr.unpack(record.subarray(1)) as { id: number; read: StoreRead };
}

/** Encodes a RESTORE record naming a snapshot file. */
export function encodeRestoreRecord(path: string): Uint8Array {
  const pathBytes = Buffer.from(path, 'utf8');
  const record = new Uint8Array(1 + pathBytes.length);
  record[0] = KIND_RESTORE;
  record.set(pathBytes, 1);
  return record;
}

/** Decodes a RESTORE record's path. */
export function decodeRestoreRecord(record: Uint8Array): string {
  return Buffer.from(record.subarray(1)).toString('utf8');
}

/** Decodes an ENTRY record, copying its data out of the ring. */
export function decodeEntryRecord(record: Uint8Array): Entry {
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  return {
    type: view.getUint8(1),
    index: view.getFloat64(8, true),
    term: view.getFloat64(16, true),
    data: record.slice(ENTRY_HEADER_BYTES),
  };
}

/** Writes a report as one or more fragments, blocking (worker thread) while the ring is full. */
export function writeReport(writer: RingWriter, report: WorkerReport): void {
  const bytes = packr.pack(report);
  const split = bytes.length > writer.recordBytesMax - FRAGMENT_HEADER_BYTES;
  let offset = 0;
  do {
    const headerBytes = split && offset === 0 ? FIRST_FRAGMENT_HEADER_BYTES : FRAGMENT_HEADER_BYTES;
    const part = bytes.subarray(offset, offset + writer.recordBytesMax - headerBytes);
    offset += part.length;
    const record = new Uint8Array(headerBytes + part.length);
    record[0] = offset < bytes.length ? FRAGMENT_MORE : FRAGMENT_LAST;
    if (headerBytes === FIRST_FRAGMENT_HEADER_BYTES) new DataView(record.buffer).setUint32(1, bytes.length, true);
    record.set(part, headerBytes);
    while (!writer.tryWrite(record)) {
      writer.publish();
      writer.waitForSpace(bytesToWaitFor(writer, record.length), RING_WAIT_MS);
    }
  } while (offset < bytes.length);
  writer.publish();
}

/** Reassembles reports from fragments (main thread). */
export class ReportReader {
  /** The split report being reassembled, and how much of it has arrived. */
  private whole: Buffer | null = null;
  private filled = 0;

  constructor(private readonly reader: RingReader) {}

  /** Hands every complete report waiting in the ring to `visit`. */
  drain(visit: (report: WorkerReport) => void): void {
    const reports: WorkerReport[] = [];
    this.reader.drain((record) => {
      const more = record[0] === FRAGMENT_MORE;
      if (this.whole === null && !more) {
        // The record aliases shared memory: copy it before the ring reuses it.
        reports.push(packr.unpack(record.slice(FRAGMENT_HEADER_BYTES)) as WorkerReport);
        return;
      }
      if (this.whole === null) {
        const length = new DataView(record.buffer, record.byteOffset, record.byteLength).getUint32(1, true);
        this.whole = Buffer.allocUnsafe(length);
        this.filled = 0;
        record = record.subarray(FIRST_FRAGMENT_HEADER_BYTES);
      } else {
        record = record.subarray(FRAGMENT_HEADER_BYTES);
      }
      if (this.filled + record.length > this.whole.length) throw new Error('apply report: fragments overrun the length announced');
      this.whole.set(record, this.filled);
      this.filled += record.length;
      if (more) return;
      if (this.filled !== this.whole.length) throw new Error(`apply report: ${this.filled} of ${this.whole.length} bytes arrived`);
      reports.push(packr.unpack(this.whole) as WorkerReport);
      this.whole = null;
    });
    for (const report of reports) visit(report);
  }
}
