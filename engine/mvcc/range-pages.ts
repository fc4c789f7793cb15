/**
 * A range answered in pages of encoded kvs fields (range-encode.ts), so that neither thread ever
 * holds a large range whole: memory per read is bounded by a page, not by the keys it returns.
 *
 * The first answer needs the response's size (gRPC frames a message by its length) and its
 * `more` and `count`, so a first walk of the range, in steps, counts and measures every kv it
 * returns while it encodes those of the first page. A range that fits in that page (nearly every
 * one) is answered by it alone, in one walk. A longer one is then read on demand: each later page
 * is asked for by the main thread once the one before has gone out to the client, and a second
 * walk at the same revision, resuming after the last key of the page before, writes it. A sorted
 * range holds its kvs until the end anyway (as etcd's does); its pages are cut from them.
 */
import { Packr } from 'msgpackr';
import { keyValueJson } from '../wire/keyvalue-json.js';
import { decodeKeyValue, encodeKeyValue, keyValueBytes } from './kv-codec.js';
import { kvsFieldBytes, writeKvsField } from './range-encode.js';
import { RangeScan, type KvSink, type ReadView, type ScanPosition } from './range.js';
import type { KeyValue, RangeRequest } from './rpc.js';
import type { SteppedRead } from './stepped-read.js';

/**
 * How a page holds its kvs: `protobuf`, as RangeResponse kvs fields (gRPC); `msgpack`, as maps of
 * mvccpb.KeyValue's fields (key and value as bin), one after another: the elements of the kvs
 * array of cairn's WebSocket protocol; `json`, as etcd's gateway writes them, comma-separated
 * across pages: the elements of the gateway's "kvs" array. The transport writes what surrounds them.
 */
export type RangePageFormat = 'protobuf' | 'msgpack' | 'json';

// Plain maps, as the WebSocket protocol's own codec writes them.
const packr = new Packr({ useRecords: false });

/** Bytes of kvs fields per page: a few milliseconds of copying, and far below a ring record. */
export const RANGE_PAGE_BYTES = 256 * 1024;

/** A page's first buffer; it doubles as kvs come. */
const PAGE_START_BYTES = 1024;
const EMPTY_PAGE = Buffer.alloc(0);

/** The first answer of a range read in pages. */
export interface RangeHead {
  /** The store's revision when the range started (the response header's). */
  revision: number;
  more: boolean;
  count: number;
  /** How many kvs the response holds. */
  kvs: number;
  /** Bytes of all of the response's kvs fields (protobuf): what the pages hold together. */
  kvs_bytes: number;
  page: Uint8Array;
  /** True when no page follows this one. */
  last: boolean;
}

/** A later page of a range. */
export interface RangePage {
  page: Uint8Array;
  last: boolean;
}

/**
 * kvs encoded into a page as they are added (a kv's bytes are copied in at once); while
 * `measuring`, protobuf kvs fields are only added up (a msgpack page needs no size up front).
 */
class KvsPage implements KvSink {
  private buffer: Buffer;
  private bytes = 0;
  /** Bytes of every kvs field added, written or measured. */
  total = 0;
  /** kvs written into pages so far (the next JSON one follows a comma unless it is the first). */
  private written = 0;
  measuring = false;

  constructor(private readonly pageBytes: number, private readonly keysOnly: boolean, private readonly format: RangePageFormat) {
    this.buffer = EMPTY_PAGE;
  }

  add(stored: Uint8Array): void {
    if (this.format !== 'protobuf') {
      if (!this.measuring) this.addKeyValue(decodeKeyValue(stored, !this.keysOnly));
      return;
    }
    if (!this.keysOnly) return this.push(stored);
    const kv = decodeKeyValue(stored, false);
    if (this.measuring) this.total += kvsFieldBytes(keyValueBytes(kv));
    else this.push(encodeKeyValue(kv));
  }

  /** A kv already decoded (a sorted range's). */
  addKeyValue(kv: KeyValue): void {
    switch (this.format) {
      case 'protobuf': return this.push(encodeKeyValue(kv));
      case 'msgpack': return this.push(packr.pack(kv));
      // JSON is ASCII (base64, digits, field names), so latin1 writes it byte for byte.
      case 'json': return this.push(Buffer.from(`${this.written > 0 ? ',' : ''}${keyValueJson(kv)}`, 'latin1'));
    }
  }

  get full(): boolean {
    return !this.measuring && this.bytes >= this.pageBytes;
  }

  /** The page's bytes; the page starts empty again, in a buffer of its own. */
  take(): Uint8Array {
    const page = this.buffer.subarray(0, this.bytes);
    this.buffer = EMPTY_PAGE;
    this.bytes = 0;
    return page;
  }

