/**
 * The markdown summary beside a results file: the machine and workload, one table per
 * configuration (throughput, latency percentiles, errors, client CPU, and per-member CPU, RSS,
 * fsyncs/s and entries per fsync), the ratios against the reference, and the charts.
 */
import type { BenchResult, MemberSummary, RunResult, StepResult } from './bench-result.js';

const MIB = 1024 * 1024;

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

function membersCell(members: Record<string, MemberSummary>, pick: (member: MemberSummary) => string): string {
  return Object.entries(members).map(([name, member]) => `${name}${member.leader ? '*' : ''} ${pick(member)}`).join('<br>');
}

function stepRow(step: StepResult): string {
  const { latency } = step;
  return `| ${step.concurrency} (${step.connections}x${step.depth}, ${step.processes}p) | ${Math.round(step.ops_per_sec)} | ` +
    `${fixed(latency.p50_ms, 2)} | ${fixed(latency.p90_ms, 2)} | ${fixed(latency.p99_ms, 2)} | ${fixed(latency.p999_ms, 2)} | ` +
    `${fixed(latency.max_ms, 2)} | ${step.errors} | ${fixed(step.generator.cores * 100, 0)}% | ` +
    `${membersCell(step.members, (m) => `${fixed(m.cpu_percent_avg, 0)}%`)} | ` +
    `${membersCell(step.members, (m) => `${fixed(m.rss_bytes_max / MIB, 0)}`)} | ` +
    `${membersCell(step.members, (m) => fixed(m.fsyncs_per_sec_avg, 0))} | ` +
    `${membersCell(step.members, (m) => (m.entries_per_fsync_avg === null ? '-' : fixed(m.entries_per_fsync_avg, 1)))} |`;
}

/**
 * A client process busier than this (cores per process) may itself be what limits the step: its
 * figures are then a floor for the server, and the step is flagged.
 */
export const CLIENT_SATURATION_CORES = 0.8;

function saturationNote(run: RunResult): string {
  const saturated = run.steps.filter((step) => step.generator.cores / step.generator.processes > CLIENT_SATURATION_CORES);
  if (saturated.length === 0) return '';
  return `Client processes were near a full core at ${saturated.map((step) => step.concurrency).join(', ')} in flight: ` +
    'there the client may be the limit (run with more --processes).\n\n';
}

function runSection(run: RunResult): string {
  const disk = Object.entries(run.bytes_on_disk).map(([name, bytes]) => `${name} ${fixed(bytes / MIB, 1)} MiB`).join(', ');
  return [
    `### ${run.label} (${run.target} ${run.server_version})`,
    '',
    '| in flight (conns x depth, client procs) | ops/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors | client CPU | member CPU | RSS MiB | fsyncs/s | entries/fsync |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|---|',
    ...run.steps.map(stepRow),
    '',
    `Data on disk at the end: ${disk}. Member columns: averages over the measured window (RSS: peak); * marks the leader.`,
    '',
    saturationNote(run),
  ].join('\n').replace(/\n+$/, '\n');
}

function ratiosSection(result: BenchResult): string {
  if (result.ratios_reference === null) return '';
  const labels = [...new Set(result.ratios.flatMap((ratio) => Object.keys(ratio.versus)))];
  return [
    `### Against ${result.ratios_reference}`,
    '',
    'Throughput ratio above 1 and p99 ratio below 1 are better than the reference.',
    '',
    `| in flight | ${labels.map((label) => `${label} ops/s ratio | ${label} p99 ratio`).join(' | ')} |`,
    `|---:|${labels.map(() => '---:|---:').join('|')}|`,
    ...result.ratios.map((ratio) => `| ${ratio.concurrency} | ${labels.map((label) => {
      const versus = ratio.versus[label];
      return versus === undefined ? '- | -' : `${fixed(versus.ops_per_sec, 2)} | ${fixed(versus.p99, 2)}`;
    }).join(' | ')} |`),
    '',
  ].join('\n');
}

export function summaryMarkdown(result: BenchResult, chartFiles: { throughput: string; latency: string }): string {
  const { machine, workload } = result;
  const mix = Object.entries(workload.mix).map(([operation, weight]) => `${operation}=${weight}`).join(',');
  const length = workload.count > 0 ? `${workload.count} requests` : `${workload.duration_s} s measured`;
  return [
    `# ${result.name} (${result.date})`,
    '',
    `Machine: ${machine.cpus} x ${machine.cpu_model}, ${fixed(machine.memory_bytes / (1024 * MIB), 0)} GiB, Linux ${machine.kernel}, Node ${machine.node}; ` +
      `cluster and clients on the same machine, 127.0.0.1; load average ${fixed(machine.load_average_at_start, 2)} when the run began.`,
    '',
    `Workload: ${workload.members} members, ${mix}, ${workload.key_size}-byte keys, ${workload.value_size}-byte values, ` +
      `${workload.sequential ? 'sequential' : 'random'} keys over ${workload.key_space}, ${length} after ${workload.warmup_s} s of warm-up per step, ` +
      `${workload.rate > 0 ? `open loop at ${workload.rate} ops/s (latency from the intended send time)` : 'closed loop'}. ` +
      `Latency: HdrHistogram of every measured request.`,
    '',
    `Headline (best step of ${result.headline.target}-${result.headline.protocol}): ${result.headline.ops_per_sec} ops/s at ` +
      `${result.headline.concurrency} in flight, p99 ${fixed(result.headline.p99_ms, 2)} ms, ${result.headline.errors} errors.`,
    '',
    ...result.runs.map(runSection),
    ratiosSection(result),
    `![throughput over time](${chartFiles.throughput})`,
    '',
    `![latency by concurrency](${chartFiles.latency})`,
    '',
  ].join('\n');
}
