/**
 * Simulated time for the whole cluster, on one thread. Everything that happens later (a member's
 * timers and `soon` work, a message's delivery, an fsync finishing, a fault) is an event in one
 * queue ordered by (time, sequence), and the driver runs them one at a time:
 *
 *   pop the earliest event -> run it (awaited, if it does real I/O) -> let every promise it
 *   settled run to its end (one setImmediate: node runs all microtasks first) -> next event
 *
 * Members reach it only through the Clock port, so the production Member runs on it unchanged,
 * and with every random choice drawn from the seed a run replays exactly.
 *
 * Each member incarnation gets its own clock: a crash kills it (its pending events are dropped, as
 * a killed process's timers are), a pause (SIGSTOP) holds its events until the pause ends, and a
 * drift factor stretches its timers (a slow clock).
 */
import type { Clock, TimerHandle } from '../../engine/node/ports.js';

/** The wall clock the simulation starts at (a fixed instant, so ids drawn from it replay). */
export const SIM_EPOCH_MS = Date.UTC(2026, 0, 1);
/** Events run in one run() call at most: a runaway loop (a timer re-arming itself at once) stops here. */
export const EVENTS_PER_RUN_MAX = 5_000_000;

interface SimEvent {
  atMs: number;
  seq: number;
  owner: MemberClock | null;
  cancelled: boolean;
  run: () => void | Promise<void>;
}

/** Lets every promise settled so far run to its end. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class SimScheduler {
  nowMs = 0;
  eventsRun = 0;
  private readonly heap: SimEvent[] = [];
  private seq = 0;

  /** Queues `run` at `atMs` (not before now); `owner`'s death or pause applies to it. */
  at(atMs: number, run: () => void | Promise<void>, owner: MemberClock | null = null): SimEvent {
    const event: SimEvent = { atMs: Math.max(atMs, this.nowMs), seq: this.seq++, owner, cancelled: false, run };
    this.push(event);
    return event;
  }

  cancel(event: SimEvent): void {
    event.cancelled = true;
  }

  /** Runs every event due up to `untilMs` (and what those schedule in the window); time then stands at `untilMs`. */
  async runUntil(untilMs: number): Promise<void> {
    let budget = EVENTS_PER_RUN_MAX;
    for (;;) {
      const next = this.heap[0];
      if (next === undefined || next.atMs > untilMs) break;
      this.pop();
      if (next.cancelled || next.owner?.dead === true) continue;
      const owner = next.owner;
      if (owner !== null && owner.pausedUntilMs > next.atMs) {
        // A stopped process runs nothing until it resumes; then everything due runs, in order.
        next.atMs = owner.pausedUntilMs;
        next.seq = this.seq++;
        this.push(next);
        continue;
      }
      if (--budget === 0) throw new Error(`scheduler: more than ${EVENTS_PER_RUN_MAX} events before ${untilMs} ms`);
      this.nowMs = Math.max(this.nowMs, next.atMs);
      this.eventsRun++;
      await next.run();
      await settle();
    }
    this.nowMs = Math.max(this.nowMs, untilMs);
  }

  /** A clock for one member incarnation. */
  clockFor(drift: number): MemberClock {
    return new MemberClock(this, drift);
  }

  private push(event: SimEvent): void {
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}

interface Interval {
  event: SimEvent;
  cancelled: boolean;
}

/** One member incarnation's Clock port. */
export class MemberClock implements Clock {
  /** Set by a crash: nothing of this incarnation runs again. */
  dead = false;
  /** While now is below this, the member is stopped (SIGSTOP). */
  pausedUntilMs = 0;

  constructor(private readonly scheduler: SimScheduler, private readonly drift: number) {}

  now(): number {
    return SIM_EPOCH_MS + this.scheduler.nowMs;
  }

  monotonicMs(): number {
    return this.scheduler.nowMs;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.scheduler.at(this.scheduler.nowMs + this.stretch(ms), fn, this);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const interval: Interval = { event: null as unknown as SimEvent, cancelled: false };
    const arm = (): void => {
      interval.event = this.scheduler.at(this.scheduler.nowMs + this.stretch(ms), () => {
        if (interval.cancelled) return;
        arm();
        fn();
      }, this);
    };
    arm();
    return interval;
  }

  clear(timer: TimerHandle): void {
    const handle = timer as SimEvent | Interval;
    handle.cancelled = true;
    if ('event' in handle) handle.event.cancelled = true;
  }

  soon(fn: () => void): void {
    this.scheduler.at(this.scheduler.nowMs, fn, this);
  }

  /** Runs `fn` after `ms` of simulated time, awaited by the driver (a port's real I/O goes here). */
  after(ms: number, fn: () => void | Promise<void>): void {
    this.scheduler.at(this.scheduler.nowMs + ms, fn, this);
  }

  private stretch(ms: number): number {
    return Math.max(1, Math.round(ms * (1 + this.drift)));
  }
}
