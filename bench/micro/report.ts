/**
 * Writes a micro-benchmark's figures to results/: `micro-<suite>.json` (machine-readable, with the
 * machine they ran on) and `micro-<suite>.md` (a table for humans). Every micro-benchmark suite
 * ends by calling writeMicroReport, so results/ always says where and when a figure was measured.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Bench } from 'tinybench';

/** One measured figure: what was measured, its value, and its unit (e.g. "entries/s"). */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** Free-form detail: batch size, bytes per op, percentiles... */
  detail?: Record<string, number | string>;
}

export const RESULTS_DIR = fileURLToPath(new URL('../../../results/', import.meta.url));

/** The machine a figure was measured on. */
export function machineInfo(): Record<string, string | number> {
  const cpu = cpus();
  return {
    cpu_model: cpu[0]?.model ?? 'unknown',
    cpu_count: cpu.length,
    memory_bytes: totalmem(),
    kernel: release(),
    node: process.version,
  };
}

/** Turns every task of a finished tinybench run into figures: ops/s plus latency percentiles in microseconds. */
export function figuresFromBench(bench: Bench, unit = 'ops/s'): Figure[] {
  return bench.tasks.map((task) => {
    const result = task.result as unknown as {
      throughput: { mean: number };
      latency: { mean: number; p50: number; p99: number; samplesCount: number };
    };
    return {
      name: task.name,
      value: result.throughput.mean,
      unit,
      detail: {
        latency_mean_us: result.latency.mean * 1000,
        latency_p50_us: result.latency.p50 * 1000,
        latency_p99_us: result.latency.p99 * 1000,
        samples: result.latency.samplesCount,
      },
    };
  });
}

function formatValue(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(4);
}

/** Writes results/micro-<suite>.json and .md and prints the table. */
export function writeMicroReport(suite: string, figures: Figure[], notes: string[] = []): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const measuredAt = new Date().toISOString();
  const machine = machineInfo();
  writeFileSync(`${RESULTS_DIR}micro-${suite}.json`,
    JSON.stringify({ suite, measured_at: measuredAt, machine, figures, notes }, null, 2) + '\n');
  const detailKeys = [...new Set(figures.flatMap((f) => Object.keys(f.detail ?? {})))];
  const lines = [
    `# micro-benchmark: ${suite}`,
    '',
    `Measured ${measuredAt} on ${machine.cpu_count} x ${machine.cpu_model}, Node ${machine.node}.`,
    `Regenerate: \`npm run bench\` (all suites).`,
    '',
    `| figure | value | unit | ${detailKeys.join(' | ')} |`,
    `|---|---|---|${detailKeys.map(() => '---').join('|')}|`,
    ...figures.map((f) => `| ${f.name} | ${formatValue(f.value)} | ${f.unit} | ${detailKeys
      .map((k) => { const v = f.detail?.[k]; return typeof v === 'number' ? formatValue(v) : (v ?? ''); }).join(' | ')} |`),
    ...(notes.length ? ['', ...notes.map((n) => `- ${n}`)] : []),
    '',
  ];
  writeFileSync(`${RESULTS_DIR}micro-${suite}.md`, lines.join('\n'));
  process.stdout.write(lines.join('\n') + '\n');
}
