/**
 * Simulated watchers, each one logical watch of every key the clients write ("k" .. "l") from a
 * start revision, opened on a member's EtcdServer (as every transport opens its streams). A
 * watcher loses its stream when its member crashes or stops, and now and then closes it itself;
 * it then resumes on a serving member from the revision after the last event it got, as etcd's
 * clients do. What it receives is checked as etcd's robustness tests check watches:
 *
 *   ordered    revisions never go back; unique: no event twice (a resume overlapping is one)
 *   atomic     the events of one revision (one txn) come in one response
 *   reliable   at the end, the events got equal the store's history from the start revision on,
 *              with no gap, and a watcher still open has caught up with the last revision
 *   resumable  all of the above across resumes on other members
 */
import type { Event } from '../../engine/mvcc/rpc.js';
import type { WatchStream } from '../../engine/watch/watch-stream.js';
import type { WatchResponse } from '../../engine/watch/watch-types.js';
import type { SimCluster } from './cluster.js';
import type { Prng } from './prng.js';
import type { MemberClock } from './scheduler.js';
import type { Trace } from './trace.js';

export interface WatchOptions {
  watchers: number;
  /** Chance per tick that a watcher closes its stream and resumes elsewhere. */
  resumeProbability: number;
  /**
   * Chance that a response is lost on its way to the watcher, as a broken hub or transport would
   * lose it. The runs keep it at 0; a test turns it on to see the checks object.
   */
  lossProbability: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const KEY = encoder.encode('k');
const RANGE_END = encoder.encode('l');

interface Segment {
  memberId: number;
  /** The incarnation the stream lives on: its death ends the segment. */
  clock: MemberClock;
  stream: WatchStream;
}

interface SimWatcher {
  id: number;
  startRev: number;
  /** The next revision this watcher expects: where a resume starts. */
  nextRev: number;
  received: Event[];
  segment: Segment | null;
  resumes: number;
}

/** Counters for the summary. */
export interface WatchStats {
  events: number;
  resumes: number;
}

/** A compact description of an event, for comparison and messages. */
function describe(event: Event): string {
  const kv = event.kv;
  return `${event.type === 1 ? 'DELETE' : 'PUT'} ${decoder.decode(kv.key)}@${kv.mod_revision}${event.type === 1 ? '' : `=${decoder.decode(kv.value)}`}`;
}

export class WatchClientPool {
  private readonly watchers: SimWatcher[];
  readonly violations: string[] = [];
  readonly stats: WatchStats = { events: 0, resumes: 0 };

  constructor(private readonly prng: Prng, private readonly cluster: SimCluster, private readonly options: WatchOptions,
    private readonly trace: Trace) {
    // Some watch from the first revision (history replay), some from whatever is next when they open.
    this.watchers = Array.from({ length: options.watchers }, (_, i) => ({
      id: i + 1, startRev: prng.chance(0.5) ? 1 : 0, nextRev: 0, received: [], segment: null, resumes: 0,
    }));
  }

  /** One tick: drop streams whose member went away, sometimes close one (if `resuming`), (re)open what is closed. */
  step(resuming: boolean): void {
    for (const watcher of this.watchers) {
      const segment = watcher.segment;
      if (segment !== null) {
        const incarnation = this.cluster.members.get(segment.memberId)?.incarnation;
        if (incarnation === null || incarnation === undefined || incarnation.clock !== segment.clock || !this.cluster.isConfigured(segment.memberId)) {
          watcher.segment = null;
        } else if (resuming && this.prng.chance(this.options.resumeProbability)) {
          segment.stream.close();
          watcher.segment = null;
        }
      }
      if (watcher.segment === null) this.open(watcher);
    }
  }

