/**
 * The shape of results/<date>-<name>.json and the arithmetic that fills it from raw measurements:
 * per-member summaries of the once-a-second samples (measured window only), cairn/etcd ratios per
 * concurrency, and the headline the orchestrator prints as its last line.
 */
import { cpus, loadavg, release, totalmem } from 'node:os';
import type { LatencySummary } from '../load/latency.js';
import type { LoadResult } from '../load/load-runner.js';
import type { BenchPlan } from './bench-args.js';
import type { MemberSample } from './member-sampler.js';

export interface MemberSummary {
  leader: boolean;
  cpu_percent_avg: number;
  cpu_percent_max: number;
  rss_bytes_max: number;
  fsyncs_per_sec_avg: number;
  entries_per_fsync_avg: number | null;
}

export interface StepResult {
  concurrency: number;
  connections: number;
  depth: number;
  processes: number;
  ops: number;
  errors: number;
  error_kinds: Record<string, number>;
  ops_per_sec: number;
  latency: LatencySummary;
  /** Successful answers per second of the step, warm-up included. */
  per_second: number[];
  generator: LoadResult['generator'];
  members: Record<string, MemberSummary>;
  samples: MemberSample[];
  /** The merged HdrHistogram, compressed base64, microseconds. */
  histogram: string;
}

export interface RunResult {
  label: string;
  target: string;
  protocol: string;
  server_version: string;
  steps: StepResult[];
  /** Member name -> bytes its data directory occupies at the end of the run. */
  bytes_on_disk: Record<string, number>;
}

export interface Ratio {
  concurrency: number;
  /** label -> its ops/s divided by the reference's, and its p99 divided by the reference's (lower is better). */
  versus: Record<string, { ops_per_sec: number; p99: number }>;
}

export interface Headline {
  name: string;
  target: string;
  protocol: string;
  concurrency: number;
  ops_per_sec: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  p999_ms: number;
  max_ms: number;
  errors: number;
  duration_s: number;
  results: string;
}

export interface BenchResult {
  name: string;
  date: string;
  started_at: string;
  finished_at: string;
  /** load_average_at_start: the 1-minute load average when the run began; anything else running skews the figures. */
  machine: { cpus: number; cpu_model: string; memory_bytes: number; kernel: string; node: string; load_average_at_start: number };
  workload: {
    members: number; key_size: number; value_size: number; key_space: number; sequential: boolean;
    mix: Record<string, number>; duration_s: number; warmup_s: number; count: number; rate: number;
    concurrencies: number[]; connections_max: number; seed: number;
  };
  runs: RunResult[];
  /** Against the last run (etcd's gRPC in --compare); empty with a single run. */
  ratios: Ratio[];
  /** Ratios' reference label, or null. */
  ratios_reference: string | null;
  headline: Headline;
}

export function machineInfo(): BenchResult['machine'] {
  return {
    cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', memory_bytes: totalmem(), kernel: release(), node: process.version,
    load_average_at_start: loadavg()[0]!,
  };
}

export function workloadOf(plan: BenchPlan): BenchResult['workload'] {
  const { load } = plan;
  return {
    members: plan.members, key_size: load.keySize, value_size: load.valueSize, key_space: load.keySpace,
    sequential: load.sequential, mix: { ...load.mix } as Record<string, number>, duration_s: load.durationSeconds,
    warmup_s: load.warmupSeconds, count: load.count, rate: load.rate, concurrencies: plan.concurrencies,
    connections_max: plan.connectionsMax, seed: load.seed,
  };
}

function average(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Per member: averages and peaks of the samples taken at or after `fromSeconds` (the end of the warm-up). */
export function summarizeMembers(samples: readonly MemberSample[], fromSeconds: number): Record<string, MemberSummary> {
  const byMember = new Map<string, MemberSample[]>();
  for (const sample of samples) {
    if (sample.t < fromSeconds) continue;
    let list = byMember.get(sample.member);
    if (list === undefined) byMember.set(sample.member, list = []);
    list.push(sample);
  }
  const summaries: Record<string, MemberSummary> = {};
  for (const [member, list] of [...byMember].sort(([a], [b]) => a.localeCompare(b))) {
    const perFsync = list.map((sample) => sample.entries_per_fsync).filter((value): value is number => value !== null);
    summaries[member] = {
      // The member that led for most of the window.
      leader: list.filter((sample) => sample.leader).length * 2 > list.length,
      cpu_percent_avg: average(list.map((sample) => sample.cpu_percent)),
      cpu_percent_max: Math.max(...list.map((sample) => sample.cpu_percent)),
      rss_bytes_max: Math.max(...list.map((sample) => sample.rss_bytes)),
      fsyncs_per_sec_avg: average(list.map((sample) => sample.fsyncs_per_sec)),
      entries_per_fsync_avg: perFsync.length === 0 ? null : average(perFsync),
    };
  }
  return summaries;
}

/** Each run's steps against the reference run's step of the same concurrency. */
export function ratiosAgainst(runs: readonly RunResult[], reference: RunResult): Ratio[] {
  return reference.steps.map((base) => {
    const versus: Ratio['versus'] = {};
    for (const run of runs) {
      if (run === reference) continue;
      const step = run.steps.find((candidate) => candidate.concurrency === base.concurrency);
      if (step === undefined) continue;
      versus[run.label] = {
        ops_per_sec: base.ops_per_sec > 0 ? step.ops_per_sec / base.ops_per_sec : 0,
        p99: base.latency.p99_ms > 0 ? step.latency.p99_ms / base.latency.p99_ms : 0,
      };
    }
    return { concurrency: base.concurrency, versus };
  });
}

/** The first run's step with the highest throughput: what the one-line summary reports. */
export function headlineOf(name: string, run: RunResult, durationSeconds: number, resultsPath: string): Headline {
  const best = run.steps.reduce((a, b) => (b.ops_per_sec > a.ops_per_sec ? b : a));
  return {
    name, target: run.target, protocol: run.protocol, concurrency: best.concurrency,
    ops_per_sec: Math.round(best.ops_per_sec),
    p50_ms: best.latency.p50_ms, p90_ms: best.latency.p90_ms, p99_ms: best.latency.p99_ms,
    p999_ms: best.latency.p999_ms, max_ms: best.latency.max_ms,
    errors: run.steps.reduce((sum, step) => sum + step.errors, 0),
    duration_s: durationSeconds, results: resultsPath,
  };
}
