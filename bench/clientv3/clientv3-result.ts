/**
 * The clientv3 benchmark's results file (results/<date>-clientv3-<name>.json) and its markdown:
 * every round of every server as measured, and per matrix row the rounds side by side with the
 * cairn/etcd ratio of their means.
 */
import type { ServerKind } from '../cluster/bench-cluster.js';
import type { MemberSummary } from '../cluster/bench-result.js';
import { codeSentence, type BenchRunHeader } from '../common/cluster-session.js';
import type { ClientV3Plan, RoundSlot } from './clientv3-args.js';
import type { MatrixRow } from './clientv3-matrix.js';
import type { GoLoadResult, GoPreloadResult } from './go-load.js';

/** One matrix row measured in one round. */
export interface RowRun {
  row: string;
  /** The 1-minute load average when the row began: above 0 is other work sharing the machine. */
  load_average_at_start: number;
  result: GoLoadResult;
  /** Per member over the row's measured window, from the once-a-second sampler; * leader. */
  members: Record<string, MemberSummary>;
}

/** One round of one server: a fresh cluster, the preload, every row. */
export interface RoundRun extends RoundSlot {
  server_version: string;
  load_average_at_start: number;
  preload: GoPreloadResult;
  rows: RowRun[];
}

/** Per server, one figure per round in the order the rounds ran. */
export interface ServerFigures {
  ops_per_sec: number[];
  p50_ms: number[];
  p99_ms: number[];
  errors: number;
}

/** One matrix row over every round. */
export interface RowSummary {
  row: string;
  label: string;
  servers: Partial<Record<ServerKind, ServerFigures>>;
  /** Mean cairn ops/s over mean etcd ops/s (null unless both ran); above 1 cairn is faster. */
  ratio_ops_per_sec: number | null;
  /** Mean cairn p99 over mean etcd p99 (null unless both ran); below 1 cairn's tail is shorter. */
  ratio_p99: number | null;
}

export interface ClientV3Result extends BenchRunHeader {
  workload: {
    members: number; key_space: number; key_size: number; value_size: number; duration_s: number; warmup_s: number;
    preload_clients: number; rounds: number; servers: ServerKind[];
  };
  /** The Go generator: its source hash (the cache key of its binary) and the Go that built it. */
  generator: { source_hash: string; go_version: string };
  rows: RowSummary[];
  rounds: RoundRun[];
}

export function workloadOf(plan: ClientV3Plan): ClientV3Result['workload'] {
  return {
    members: plan.members, key_space: plan.keySpace, key_size: plan.keySize, value_size: plan.valueSize, duration_s: plan.durationSeconds,
    warmup_s: plan.warmupSeconds, preload_clients: plan.preloadClients, rounds: plan.rounds, servers: [...plan.servers],
  };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** a / b of the servers' means, or null when either server has no figure (or b's is 0). */
function ratioOf(cairn: readonly number[] | undefined, etcd: readonly number[] | undefined): number | null {
  if (cairn === undefined || etcd === undefined || cairn.length === 0 || etcd.length === 0) return null;
  const reference = mean(etcd);
  return reference > 0 ? mean(cairn) / reference : null;
}