  private open(watcher: SimWatcher): void {
    const serving = this.cluster.serving();
    if (serving.length === 0) return;
    const member = this.prng.pick(serving);
    const incarnation = member.incarnation!;
    const startRev = watcher.nextRev > 0 ? watcher.nextRev : watcher.startRev;
    let segment: Segment | null = null;
    const stream = incarnation.etcd.watch({
      send: (response) => {
        if (segment !== null && watcher.segment === segment) this.receive(watcher, response);
        return true;
      },
    });
    segment = { memberId: member.id, clock: incarnation.clock, stream };
    watcher.segment = segment;
    if (watcher.nextRev > 0) {
      watcher.resumes++;
      this.stats.resumes++;
    }
    this.trace?.(`${this.cluster.nowMs} ms watcher ${watcher.id} opens on m${member.id} from revision ${startRev}`);
    stream.create({ key: KEY, range_end: RANGE_END, start_revision: startRev });
  }

  private receive(watcher: SimWatcher, response: WatchResponse): void {
    if (response.created === true && watcher.nextRev === 0) {
      // Watching from "now": the first revision it may see is the one after the creation's.
      watcher.startRev = watcher.startRev === 0 ? response.revision + 1 : watcher.startRev;
      watcher.nextRev = watcher.startRev;
    }
    if (response.canceled === true) {
      this.fail(watcher, `canceled at revision ${response.revision}: ${response.cancel_reason ?? ''} (compact revision ${response.compact_revision ?? 0})`);
      watcher.segment = null;
      return;
    }
    if (response.events.length === 0) return;
    if (this.prng.chance(this.options.lossProbability)) return;
    const first = response.events[0]!.kv.mod_revision;
    if (first < watcher.nextRev) {
      const last = watcher.received.at(-1);
      const why = last !== undefined && last.kv.mod_revision === first ? 'a revision split across responses' : 'an event at or below one already received';
      this.fail(watcher, `${why}: ${describe(response.events[0]!)} after ${last === undefined ? 'nothing' : describe(last)}`);
    }
    let previous = first;
    for (const event of response.events) {
      if (event.kv.mod_revision < previous) this.fail(watcher, `revisions go back inside a response: ${describe(event)} after revision ${previous}`);
      previous = event.kv.mod_revision;
      watcher.received.push(event);
    }
    this.stats.events += response.events.length;
    watcher.nextRev = Math.max(watcher.nextRev, previous + 1);
  }

  private fail(watcher: SimWatcher, detail: string): void {
    if (this.violations.length < 20) this.violations.push(`watcher ${watcher.id}: ${detail}`);
  }

  /** True once every watcher is open on a running member and has got every event up to `revision`. */
  caughtUp(revision: number): boolean {
    return this.watchers.every((watcher) => watcher.segment !== null && watcher.nextRev > revision
      && this.cluster.members.get(watcher.segment.memberId)?.incarnation?.clock === watcher.segment.clock);
  }

  /**
   * Compares every watcher with the store's history (`truth`, every event up to `revision`):
   * what it got must be exactly the history from its start revision to where it got, and one
   * still open on a running member must have got to `revision`.
   */
  check(truth: readonly Event[], revision: number): void {
    for (const watcher of this.watchers) {
      if (watcher.nextRev === 0) continue;
      const expected = truth.filter((event) => event.kv.mod_revision >= watcher.startRev && event.kv.mod_revision < watcher.nextRev);
      const got = watcher.received;
      const length = Math.max(expected.length, got.length);
      for (let i = 0; i < length; i++) {
        const want = expected[i] === undefined ? 'nothing' : describe(expected[i]!);
        const have = got[i] === undefined ? 'nothing' : describe(got[i]!);
        if (want !== have) {
          this.fail(watcher, `event ${i} from revision ${watcher.startRev}: got ${have}, the history has ${want}`);
          break;
        }
      }
      const open = watcher.segment !== null && this.cluster.members.get(watcher.segment.memberId)?.incarnation?.clock === watcher.segment.clock;
      if (open && watcher.nextRev <= revision) this.fail(watcher, `still open but got only up to revision ${watcher.nextRev - 1} of ${revision}`);
    }
  }
}
