/**
 * The read-storm benchmark's arithmetic: percentiles of a few hundred latencies (probes, ranges,
 * HashKV calls), kept as plain arrays because a run has too few of them for a histogram to help,
 * and the probes' summary, where a probe that timed out counts as the whole timeout.
 */

/** Latency percentiles of a set of calls, in milliseconds (all 0 when there were none). */
export interface CallLatency {
  count: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

/** One GET of a member's /health or /version. */
export interface Probe {
  /** Seconds since the prober started. */
  t: number;
  /** Send -> whole answer read; a timed-out probe holds the timeout. */
  latency_ms: number;
  /** Answered within the timeout with what the endpoint answers when all is well (/health: 200 {"health":"true"}). */
  ok: boolean;
  /** HTTP status, or null when no answer came (timeout or connection error). */
  status: number | null;
}

export interface ProbeSummary extends CallLatency {
  /** Probes that did not answer healthy within the timeout (timeouts included). */
  failures: number;
  timeouts: number;
}

/** The nearest-rank percentile `p` (0-100] of `sorted` (ascending); 0 for an empty list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function callLatency(latenciesMs: readonly number[]): CallLatency {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return { count: sorted.length, p50_ms: percentile(sorted, 50), p99_ms: percentile(sorted, 99), max_ms: sorted.at(-1) ?? 0 };
}

/** Probes at or over `timeoutMs` are timeouts; they are already recorded as `timeoutMs` long. */
export function summarizeProbes(probes: readonly Probe[], timeoutMs: number): ProbeSummary {
  return {
    ...callLatency(probes.map((probe) => probe.latency_ms)),
    failures: probes.filter((probe) => !probe.ok).length,
    timeouts: probes.filter((probe) => probe.status === null && probe.latency_ms >= timeoutMs).length,
  };
}
