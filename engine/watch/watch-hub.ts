/**
 * The watcher hub of one member (etcd's watchableStore): every watch stream of every transport
 * registers its watchers here, and the member's own apply feeds it, so followers serve watches as
 * the leader does.
 *
 *   apply worker report ──> onEvents (per entry) ──> onRevision (per batch) ──> synced watchers
 *                                                                   │
 *   LMDB history (kv table by revision) ──> catch-up steps ──> unsynced watchers ──> synced
 *
 * - Synced watchers have seen everything up to `revision`; each applied batch is matched against
 *   them (a map lookup per event for single-key watchers) and sent as one response per watcher.
 *   The Event objects are shared, so transports encode each event once however many watchers
 *   get it.
 * - Unsynced watchers (a start revision in the past; a congested stream; a jump of the store, as
 *   when a snapshot replaced it) catch up from LMDB in bounded rounds, round robin, one round at a
 *   time, so catch-up never holds up Raft and no stream starves another. The apply worker reads
 *   the history (it holds the key index prev_kv needs); a read covers revisions up to the hub's
 *   revision when it was asked for. A watcher whose read reached the hub's revision as it stands
 *   when the answer arrives is synced; one overtaken by later batches meanwhile reads again. So
 *   it misses no event and gets none twice.
 * - A start revision below the compaction revision cancels the watcher with compact_revision.
 */
import type { HistoryChunk } from '../mvcc/history.js';
import type { Event } from '../mvcc/rpc.js';
import type { WatchSink } from './watch-types.js';
import { WatcherIndex } from './watcher-index.js';
import type { Watcher } from './watcher.js';
import { WatchStream, type WatchRegistry } from './watch-stream.js';
import type { Clock, TimerHandle } from '../node/ports.js';
import { SYSTEM_CLOCK } from '../node/system-clock.js';

/** Events read from history for one watcher in one step (a revision is never split). */
export const HISTORY_EVENTS_PER_READ = 1000;
/** Events all catch-up reads of one turn may return before yielding the thread. */
export const CATCH_UP_EVENTS_PER_TURN = 10_000;
/** Distinct history reads one catch-up round asks the store for at most. */
export const CATCH_UP_READS_PER_ROUND = 16;
/** etcd's default --experimental-watch-progress-notify-interval (10 minutes). */
export const PROGRESS_NOTIFY_INTERVAL_MS_DEFAULT = 10 * 60 * 1000;

/** One catch-up read: a chunk of history, or the compaction that removed its start. */
type HistoryRead = HistoryChunk | { compactRevision: number };

/** Where catch-up reads history: the store's owner (the apply worker), or a store in tests. */
export interface HistorySource {
  history(fromRev: number, toRev: number, eventsMax: number, withPrevKv: boolean): HistoryRead | Promise<HistoryRead>;
}

export interface WatchHubOptions {
  /** The store revision the hub starts at (everything up to it is history). */
  revision: number;
  progressNotifyIntervalMs?: number;
  historyEventsPerRead?: number;
  /** Its timers (progress notifications) and deferred work; node's by default, the simulator's in it. */
  clock?: Clock;
}

/** What the hub has done, for /metrics and tests. */
export interface WatchHubStats {
  synced: number;
  unsynced: number;
  streams: number;
  /** Watchers moved to catch-up because their stream was congested (etcd's slow watchers). */
  slowMoved: number;
  eventsSent: number;
}

export class WatchHub implements WatchRegistry {
  private revisionValue: number;
  private readonly synced = new WatcherIndex();
  /** Insertion order is the round-robin order: a watcher that read goes to the back. */
  private readonly unsynced = new Set<Watcher>();
  private readonly streams = new Set<WatchStream>();
  private pending: Event[] = [];
  private catchUpScheduled = false;
  private catchUpRunning = false;
  private readonly progressTimer: TimerHandle;
  private readonly clock: Clock;
  private readonly historyEventsPerRead: number;
  private slowMoved = 0;
  private eventsSent = 0;

