/**
 * The request loop of one client process. Phases on a wall clock shared by every process of a run
 * (`startAtMs`, epoch): warm-up (answers not recorded), then the measured window. A request counts
 * in the window when it was sent (closed loop) or intended to be sent (open loop) inside it; the
 * window's stragglers are waited for, up to DRAIN_TIMEOUT_MS, after which they count as errors.
 *
 * - Closed loop: every connection keeps `depth` requests in flight; latency runs from send to answer.
 * - Open loop: requests are due on a fixed schedule (open-loop.ts) and sent as soon as they are due
 *   and a slot is free (at most connections x depth in flight); latency runs from the intended send
 *   time, so time spent queued in the client behind a slow server is counted.
 * - Count mode: the process sends its share of `count` measured requests, then stops.
 */
import { performance } from 'node:perf_hooks';
import { createLatencyHistogram, encodeHistogram, recordLatencyMs } from './latency.js';
import type { LoadDriver } from './load-driver.js';
import { shareOf, type LoadOptions } from './load-options.js';
import { dueCount, indexesBefore, intendedSendMs, openLoopLatencyMs } from './open-loop.js';
import { Workload } from './workload.js';

/** How long the measured window's unanswered requests are waited for. */
export const DRAIN_TIMEOUT_MS = 10_000;
/** Distinct error messages kept with their counts (the rest only counted). */
const ERROR_KINDS_MAX = 10;
/** How long a closed-loop slot waits after a failed request before sending again. */
const RETRY_AFTER_ERROR_MS = 10;
/** How often the open-loop scheduler looks at the clock when nothing else wakes it. */
const OPEN_LOOP_TICK_MS = 1;

/** What one process reports; the parent merges these (load-runner.ts). */
export interface ProcessResult {
  processIndex: number;
  /** Measured requests answered successfully. */
  ops: number;
  /** Measured requests that failed or were not answered within the drain timeout. */
  errors: number;
  /** Error message -> count, for the first ERROR_KINDS_MAX distinct messages. */
  errorKinds: Record<string, number>;
  /** Encoded HdrHistogram of measured successful latencies, in microseconds. */
  histogram: string;
  /** Successful answers (warm-up included) per whole wall-clock second since startAtMs, up to the window's end. */
  perSecond: number[];
  /** Length of the measured window in seconds (count mode: until the last answer). */
  measuredSeconds: number;
  /** This process's user + system CPU from its first measured request to its end, in seconds. */
  cpuSeconds: number;
  /** The wall-clock seconds over which cpuSeconds was spent. */
  cpuWallSeconds: number;
}

export interface ProcessPlan {
  options: LoadOptions;
  processIndex: number;
  /** Epoch ms at which every process starts sending. */
  startAtMs: number;
  /** Called with the number of successful answers so far (warm-up included), about once a second. */
  onProgress?: (measuredAnswers: number) => void;
}

/** Epoch milliseconds with performance.now()'s resolution. */
function nowEpochMs(): number {
  return performance.timeOrigin + performance.now();
}

export function runProcess(driver: LoadDriver, plan: ProcessPlan): Promise<ProcessResult> {
  return new LoadProcess(driver, plan).run();
}

/** One process's run: its schedule, its counters, and the callbacks that keep requests flowing. */
class LoadProcess {
  private readonly workload: Workload;
  private readonly histogram = createLatencyHistogram();
  private readonly result: ProcessResult;
  private readonly startAtMs: number;
  private readonly measureStartMs: number;
  /** Infinity in count mode until the quota is known to be reached. */
  private measureEndMs: number;
  private readonly countMode: boolean;
  private readonly measuredQuota: number;
  private readonly inFlightMax: number;
  private readonly openLoop: boolean;
  private readonly ratePerProcess: number;
  /** Seconds of the per-second series: the drain's partial second after the window would read as a collapse. */
  private readonly perSecondLimit: number;

