/**
 * One watcher: a key interval, where it stands in the history (the next revision it is owed) and
 * the options it was created with. Watchers are either synced (they take live events as they
 * apply) or unsynced (they catch up from history first); see watch-hub.ts.
 */
import { intervalContains, keyInterval, type KeyInterval } from '../mvcc/range.js';
import { EventType, type Event } from '../mvcc/rpc.js';
import { FilterType, type WatchCreateRequest } from './watch-types.js';

/** The stream a watcher belongs to, as the hub drives it (WatchStream implements it). */
export interface WatcherStream {
  /** True while the transport's buffer is over its bound: the hub holds events back. */
  readonly congested: boolean;
  /** Events for `watcher`: false when the stream is congested and took nothing. */
  deliver(watcher: Watcher, events: Event[], revision: number): boolean;
  /** `watcher` fell below the compaction: it is canceled with the compact revision. */
  compacted(watcher: Watcher, compactRevision: number): void;
  /** Sends a requested progress answer once no watcher of the stream is catching up. */
  answerProgress(): void;
}

export class Watcher {
  readonly interval: KeyInterval;
  readonly prevKv: boolean;
  readonly progressNotify: boolean;
  readonly fragment: boolean;
  private readonly noPut: boolean;
  private readonly noDelete: boolean;
  /** Events below this revision are not this watcher's (a watch that starts in the future). */
  readonly minRev: number;
  /** While unsynced: the first revision not yet delivered. */
  nextRev: number;
  /** True once an event went out since the last progress notification. */
  sentSinceProgress = false;
  canceled = false;

  constructor(readonly id: number, readonly stream: WatcherStream, request: WatchCreateRequest, startRev: number) {
    this.interval = keyInterval(request.key, request.range_end);
    this.prevKv = request.prev_kv === true;
    this.progressNotify = request.progress_notify === true;
    this.fragment = request.fragment === true;
    this.noPut = request.filters?.includes(FilterType.NOPUT) === true;
    this.noDelete = request.filters?.includes(FilterType.NODELETE) === true;
    this.minRev = startRev;
    this.nextRev = startRev;
  }

  /** True when the event is this watcher's: in its interval, at or after its start, not filtered. */
  wants(event: Event): boolean {
    if (event.kv.mod_revision < this.minRev) return false;
    if (event.type === EventType.PUT ? this.noPut : this.noDelete) return false;
    return intervalContains(this.interval, event.kv.key);
  }

  /** The events of `events` this watcher wants (the same array when it wants them all). */
  select(events: Event[]): Event[] {
    let all = true;
    for (const event of events) if (!this.wants(event)) { all = false; break; }
    return all ? events : events.filter((event) => this.wants(event));
  }
}
