/**
 * A watch of CairnClient: an async iterator of event batches that survives failover.
 *
 *   const watch = client.watch('config/', { prefix: true });
 *   for await (const { revision, events } of watch) { ... }      // break, or watch.cancel(), ends it
 *
 * Each time the watch is (re)created on the server is an incarnation, with a fresh watch_id that
 * the client picks, so frames are routed to the watch from the created answer on:
 *
 *   establishing ──created──> active ──connection lost──> establishing (start_revision = revision + 1)
 *        ▲                      │  └──queue over the bound──> paused ──queue below half──┐
 *        └──────────────────────┼────────────────────────────────────────────────────────┘
 *                               └──canceled by the server (compaction, refusal), cancel()──> ended
 *
 * Resume without loss or repetition: `revision` is the revision up to which the watch has
 * received every event of its range. It is the header revision of each response (the server
 * sends a watcher all its events up to it), or at creation the created response's (a watch from
 * "now") or startRevision - 1. A new incarnation starts at revision + 1, so on any member, ahead of
 * the last one or behind it, it gets exactly the events after the last one received: a member
 * behind holds them back until it applies them, a member ahead reads them from its history.
 *
 * Every incarnation asks for fragments, so no frame is much larger than the server's
 * max-request-bytes: one response larger than the client's responseBytesMax would otherwise close
 * the connection, and again on every resume. The fragments of a response are joined before it
 * counts, so a revision is never half taken.
 *
 * Flow control: batches wait for the consumer in a queue bounded by the client's
 * watchBufferBytesMax (keys and values counted, plus a fixed overhead per event). Past the bound
 * the watch pauses: its server-side watcher is canceled and frames still arriving for it are
 * dropped; once the consumer has taken the queue below half the bound, a new incarnation resumes
 * from revision + 1 and the server reads what it missed from its history (where those events are
 * stored anyway: this is what the server does with a congested stream). The socket itself is never
 * paused, because it also carries the client's KV calls and its other watches, which one slow
 * consumer must not stall. So a watch holds at most the bound plus one response.
 */
import { EtcdError, GrpcCode } from '../../engine/errors.js';
import type { Event } from '../../engine/mvcc/rpc.js';
import type { FilterType } from '../../engine/watch/watch-types.js';
import type { WireWatchResponse } from '../http/ws/protocol.js';
import { backoffMs, sleep } from './backoff.js';
import type { Bytes } from './bytes.js';
import { ConnectionLostError, watchCanceled, WatchCompactedError } from './client-errors.js';
import type { ClientConnection } from './connection.js';

export interface WatchOptions {
  /** Every key starting with the key (sets the range end). */
  prefix?: boolean;
  /** Watches [key, rangeEnd); "\0" is every key from the key on. */
  rangeEnd?: Bytes;
  /** The first revision to report, from the server's history; absent: changes after the creation. */
  startRevision?: number;
  /** Events carry the key's previous kv. */
  prevKv?: boolean;
  /** Event types not to report (FilterType.NOPUT, FilterType.NODELETE). */
  filters?: FilterType[];
  /** An idle watch hears the revision as an empty batch, at the server's progress-notify interval. */
  progressNotify?: boolean;
}

/** One response of the server: every event of the watch up to `revision` has now been delivered. */
export interface WatchBatch {
  revision: number;
  events: Event[];
}

/** The WatchCreateRequest fields a watch keeps across incarnations. */
export interface WatchCreateBody {
  key: Uint8Array;
  range_end?: Uint8Array;
  prev_kv?: boolean;
  filters?: FilterType[];
  progress_notify?: boolean;
}

/** What a watch needs from its client. */
export interface WatchHost {
  readonly requestTimeoutMs: number;
  readonly watchBufferBytesMax: number;
  /** An open connection, waiting and retrying as long as it takes; rejects once the client is closed. */
  connection(): Promise<ClientConnection>;
  /** Routes pushed responses with a fresh watch_id to the watch; returns the id. */
  bind(watch: Watch): number;
  unbind(watchId: number): void;
  /** The watch has ended. */
  forget(watch: Watch): void;
}

type State = 'establishing' | 'active' | 'paused' | 'ended';

/** What an event is counted as in the queue besides its keys and values (objects, revisions). */
const EVENT_OVERHEAD_BYTES = 64;
/** A batch's own share (an empty batch is a progress notification). */
const BATCH_OVERHEAD_BYTES = 64;
/** A drained queue's head slots are reclaimed past this many. */
const QUEUE_COMPACT_AT = 1024;