  private push(kv: Uint8Array): void {
    const framed = this.format === 'protobuf';
    const bytes = framed ? kvsFieldBytes(kv.length) : kv.length;
    this.total += bytes;
    if (this.measuring) return;
    if (this.bytes + bytes > this.buffer.length) {
      // Grown by doubling from a small start: most ranges are a key or a few, and a page read
      // whole may end with a kv larger than the room left (up to a request's size).
      const grown = Buffer.allocUnsafe(Math.max(2 * this.buffer.length, this.bytes + bytes, PAGE_START_BYTES));
      this.buffer.copy(grown, 0, 0, this.bytes);
      this.buffer = grown;
    }
    this.written++;
    if (framed) {
      this.bytes = writeKvsField(this.buffer, this.bytes, kv);
    } else {
      this.buffer.set(kv, this.bytes);
      this.bytes += kv.length;
    }
  }
}

/**
 * One range read in pages, as the apply worker's read jobs run it: `step` does a bounded piece and
 * says whether an answer is ready; `result` takes it (the head first, then pages); `resumable`
 * then says whether pages remain, to be asked for one by one.
 */
export class PagedRange implements SteppedRead<RangeHead | RangePage> {
  readonly compactRev: number;
  private readonly revision: number;
  private readonly page: KvsPage;
  private readonly first: RangeScan;
  /** The first page, once the first walk filled it, and where that walk stood then. */
  private firstPage: { bytes: Uint8Array; position: ScanPosition; kvs: number } | undefined;
  /** Set once the first walk is done: the kvs the response returns. */
  private kvsTotal: number | undefined;
  /** The second walk (unsorted), or the sorted kvs and the next one to send. */
  private rest: RangeScan | undefined;
  private sorted: { kvs: KeyValue[]; next: number } | undefined;
  private answer: RangeHead | RangePage | undefined;
  private done = false;

  /** Throws ErrFutureRev / ErrCompacted at once for an unreadable revision. */
  constructor(private readonly withView: <T>(read: (view: ReadView) => T) => T, private readonly request: RangeRequest,
    format: RangePageFormat, private readonly keysPerStep: number, pageBytes = RANGE_PAGE_BYTES) {
    this.page = new KvsPage(pageBytes, request.keys_only === true, format);
    const started = withView((view) => ({
      scan: new RangeScan(view, request, this.page), revision: view.currentRev, compactRev: view.compactRev,
    }));
    this.first = started.scan;
    this.revision = started.revision;
    this.compactRev = started.compactRev;
  }

  /** True when the answer `result` last gave is not the last one. */
  get resumable(): boolean {
    return !this.done;
  }

  step(): boolean {
    if (this.answer !== undefined) return true;
    if (this.kvsTotal === undefined) return this.stepFirstWalk();
    if (this.sorted !== undefined) return this.cutSortedPage();
    return this.stepSecondWalk();
  }

  result(): RangeHead | RangePage {
    const answer = this.answer;
    if (answer === undefined) throw new Error('PagedRange: result asked before step made one');
    this.answer = undefined;
    return answer;
  }

  private stepFirstWalk(): boolean {
    const walked = this.withView((view) => this.first.step(view, this.keysPerStep));
    if (!walked) {
      if (this.page.full) {
        // The first page is complete: keep it, and only measure the rest.
        this.firstPage = { bytes: this.page.take(), position: this.first.position!, kvs: this.first.returned };
        this.page.measuring = true;
      }
      return false;
    }
    const response = this.first.response();
    const head = { revision: this.revision, more: response.more, count: response.count };
    if (this.first.sorting) {
      this.sorted = { kvs: response.kvs, next: 0 };
      this.kvsTotal = response.kvs.length;
      const kvsBytes = response.kvs.reduce((total, kv) => total + kvsFieldBytes(keyValueBytes(kv)), 0);
      this.cutSortedPage();
      const { page, last } = this.answer as RangePage;
      this.answer = { ...head, kvs: response.kvs.length, kvs_bytes: kvsBytes, page, last };
      return true;
    }
    this.kvsTotal = this.first.returned;
    const first = this.firstPage;
    const last = first === undefined || first.kvs === this.kvsTotal;
    this.answer = { ...head, kvs: this.kvsTotal, kvs_bytes: this.page.total, page: first?.bytes ?? this.page.take(), last };
    this.done = last;
    this.page.measuring = false;
    return true;
  }

  private stepSecondWalk(): boolean {
    const total = this.kvsTotal!;
    const scan = this.rest ??= this.withView((view) => new RangeScan(view, this.request, this.page,
      { atRev: this.first.atRev, position: this.firstPage!.position }));
    const walked = this.withView((view) => scan.step(view, this.keysPerStep));
    const last = walked || scan.returned >= total;
    if (!last && !this.page.full) return false;
    this.answer = { page: this.page.take(), last };
    this.done = last;
    return true;
  }

  private cutSortedPage(): boolean {
    const sorted = this.sorted!;
    while (sorted.next < sorted.kvs.length && !this.page.full) this.page.addKeyValue(sorted.kvs[sorted.next++]!);
    const last = sorted.next === sorted.kvs.length;
    this.answer = { page: this.page.take(), last };
    this.done = last;
    return true;
  }
}