  constructor(private readonly source: HistorySource, options: WatchHubOptions) {
    this.revisionValue = options.revision;
    this.historyEventsPerRead = options.historyEventsPerRead ?? HISTORY_EVENTS_PER_READ;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.progressTimer = this.clock.setInterval(() => this.notifyProgress(),
      options.progressNotifyIntervalMs ?? PROGRESS_NOTIFY_INTERVAL_MS_DEFAULT, true);
  }

  /** Every event up to this revision has been dispatched. */
  get revision(): number {
    return this.revisionValue;
  }

  stats(): WatchHubStats {
    return { synced: this.synced.size, unsynced: this.unsynced.size, streams: this.streams.size, slowMoved: this.slowMoved, eventsSent: this.eventsSent };
  }

  /** Opens a stream whose responses go to `sink`. */
  openStream(sink: WatchSink): WatchStream {
    const stream = new WatchStream(this, sink);
    this.streams.add(stream);
    return stream;
  }

  /** Stops the progress clock and closes every stream. */
  close(): void {
    this.clock.clear(this.progressTimer);
    for (const stream of this.streams) stream.close();
    this.streams.clear();
  }

  /** The events of one applied entry (in revision order); dispatched at the batch's onRevision. */
  onEvents(events: readonly Event[]): void {
    for (const event of events) this.pending.push(event);
  }

  /**
   * An applied batch brought the store to `revision`. Its events go to the synced watchers. When
   * the events do not account for every revision since the last batch (the store jumped: a
   * snapshot replaced it), every synced watcher catches up from the store instead.
   */
  onRevision(revision: number): void {
    const events = this.pending;
    this.pending = [];
    if (revision < this.revisionValue) throw new Error(`watch hub: store revision went back from ${this.revisionValue} to ${revision}`);
    if (revision === this.revisionValue) return;
    const contiguous = events.length > 0 && events[0]!.kv.mod_revision === this.revisionValue + 1 &&
      events[events.length - 1]!.kv.mod_revision === revision;
    if (!contiguous) {
      this.unsyncAll();
      this.revisionValue = revision;
      this.scheduleCatchUp();
      return;
    }
    const firstRev = this.revisionValue + 1;
    this.revisionValue = revision;
    this.dispatch(events, firstRev);
    if (this.unsynced.size > 0) this.scheduleCatchUp();
  }

  /** True when the watcher has every event up to `revision`. */
  isSynced(watcher: Watcher): boolean {
    return !this.unsynced.has(watcher);
  }

  /** A stream's new watcher (WatchStream.create). */
  add(watcher: Watcher): void {
    if (watcher.nextRev <= this.revisionValue) {
      this.unsynced.add(watcher);
      this.scheduleCatchUp();
    } else {
      this.synced.add(watcher);
    }
  }

  /** A watcher canceled, compacted or closed with its stream. */
  remove(watcher: Watcher): void {
    watcher.canceled = true;
    if (!this.synced.delete(watcher)) this.unsynced.delete(watcher);
    watcher.stream.answerProgress();
  }

  /** A stream drained: catch-up may resume for its watchers. */
  wake(): void {
    if (this.unsynced.size > 0) this.scheduleCatchUp();
  }

  /** Forgets a closed stream (WatchStream.close calls remove for its watchers first). */
  dropStream(stream: WatchStream): void {
    this.streams.delete(stream);
  }

  private dispatch(events: Event[], firstRev: number): void {
    const selected = new Map<Watcher, Event[]>();
    for (const event of events) {
      this.synced.forEachCandidate(event.kv.key, (watcher) => {
        if (!watcher.wants(event)) return;
        const list = selected.get(watcher);
        if (list === undefined) selected.set(watcher, [event]);
        else list.push(event);
      });
    }
    for (const [watcher, list] of selected) {
      if (watcher.stream.deliver(watcher, list, this.revisionValue)) {
        this.eventsSent += list.length;
        continue;
      }
      // A congested stream: this batch and what follows stay in LMDB until it drains.
      this.synced.delete(watcher);
      watcher.nextRev = firstRev;
      this.unsynced.add(watcher);
      this.slowMoved++;
    }
  }