/** Every row's figures per server, in the order the rounds ran, and the cairn/etcd ratios. */
export function summarizeRows(rows: readonly MatrixRow[], rounds: readonly RoundRun[]): RowSummary[] {
  return rows.map((row) => {
    const servers: RowSummary['servers'] = {};
    for (const round of rounds) {
      const run = round.rows.find((candidate) => candidate.row === row.name);
      if (run === undefined) continue;
      const figures = servers[round.server] ??= { ops_per_sec: [], p50_ms: [], p99_ms: [], errors: 0 };
      figures.ops_per_sec.push(run.result.ops_per_sec);
      figures.p50_ms.push(run.result.latency.p50_ms);
      figures.p99_ms.push(run.result.latency.p99_ms);
      figures.errors += run.result.errors;
    }
    return {
      row: row.name, label: row.label, servers,
      ratio_ops_per_sec: ratioOf(servers.cairn?.ops_per_sec, servers.etcd?.ops_per_sec),
      ratio_p99: ratioOf(servers.cairn?.p99_ms, servers.etcd?.p99_ms),
    };
  });
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

/** "1,234" for ops/s, "5.1" for ms. */
function list(values: readonly number[] | undefined, format: (value: number) => string): string {
  return values === undefined || values.length === 0 ? '-' : values.map(format).join(', ');
}

const opsFormat = (value: number): string => Math.round(value).toLocaleString('en-US');
const msFormat = (value: number): string => fixed(value, value < 10 ? 1 : 0);

function ratioCell(ratio: number | null): string {
  return ratio === null ? '-' : `**${fixed(ratio, 2)}**`;
}

function membersCell(members: Record<string, MemberSummary>): string {
  return Object.entries(members).map(([name, m]) => `${name}${m.leader ? '*' : ''} ${fixed(m.cpu_percent_avg, 0)}%`).join(', ');
}

function rowTable(result: ClientV3Result): string[] {
  const servers = result.workload.servers;
  const both = servers.includes('cairn') && servers.includes('etcd');
  const header = ['load', ...servers.map((s) => `${s} ops/s`), ...(both ? ['ratio'] : []), ...servers.map((s) => `${s} p50 ms`),
    ...servers.map((s) => `${s} p99 ms`), ...(both ? ['p99 ratio'] : []), 'errors'];
  const lines = [`| ${header.join(' | ')} |`, `|---|${header.slice(1).map(() => '---:').join('|')}|`];
  for (const row of result.rows) {
    const cells = [
      row.label,
      ...servers.map((s) => list(row.servers[s]?.ops_per_sec, opsFormat)),
      ...(both ? [ratioCell(row.ratio_ops_per_sec)] : []),
      ...servers.map((s) => list(row.servers[s]?.p50_ms, msFormat)),
      ...servers.map((s) => list(row.servers[s]?.p99_ms, msFormat)),
      ...(both ? [row.ratio_p99 === null ? '-' : fixed(row.ratio_p99, 2)] : []),
      servers.map((s) => `${s} ${row.servers[s]?.errors ?? 0}`).join(', '),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines;
}

function runTable(result: ClientV3Result): string[] {
  const lines = [
    '| round | server | row | ops/s | p50 / p90 / p99 / max ms | errors | txn retries / empty ranges | load avg | generator CPU | member CPU (* leader) |',
    '|---:|---|---|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const round of result.rounds) {
    for (const run of round.rows) {
      const { latency: l } = run.result;
      lines.push(`| ${round.round} | ${round.server} | ${run.row} | ${opsFormat(run.result.ops_per_sec)} | ` +
        `${[l.p50_ms, l.p90_ms, l.p99_ms, l.max_ms].map(msFormat).join(' / ')} | ${run.result.errors} | ` +
        `${run.result.cas_retries} / ${run.result.empty_ranges} | ` +
        `${fixed(run.load_average_at_start, 2)} | ${fixed(run.result.client_cores * 100, 0)}% | ${membersCell(run.members)} |`);
    }
  }
  return lines;
}

/** "from 1.20 to 3.40" over every row's load average at its start. */
function loadAverageRange(rounds: readonly RoundRun[]): string {
  const averages = rounds.flatMap((round) => round.rows.map((run) => run.load_average_at_start));
  return averages.length === 0 ? 'no row ran' : `from ${fixed(Math.min(...averages), 2)} to ${fixed(Math.max(...averages), 2)}`;
}

export function clientV3Markdown(result: ClientV3Result): string {
  const { workload: w, machine } = result;
  const errorKinds = result.rounds.flatMap((round) => round.rows.flatMap((run) =>
    Object.entries(run.result.error_kinds).map(([message, count]) => `- ${round.server} round ${round.round}, ${run.row}: ${count} x \`${message}\``)));
  return [
    `# ${result.name} (${result.date})`,
    '',
    `Machine: ${machine.cpu_count} x ${machine.cpu_model}, ${fixed(Number(machine.memory_bytes) / 2 ** 30, 0)} GiB, Linux ${machine.kernel}; ` +
      'clusters and the load generator on the same machine (127.0.0.1). 1-minute load average when each round began: ' +
      `${result.rounds.map((round) => `${round.server} ${round.round} ${fixed(round.load_average_at_start, 2)}`).join(', ')}; ` +
      `${loadAverageRange(result.rounds)} when the rows began (anything above 0 is other work sharing the machine; per row below).`,
    '',
    `Command: \`${result.command}\``,
    '',
    codeSentence(result.source) +
      ` Generator: bench/go/clientv3-load (source ${result.generator.source_hash}), etcd 3.4's clientv3 built by ${result.generator.go_version}.`,
    '',
    `Workload: per round and server a fresh ${w.members}-member cluster; ${w.key_space.toLocaleString('en-US')} keys of ${w.key_size} B ` +
      `with ${w.value_size} B values preloaded (Txns of 128 puts, ${w.preload_clients} in flight); then each row for ${w.warmup_s} s of warm-up ` +
      `and ${w.duration_s} s measured. A client is a goroutine with one request in flight; clients share the connections (clientv3 clients, ` +
      'each balancing over every member) round-robin, as etcd\'s benchmark tool does; keys are drawn at random. txn is a compare-and-swap put ' +
      '(if mod_revision(key) is the one last seen, put, else read it and retry), the revisions read from the key space first. ' +
      `Rounds alternate servers: ${result.rounds.map((round) => `${round.server} ${round.round}`).join(', ')}.`,
    '',
    'Figures per round, in the order they ran; ratio = mean cairn ops/s / mean etcd ops/s (above 1: cairn faster); ' +
      'p99 ratio = mean cairn p99 / mean etcd p99 (below 1: cairn\'s tail shorter).',
    '',
    ...rowTable(result),
    '',
    '## Every run',
    '',
    ...runTable(result),
    '',
    `Preload: ${result.rounds.map((round) => `${round.server} ${round.round} ${fixed(round.preload.seconds, 1)} s`).join(', ')}.`,
    ...(errorKinds.length === 0 ? [] : ['', 'Errors:', '', ...errorKinds]),
    '',
    'CPU: 100% = one core; the cores are shared by the members and the generator. The per-second answers of every run are in the JSON ' +
      '(rounds[].rows[].result.per_second).',
    '',
  ].join('\n');
}
