/**
 * GETs one URL of a member (/health, /version) every `intervalMs` on a fixed schedule (open loop:
 * a slow answer does not delay the next probe, so a frozen member is charged every probe that met
 * the freeze, as a load balancer polling it would be) and records each probe's latency. A probe
 * still unanswered after `timeoutMs` is aborted and recorded as `timeoutMs` long and failed. At
 * most timeoutMs / intervalMs probes are in flight.
 *
 * The prober's own event loop is watched too (perf_hooks): a probe can only be as punctual as the
 * process sending it, so the report says how late this process itself ever was.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Probe } from './readstorm-stats.js';

/** Resolution of the prober's event-loop delay monitor. */
const LOOP_DELAY_RESOLUTION_MS = 10;

/** Whether an answer counts as a success, from its status and body. */
export type AnswerCheck = (status: number, body: string) => boolean;

/** /health: 200 with {"health":"true"}. */
export const HEALTHY: AnswerCheck = (status, body) => status === 200 && body.includes('"true"');
/** Any 200. */
export const ANSWERED: AnswerCheck = (status) => status === 200;

export class EndpointProber {
  private readonly probes: Probe[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  private readonly startMs = performance.now();
  private timer: NodeJS.Timeout | null = null;
  private sent = 0;

  constructor(private readonly url: string, private readonly intervalMs: number, private readonly timeoutMs: number,
    private readonly succeeded: AnswerCheck) {
    this.loopDelay.enable();
    this.schedule();
  }

  /** Stops sending, waits for the probes in flight (at most the timeout), and returns every probe in send order. */
  async stop(): Promise<{ probes: Probe[]; loopDelayMaxMs: number }> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await Promise.all([...this.inFlight]);
    this.loopDelay.disable();
    return { probes: this.probes.sort((a, b) => a.t - b.t), loopDelayMaxMs: this.loopDelay.max / 1e6 };
  }

  /** Next probe at startMs + sent * interval: the schedule does not drift with timer lateness. */
  private schedule(): void {
    const dueMs = this.startMs + this.sent * this.intervalMs;
    this.timer = setTimeout(() => {
      this.sent++;
      const probe = this.probe();
      this.inFlight.add(probe);
      void probe.finally(() => this.inFlight.delete(probe));
      this.schedule();
    }, Math.max(0, dueMs - performance.now()));
  }

  private async probe(): Promise<void> {
    const sentMs = performance.now();
    const t = Math.round(sentMs - this.startMs) / 1000;
    try {
      const response = await fetch(this.url, { signal: AbortSignal.timeout(this.timeoutMs) });
      const body = await response.text();
      this.probes.push({ t, latency_ms: performance.now() - sentMs, ok: this.succeeded(response.status, body), status: response.status });
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
      this.probes.push({ t, latency_ms: timedOut ? this.timeoutMs : performance.now() - sentMs, ok: false, status: null });
    }
  }
}