  private unsyncAll(): void {
    for (const stream of this.streams) stream.forEachWatcher((watcher) => {
      if (!this.synced.delete(watcher)) return;
      watcher.nextRev = Math.max(watcher.minRev, this.revisionValue + 1);
      this.unsynced.add(watcher);
    });
  }

  private scheduleCatchUp(): void {
    if (this.catchUpScheduled) return;
    this.catchUpScheduled = true;
    this.clock.soon(() => {
      this.catchUpScheduled = false;
      this.catchUp();
    });
  }

  /**
   * One bounded round of catch-up, round robin over the unsynced watchers. Watchers owed the same
   * revisions with the same prev_kv choice share one read of the round (etcd reads once per group
   * of unsynced watchers): many watchers that fell behind together, as a congested stream's do,
   * cost one read per step. The reads run in the store's thread; delivering them here stops once
   * the round's budget of events scanned (every watcher's count) is spent, so a turn stays short.
   */
  private catchUp(): void {
    if (this.catchUpRunning) return;
    this.catchUpRunning = true;
    this.catchUpRound().then((blocked) => {
      this.catchUpRunning = false;
      if (this.unsynced.size > blocked) this.scheduleCatchUp();
    }, () => {
      // The store failed, and the member fails with it: its streams close, no round follows.
      this.catchUpRunning = false;
    });
  }

  /** Runs one round; returns how many watchers it skipped for a congested stream. */
  private async catchUpRound(): Promise<number> {
    let blocked = 0;
    const reads = new Map<string, HistoryRead | Promise<HistoryRead>>();
    const round: { watcher: Watcher; key: string }[] = [];
    for (const watcher of this.unsynced) {
      if (watcher.canceled) continue;
      if (watcher.stream.congested) { blocked++; continue; }
      const key = readKey(watcher);
      if (!reads.has(key)) {
        if (reads.size === CATCH_UP_READS_PER_ROUND) continue;
        reads.set(key, this.source.history(watcher.nextRev, this.revisionValue, this.historyEventsPerRead, watcher.prevKv));
      }
      round.push({ watcher, key });
    }
    let budget = CATCH_UP_EVENTS_PER_TURN;
    for (const { watcher, key } of round) {
      if (budget <= 0) break;
      const read = await reads.get(key)!;
      // Canceled, or moved on, while the read was under way: its next round reads afresh.
      if (watcher.canceled || !this.unsynced.has(watcher) || readKey(watcher) !== key) continue;
      if (watcher.stream.congested) { blocked++; continue; }
      budget -= this.catchUpOne(watcher, read) + 1;
    }
    return blocked;
  }

  /** Sends a watcher its next chunk of history; returns the events it scanned. */
  private catchUpOne(watcher: Watcher, read: HistoryRead): number {
    if ('compactRevision' in read) {
      watcher.stream.compacted(watcher, read.compactRevision);
      return 0;
    }
    const events = watcher.select(read.events);
    if (events.length > 0) {
      if (!watcher.stream.deliver(watcher, events, read.nextRev - 1)) return 0;
      this.eventsSent += events.length;
    }
    watcher.nextRev = read.nextRev;
    this.unsynced.delete(watcher);
    if (watcher.nextRev > this.revisionValue) {
      this.synced.add(watcher);
      watcher.stream.answerProgress();
    } else {
      this.unsynced.add(watcher);
    }
    return read.events.length;
  }

  /** progress_notify: a synced watcher that got nothing for an interval hears the revision. */
  private notifyProgress(): void {
    for (const stream of this.streams) stream.forEachWatcher((watcher) => {
      if (!watcher.progressNotify || !this.isSynced(watcher)) return;
      if (!watcher.sentSinceProgress) stream.notifyProgress(watcher, this.revisionValue);
      watcher.sentSinceProgress = false;
    });
  }
}

/** Which history read a watcher needs: watchers with the same key share one. */
function readKey(watcher: Watcher): string {
  return `${watcher.nextRev}:${watcher.prevKv ? 1 : 0}`;
}
