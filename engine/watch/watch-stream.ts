/**
 * One watch stream (a gRPC Watch call, a JSON gateway /v3/watch request, a WebSocket): the
 * watchers it created, their ids, and its flow control. Transports call create / cancel /
 * requestProgress as requests arrive, drained() when their send buffer empties, close() at the end.
 *
 * Flow control: a send the sink reports as over its bound marks the stream congested. A congested
 * stream takes no live events: a watcher that would get some is moved back to catching up from
 * history (where the events stay in LMDB, not in memory), and catch-up skips it until drained().
 * So a slow consumer costs its own stream one buffer's worth of memory, and nothing else.
 */
import { compareBytes } from '../mvcc/backend.js';
import { keyInterval } from '../mvcc/range.js';
import type { Event } from '../mvcc/rpc.js';
import { INVALID_WATCH_ID, type WatchCreateRequest, type WatchResponse, type WatchSink } from './watch-types.js';
import { Watcher, type WatcherStream } from './watcher.js';

/** Watchers one stream may hold: bounds a stream's memory and its share of the hub. */
export const WATCHERS_PER_STREAM_MAX = 100_000;

/** etcd's mvcc errors, as their cancel_reason. */
export const ERR_WATCHER_DUPLICATE_ID = 'mvcc: duplicate watch ID provided on the WatchStream';
export const ERR_EMPTY_WATCHER_RANGE = 'mvcc: watcher range is empty';
export const ERR_TOO_MANY_WATCHERS = `cairn: a watch stream holds at most ${WATCHERS_PER_STREAM_MAX} watchers`;

/** The hub a stream registers its watchers with (WatchHub implements it). */
export interface WatchRegistry {
  /** The store revision the hub has seen applied. */
  readonly revision: number;
  add(watcher: Watcher): void;
  remove(watcher: Watcher): void;
  /** True once `watcher` has caught up with the applied revision. */
  isSynced(watcher: Watcher): boolean;
  /** Something a congested stream held back may go now. */
  wake(): void;
  dropStream(stream: WatchStream): void;
}

export class WatchStream implements WatcherStream {
  private readonly watchers = new Map<number, Watcher>();
  private nextId = 0;
  private congestedValue = false;
  private progressRequested = false;
  private closed = false;

  constructor(private readonly hub: WatchRegistry, private readonly sink: WatchSink) {}

  /** True while the transport's buffer is over its bound (see the file header). */
  get congested(): boolean {
    return this.congestedValue;
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  /** etcd's WatchCreateRequest: answers with a created response (canceled when refused). */
  create(request: WatchCreateRequest): void {
    if (this.closed) return;
    const refuse = (reason: string): void => {
      this.send({ revision: this.hub.revision, watch_id: INVALID_WATCH_ID, created: true, canceled: true, cancel_reason: reason, events: [], prev_kv: false });
    };
    const interval = keyInterval(request.key, request.range_end);
    if (!interval.single && interval.end !== undefined && compareBytes(interval.start, interval.end) >= 0) return refuse(ERR_EMPTY_WATCHER_RANGE);
    if (this.watchers.size >= WATCHERS_PER_STREAM_MAX) return refuse(ERR_TOO_MANY_WATCHERS);
    let id = request.watch_id ?? 0;
    if (id !== 0) {
      if (this.watchers.has(id)) return refuse(ERR_WATCHER_DUPLICATE_ID);
    } else {
      while (this.watchers.has(this.nextId)) this.nextId++;
      id = this.nextId++;
    }
    // 0 means "from now"; any other value is kept, so a negative one is canceled as compacted, as etcd does.
    const startRev = (request.start_revision ?? 0) !== 0 ? request.start_revision! : this.hub.revision + 1;
    const watcher = new Watcher(id, this, request, startRev);
    this.watchers.set(id, watcher);
    // The created response goes out before any event: catch-up starts on a later turn.
    this.send({ revision: this.hub.revision, watch_id: id, created: true, events: [], prev_kv: false });
    this.hub.add(watcher);
  }

  /** etcd's WatchCancelRequest: an unknown id is ignored, as etcd does. */
  cancel(watchId: number): void {
    const watcher = this.watchers.get(watchId);
    if (watcher === undefined) return;
    this.remove(watcher);
    this.send({ revision: this.hub.revision, watch_id: watchId, canceled: true, events: [], prev_kv: false });
  }

  /**
   * etcd's WatchProgressRequest. The answer (watch_id -1) carries a revision every watcher of the
   * stream has seen all events up to, so it is deferred until catching-up watchers have caught up.
   */
  requestProgress(): void {
    this.progressRequested = true;
    this.answerProgress();
  }

  /** The transport's buffer drained: live events flow again and catch-up resumes. */
  drained(): void {
    if (!this.congestedValue) return;
    this.congestedValue = false;
    this.hub.wake();
  }

  /** The stream ended: its watchers go. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const watcher of this.watchers.values()) this.hub.remove(watcher);
    this.watchers.clear();
    this.hub.dropStream(this);
  }

  /** Visits every watcher of the stream (hub). */
  forEachWatcher(visit: (watcher: Watcher) => void): void {
    for (const watcher of this.watchers.values()) visit(watcher);
  }

  /** Events for a watcher (hub): false when the stream is congested and took nothing. */
  deliver(watcher: Watcher, events: Event[], revision: number): boolean {
    if (this.congestedValue || this.closed) return false;
    watcher.sentSinceProgress = true;
    this.send({ revision, watch_id: watcher.id, events, prev_kv: watcher.prevKv, may_fragment: watcher.fragment });
    return true;
  }

  /**
   * A watcher's start revision is compacted (hub): etcd cancels it with compact_revision set (and,
   * as etcd 3.4 does, a header revision of 0).
   */
  compacted(watcher: Watcher, compactRevision: number): void {
    this.remove(watcher);
    this.send({ revision: 0, watch_id: watcher.id, compact_revision: compactRevision, canceled: true, events: [], prev_kv: false });
  }

  /** A progress notification for one watcher (progress_notify). */
  notifyProgress(watcher: Watcher, revision: number): void {
    if (this.congestedValue || this.closed) return;
    this.send({ revision, watch_id: watcher.id, events: [], prev_kv: false });
  }

  /** Sends a requested progress answer once no watcher of this stream is catching up (hub, stream). */
  answerProgress(): void {
    if (!this.progressRequested || this.closed) return;
    for (const watcher of this.watchers.values()) if (!this.hub.isSynced(watcher)) return;
    this.progressRequested = false;
    this.send({ revision: this.hub.revision, watch_id: INVALID_WATCH_ID, events: [], prev_kv: false });
  }

  private remove(watcher: Watcher): void {
    this.watchers.delete(watcher.id);
    this.hub.remove(watcher);
  }

  /**
   * A transport whose sink throws has lost its connection in a way it did not report: the stream
   * closes (its watchers go) rather than the exception reaching the hub's catch-up or the apply path.
   */
  private send(response: WatchResponse): void {
    if (this.closed) return;
    let accepted: boolean;
    try {
      accepted = this.sink.send(response);
    } catch {
      this.close();
      return;
    }
    if (!accepted) this.congestedValue = true;
  }
}