  /** Successful answers, warm-up included (for progress). */
  private answered = 0;
  private measuredSent = 0;
  private measuredDone = 0;
  private inFlight = 0;
  private nextConnection = 0;
  private openLoopIndex = 0;
  private lastAnswerMs: number;
  /** When an answer last arrived (or sending began): a long silence with requests out ends the run. */
  private lastActivityMs: number;
  private cpuAtStart: NodeJS.CpuUsage | null = null;
  private cpuStartMs = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private finish: () => void = () => {};

  constructor(private readonly driver: LoadDriver, private readonly plan: ProcessPlan) {
    const { options, processIndex, startAtMs } = plan;
    this.workload = new Workload(options, processIndex);
    this.startAtMs = startAtMs;
    this.measureStartMs = startAtMs + options.warmupSeconds * 1000;
    this.countMode = options.count > 0;
    this.measuredQuota = this.countMode ? shareOf(options.count, options.processes, processIndex) : Infinity;
    this.measureEndMs = this.countMode ? Infinity : this.measureStartMs + options.durationSeconds * 1000;
    this.inFlightMax = driver.connectionCount * options.depth;
    this.openLoop = options.rate > 0;
    this.ratePerProcess = options.rate / options.processes;
    this.perSecondLimit = this.countMode ? Infinity : Math.floor(options.warmupSeconds + options.durationSeconds);
    this.lastAnswerMs = this.measureStartMs;
    this.lastActivityMs = startAtMs;
    this.result = {
      processIndex, ops: 0, errors: 0, errorKinds: {}, histogram: '', perSecond: [], measuredSeconds: 0, cpuSeconds: 0, cpuWallSeconds: 0,
    };
  }

  run(): Promise<ProcessResult> {
    const finished = new Promise<void>((resolve) => { this.finish = resolve; });
    this.timers.push(setTimeout(() => this.begin(), Math.max(0, this.startAtMs - nowEpochMs())));
    // The window may end with nothing in flight (a closed loop whose answers all came back at once).
    if (!this.countMode) this.timers.push(setTimeout(() => this.checkDone(), Math.max(0, this.measureEndMs - nowEpochMs()) + 1));
    // Bound the wait: past the window's end plus the drain timeout, or after that long without any
    // answer while requests are out (a server that stopped answering), the run ends.
    this.timers.push(setInterval(() => {
      const now = nowEpochMs();
      if (now >= this.measureEndMs + DRAIN_TIMEOUT_MS || (this.inFlight > 0 && now - this.lastActivityMs >= DRAIN_TIMEOUT_MS)) this.finish();
    }, 100));
    return finished.then(() => this.complete());
  }

  private begin(): void {
    const report = this.plan.onProgress;
    if (report !== undefined) this.timers.push(setInterval(() => report(this.answered), 1000));
    if (this.openLoop) {
      this.timers.push(setInterval(() => { this.openLoopPump(); this.checkDone(); }, OPEN_LOOP_TICK_MS));
      this.openLoopPump();
    } else {
      for (let slot = 0; slot < this.inFlightMax; slot++) this.closedLoopSlot();
    }
  }

  /**
   * Closed loop: each slot sends again as soon as its answer arrives, until sending is over. After
   * a failure it pauses, so a lost connection costs a bounded number of errors, not a hot loop.
   */
  private closedLoopSlot(): void {
    if (this.sendingIsOver()) return;
    const now = nowEpochMs();
    this.send(now, now >= this.measureStartMs, (failed) => {
      if (failed) setTimeout(() => this.closedLoopSlot(), RETRY_AFTER_ERROR_MS);
      else this.closedLoopSlot();
    });
  }

  /** Open loop: sends whatever is due while slots are free; answers and a timer both wake it. */
  private openLoopPump(): void {
    const due = dueCount(this.startAtMs, this.ratePerProcess, nowEpochMs());
    while (this.openLoopIndex < due && this.inFlight < this.inFlightMax) {
      const intendedMs = intendedSendMs(this.startAtMs, this.ratePerProcess, this.openLoopIndex++);
      if (intendedMs >= this.measureEndMs || (intendedMs >= this.measureStartMs && this.measuredSent >= this.measuredQuota)) {
        this.measureEndMs = Math.min(this.measureEndMs, intendedMs);
        break;
      }
      this.send(intendedMs, intendedMs >= this.measureStartMs, () => this.openLoopPump());
    }
  }