const CANCELED = new EtcdError(GrpcCode.CANCELLED, 'context canceled');

interface Queued {
  batch: WatchBatch;
  bytes: number;
}

export class Watch implements AsyncIterableIterator<WatchBatch> {
  /**
   * Resolves once the server has first created the watch, with the created response's header
   * revision; rejects when the watch ends before that.
   */
  readonly created: Promise<number>;
  private resolveCreated!: (revision: number) => void;
  private rejectCreated!: (error: Error) => void;
  private state: State = 'establishing';
  /** Every event of the watch up to here has been received; -1 while not known. */
  private revision: number;
  private incarnation: { connection: ClientConnection; watchId: number } | null = null;
  private queue: (Queued | undefined)[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  /** The events of a fragmented response received so far. */
  private fragments: Event[] = [];
  /** Why the watch ended, thrown once the queue is drained. */
  private failure: Error | null = null;
  private waiter: { resolve: (result: IteratorResult<WatchBatch, undefined>) => void; reject: (error: Error) => void } | null = null;

  constructor(private readonly host: WatchHost, private readonly request: WatchCreateBody, startRevision: number | undefined) {
    this.revision = startRevision !== undefined && startRevision > 0 ? startRevision - 1 : -1;
    this.created = new Promise<number>((resolve, reject) => {
      this.resolveCreated = resolve;
      this.rejectCreated = reject;
    });
    // Nobody has to wait for `created`; its failure is the iterator's.
    this.created.catch(() => {});
    void this.establish();
  }

  /** Bytes of batches waiting for the consumer (bounded by watchBufferBytesMax plus one response). */
  get bufferedBytes(): number {
    return this.queuedBytes;
  }

  /** The next batch; throws the watch's error (compaction, refusal, client closed) after the last one. */
  next(): Promise<IteratorResult<WatchBatch, undefined>> {
    if (this.queueHead < this.queue.length) return Promise.resolve({ value: this.take(), done: false });
    if (this.state === 'ended') return this.finish();
    if (this.waiter !== null) return Promise.reject(new Error('Watch: next() called while a previous next() is pending'));
    return new Promise((resolve, reject) => { this.waiter = { resolve, reject }; });
  }

  /** Ends the iteration (a `for await` loop's break calls this): the watch is canceled. */
  return(): Promise<IteratorResult<WatchBatch, undefined>> {
    this.cancel();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Cancels the watch on the server and drops what it still holds; the iteration ends. */
  cancel(): void {
    this.queue = [];
    this.queueHead = 0;
    this.queuedBytes = 0;
    this.end(undefined);
  }

  /** Ends the watch with an error (the client closing). */
  fail(error: Error): void {
    this.end(error);
  }

  /** A pushed response with this watch's current watch_id. */
  onResponse(connection: ClientConnection, response: WireWatchResponse): void {
    const incarnation = this.incarnation;
    if (incarnation === null || incarnation.connection !== connection || incarnation.watchId !== response.watch_id) return;
    if (response.canceled === true) {
      this.dropIncarnation(false);
      const compactRevision = response.compact_revision ?? 0;
      return this.end(compactRevision > 0 ? new WatchCompactedError(compactRevision) : watchCanceled(response.cancel_reason));
    }
    if (response.fragment === true) {
      for (const event of response.events) this.fragments.push(event);
      return;
    }
    const events = this.fragments.length === 0 ? response.events : [...this.fragments, ...response.events];
    this.fragments = [];
    const revision = response.header.revision;
    // A progress notification from a member behind the last one tells nothing new.
    if (events.length === 0 && revision <= this.revision) return;
    this.revision = Math.max(this.revision, revision);
    this.enqueue({ revision, events });
  }

  /** The client's connection closed: an active watch resumes on the next one. */
  connectionClosed(connection: ClientConnection): void {
    if (this.state !== 'active' || this.incarnation?.connection !== connection) return;
    this.dropIncarnation(false);
    this.state = 'establishing';
    void this.establish();
  }

  /** Creates an incarnation, retrying (with back-off) until one is created or the watch ends. */
  private async establish(): Promise<void> {
    for (let attempt = 0; this.state === 'establishing'; attempt++) {
      if (attempt > 0) await sleep(backoffMs(attempt - 1));
      if (this.state !== 'establishing') return;
      let connection: ClientConnection;
      try {
        connection = await this.host.connection();
      } catch (error) {
        return this.end(error as Error);
      }
      if (this.state !== 'establishing') return;
      const watchId = this.host.bind(this);
      this.incarnation = { connection, watchId };
      let created: WireWatchResponse;
      try {
        created = await connection.request('watch_create', this.createBody(watchId), Date.now() + this.host.requestTimeoutMs) as WireWatchResponse;
      } catch (error) {
        if (this.incarnation?.watchId !== watchId) return;
        // A create that timed out may still be served: its watcher must not linger.
        this.dropIncarnation(error instanceof EtcdError && error.code === GrpcCode.DEADLINE_EXCEEDED);
        if (!retryable(error)) return this.end(error as Error);
        continue;
      }
      if (created.canceled !== true) {
        if (this.revision < 0) this.revision = created.header.revision;
        this.resolveCreated(created.header.revision);
      }
      // Paused, ended or canceled by the server while the answer was on its way.
      if (this.state !== 'establishing' || this.incarnation?.watchId !== watchId) return;
      if (created.canceled === true) return this.end(watchCanceled(created.cancel_reason));
      if (!connection.isOpen) {
        // Closed after the answer arrived, before this ran: the close found no active watch.
        this.dropIncarnation(false);
        continue;
      }
      this.state = 'active';
      return;
    }
  }

  private createBody(watchId: number): Record<string, unknown> {
    return { ...this.request, watch_id: watchId, fragment: true, ...(this.revision >= 0 ? { start_revision: this.revision + 1 } : {}) };
  }

  private enqueue(batch: WatchBatch): void {
    let bytes = BATCH_OVERHEAD_BYTES;
    for (const event of batch.events) {
      bytes += EVENT_OVERHEAD_BYTES + event.kv.key.length + (event.kv.value?.length ?? 0);
      if (event.prev_kv !== undefined) bytes += event.prev_kv.key.length + (event.prev_kv.value?.length ?? 0);
    }
    this.queuedBytes += bytes;
    const waiter = this.waiter;
    if (waiter !== null) {
      this.waiter = null;
      this.queuedBytes -= bytes;
      waiter.resolve({ value: batch, done: false });
      return;
    }
    this.queue.push({ batch, bytes });
    if (this.queuedBytes > this.host.watchBufferBytesMax && this.state !== 'paused' && this.state !== 'ended') {
      this.state = 'paused';
      this.dropIncarnation(true);
    }
  }

  private take(): WatchBatch {
    const queued = this.queue[this.queueHead]!;
    this.queue[this.queueHead++] = undefined;
    if (this.queueHead === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    } else if (this.queueHead >= QUEUE_COMPACT_AT && this.queueHead * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    this.queuedBytes -= queued.bytes;
    if (this.state === 'paused' && this.queuedBytes <= this.host.watchBufferBytesMax / 2) {
      this.state = 'establishing';
      void this.establish();
    }
    return queued.batch;
  }

  private finish(): Promise<IteratorResult<WatchBatch, undefined>> {
    const failure = this.failure;
    this.failure = null;
    return failure === null ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(failure);
  }

  /** Forgets the current incarnation; with `cancelOnServer`, asks the server to drop its watcher. */
  private dropIncarnation(cancelOnServer: boolean): void {
    const incarnation = this.incarnation;
    if (incarnation === null) return;
    this.incarnation = null;
    this.fragments = [];
    this.host.unbind(incarnation.watchId);
    if (cancelOnServer && incarnation.connection.isOpen) {
      // Best effort: an answer is not needed, and a lost connection takes the watcher with it.
      incarnation.connection.request('watch_cancel', { watch_id: incarnation.watchId }, Date.now() + this.host.requestTimeoutMs)
        .catch(() => {});
    }
  }

  /** Ends the watch: with an error after the queued batches, or (undefined) as the caller's cancel. */
  private end(error: Error | undefined): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.dropIncarnation(error === undefined);
    this.host.forget(this);
    this.rejectCreated(error ?? CANCELED);
    this.failure = error ?? null;
    const waiter = this.waiter;
    if (waiter === null) return;
    this.waiter = null;
    this.finish().then(waiter.resolve, waiter.reject);
  }
}

/** Errors after which creating the watch again may succeed. */
function retryable(error: unknown): boolean {
  if (error instanceof ConnectionLostError) return true;
  return error instanceof EtcdError &&
    (error.code === GrpcCode.UNAVAILABLE || error.code === GrpcCode.DEADLINE_EXCEEDED || error.code === GrpcCode.RESOURCE_EXHAUSTED);
}