  /** Sends one request; `startMs` is when its latency starts counting; `measured` says whether it is in the window. */
  private send(startMs: number, measured: boolean, then: (failed: boolean) => void): void {
    if (measured) {
      this.measuredSent++;
      if (this.cpuAtStart === null) {
        this.cpuAtStart = process.cpuUsage();
        this.cpuStartMs = nowEpochMs();
      }
    }
    this.inFlight++;
    const connection = this.nextConnection;
    this.nextConnection = (this.nextConnection + 1) % this.driver.connectionCount;
    this.driver.send(connection, this.workload.next(), (error) => {
      this.onAnswer(startMs, measured, error);
      then(error !== null);
      this.checkDone();
    });
  }

  private onAnswer(startMs: number, measured: boolean, error: string | null): void {
    this.inFlight--;
    const doneMs = nowEpochMs();
    this.lastActivityMs = doneMs;
    const second = Math.floor((doneMs - this.startAtMs) / 1000);
    if (error === null) this.answered++;
    if (error === null && second < this.perSecondLimit) this.result.perSecond[second] = (this.result.perSecond[second] ?? 0) + 1;
    if (!measured) return;
    this.measuredDone++;
    this.lastAnswerMs = doneMs;
    if (error !== null) {
      this.recordErrors(error, 1);
      return;
    }
    this.result.ops++;
    recordLatencyMs(this.histogram, this.openLoop ? openLoopLatencyMs(startMs, doneMs) : doneMs - startMs);
  }

  /** Open loop: over once every request intended inside the window has left, however late. */
  private sendingIsOver(): boolean {
    if (this.measuredSent >= this.measuredQuota) return true;
    if (this.openLoop) return intendedSendMs(this.startAtMs, this.ratePerProcess, this.openLoopIndex) >= this.measureEndMs;
    return nowEpochMs() >= this.measureEndMs;
  }

  private checkDone(): void {
    if (this.sendingIsOver() && this.measuredDone === this.measuredSent) this.finish();
  }

  private recordErrors(message: string, count: number): void {
    const { result } = this;
    result.errors += count;
    if (message in result.errorKinds || Object.keys(result.errorKinds).length < ERROR_KINDS_MAX) {
      result.errorKinds[message] = (result.errorKinds[message] ?? 0) + count;
    }
  }

  /** Requests of the open-loop window still waiting for a slot when the wait ran out. */
  private unsentInWindow(): number {
    if (this.countMode) return Math.max(0, this.measuredQuota - this.measuredSent);
    const firstInWindow = indexesBefore(this.startAtMs, this.ratePerProcess, this.measureStartMs);
    const endOfWindow = indexesBefore(this.startAtMs, this.ratePerProcess, this.measureEndMs);
    return Math.max(0, endOfWindow - Math.max(this.openLoopIndex, firstInWindow));
  }

  private complete(): ProcessResult {
    for (const timer of this.timers) clearTimeout(timer);
    const { result } = this;
    if (this.cpuAtStart !== null) {
      const cpu = process.cpuUsage(this.cpuAtStart);
      result.cpuSeconds = (cpu.user + cpu.system) / 1e6;
      result.cpuWallSeconds = (nowEpochMs() - this.cpuStartMs) / 1000;
    }
    const unanswered = this.measuredSent - this.measuredDone;
    if (unanswered > 0) this.recordErrors(`not answered within ${DRAIN_TIMEOUT_MS} ms`, unanswered);
    const unsent = this.openLoop ? this.unsentInWindow() : 0;
    if (unsent > 0) this.recordErrors(`not sent within ${DRAIN_TIMEOUT_MS} ms of its intended time`, unsent);
    result.measuredSeconds = this.countMode ? (this.lastAnswerMs - this.measureStartMs) / 1000 : this.plan.options.durationSeconds;
    result.histogram = encodeHistogram(this.histogram);
    return result;
  }
}
