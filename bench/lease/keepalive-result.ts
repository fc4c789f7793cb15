/**
 * The keep-alive benchmark's results file (results/<date>-<name>.json) and markdown summary: the
 * same put load on two fresh clusters, without and with keep-alives, side by side.
 */
import type { ServerKind } from '../cluster/bench-cluster.js';
import type { MemberSummary } from '../cluster/bench-result.js';
import type { MemberSample } from '../cluster/member-sampler.js';
import type { LatencySummary } from '../load/latency.js';
import type { LoadResult } from '../load/load-runner.js';
import type { KeepAliveBenchPlan } from './keepalive-args.js';
import { codeSentence, type BenchRunHeader } from '../common/cluster-session.js';

export interface KeepAliveFigures {
  leases_granted: number;
  grant_seconds: number;
  streams: number;
  streams_on_followers: number;
  target_per_sec: number;
  /** Keep-alives answered per second over the put load's window (TTL > 0, and TTL 0 = lease gone). */
  answered_per_sec: number;
  answered_on_followers_per_sec: number;
  answered_ttl_zero: number;
  sent: number;
  stream_errors: number;
  first_error: string | null;
  latency: LatencySummary;
  client_cores: number;
  /** The sinks' CPU (sink phase; 0 otherwise), in cores. */
  sink_cores: number;
}

export interface PhaseResult {
  /** `sink`: keep-alives go to do-nothing servers instead of the members (run-keepalive.ts). */
  label: 'baseline' | 'keepalive' | 'sink';
  /** 1-based: phases alternate baseline, keepalive[, sink], baseline, ... */
  round: number;
  server_version: string;
  leader: string;
  puts: Omit<LoadResult, 'histogram'>;
  keepalive: KeepAliveFigures;
  members: Record<string, MemberSummary>;
  /** Per member, counters' change over the window (/metrics). */
  server_counters: Record<string, Record<string, number>>;
  samples: MemberSample[];
}

export interface KeepAliveBenchResult extends BenchRunHeader {
  load_average_at_start: number[];
  workload: {
    /** The server under test; `protocol` is the put load's. */
    server: ServerKind; members: number; protocol: string; concurrency: number; connections: number; depth: number; load_processes: number;
    key_size: number; value_size: number; key_space: number; mix: Record<string, number>; duration_s: number; warmup_s: number;
    leases: number; lease_ttl_s: number; keepalive_rate: number; keepalive_streams: number; keepalive_window: number; rounds: number;
  };
  phases: PhaseResult[];
  /** Mean of the keepalive phases / mean of the baseline phases; sink_*: the sink phases' against the baseline. */
  ratios: { ops_per_sec: number; p50: number; p99: number; sink_ops_per_sec?: number; sink_p50?: number; sink_p99?: number };
}

export function workloadOf(plan: KeepAliveBenchPlan): KeepAliveBenchResult['workload'] {
  const { load } = plan;
  return {
    server: plan.server, members: plan.members, protocol: load.protocol, concurrency: plan.concurrency, connections: load.connections, depth: load.depth,
    load_processes: load.processes, key_size: load.keySize, value_size: load.valueSize, key_space: load.keySpace,
    mix: { ...load.mix } as Record<string, number>, duration_s: load.durationSeconds, warmup_s: load.warmupSeconds,
    leases: plan.leases, lease_ttl_s: plan.leaseTtlSeconds, keepalive_rate: plan.keepAliveRate, keepalive_streams: plan.keepAliveStreams,
    keepalive_window: plan.keepAliveWindow, rounds: plan.rounds,
  };
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

function thousands(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function row(label: string, phases: PhaseResult[], cell: (phase: PhaseResult) => string): string {
  return `| ${label} | ${phases.map(cell).join(' | ')} |`;
}

function membersCell(members: Record<string, MemberSummary>, pick: (m: MemberSummary) => string): string {
  return Object.entries(members).map(([name, m]) => `${name}${m.leader ? '*' : ''} ${pick(m)}`).join(', ');
}

function counterCell(counters: Record<string, Record<string, number>>, name: string, seconds: number): string {
  return Object.entries(counters).sort(([a], [b]) => a.localeCompare(b))
    .map(([member, series]) => `${member} ${thousands((series[name] ?? 0) / seconds)}`).join(', ');
}

/** "cairn 0.1.0", "etcd 3.4.23": the server and the version its first phase reported. */
function serverName(server: ServerKind, phases: readonly PhaseResult[]): string {
  const version = phases[0]?.server_version;
  return version === undefined ? server : `${server} ${version}`;
}

export function keepAliveMarkdown(result: KeepAliveBenchResult): string {
  const { workload: w, phases, machine } = result;
  const mix = Object.entries(w.mix).map(([op, weight]) => `${op}=${weight}`).join(',');
  const seconds = w.duration_s;
  const withSink = phases.some((p) => p.label === 'sink');
  const sinkRow = withSink ? [row('sink servers CPU', phases, (p) => (p.label === 'sink' ? `${fixed(p.keepalive.sink_cores * 100, 0)}%` : '-'))] : [];
  const sinkRatio = result.ratios.sink_ops_per_sec === undefined ? [] : [
    `sink / baseline: writes/s x${fixed(result.ratios.sink_ops_per_sec, 3)}, p50 x${fixed(result.ratios.sink_p50!, 2)}, p99 x${fixed(result.ratios.sink_p99!, 2)}; ` +
      `keepalive / sink: writes/s x${fixed(result.ratios.ops_per_sec / result.ratios.sink_ops_per_sec, 3)}, ` +
      `p50 x${fixed(result.ratios.p50 / result.ratios.sink_p50!, 2)}, p99 x${fixed(result.ratios.p99 / result.ratios.sink_p99!, 2)} (what cairn's own keep-alive work costs writes).`,
    '',
  ];
  return [
    `# ${result.name} (${result.date})`,
    '',
    `Machine: ${machine.cpu_count} x ${machine.cpu_model}, ${fixed(Number(machine.memory_bytes) / 2 ** 30, 0)} GiB, Linux ${machine.kernel}, ` +
      `Node ${machine.node}; cluster and clients on the same machine (127.0.0.1); 1-minute load average ${result.load_average_at_start.map((l) => fixed(l, 2)).join(' / ')} ` +
      'when each phase began (anything above 0 is other work sharing the machine).',
    '',
    `Command: \`${result.command}\``,
    '',
    codeSentence(result.source) +
      (w.server === 'etcd' ? ' The server is etcd\'s own binary: only the clients are this repository\'s code.' : ''),
    '',
    `Workload: a fresh ${w.members}-member ${serverName(w.server, phases)} cluster per phase; the load generator (bench/load) over ` +
      `${w.protocol === 'native' ? 'cairn\'s native (WebSocket)' : 'the gRPC'} protocol, ${mix}, ` +
      `${w.concurrency} in flight (${w.connections} connections x ${w.depth}, ${w.load_processes} process${w.load_processes === 1 ? '' : 'es'}, round robin over the members), ` +
      `${w.key_size}-byte keys, ${w.value_size}-byte values, random keys over ${w.key_space}, ${seconds} s measured after ${w.warmup_s} s of warm-up. ` +
      `In both phases a separate process first grants ${w.leases} leases (TTL ${w.lease_ttl_s} s) on the leader; in the keepalive phase it then renews them ` +
      `at ${thousands(w.keepalive_rate)}/s over ${w.keepalive_streams} LeaseKeepAlive streams dealt round robin over the members ` +
      `(followers forward theirs to the leader), open loop, at most ${w.keepalive_window} unanswered per stream. ` +
      'The keep-alive client speaks gRPC over node:http2 directly (grpc-js only for the grants), one HTTP/2 DATA frame per keep-alive ' +
      'as Go\'s clientv3 and grpc-js send them: grpc-js\'s client cost ~30% of a core at 5,000/s, CPU taken from the members on a small shared machine.' +
      (withSink ? ' In the sink phase the same keep-alives go to do-nothing servers (bench/lease/keepalive-sink.ts, one process per member, ' +
        'answering each 20 ms of requests in one write with cairn\'s codec) while the put load runs on the cluster: writes then pay for the ' +
        'keep-alive traffic on this machine, not for anything the members do with it.' : ''),
    '',
    `| | ${phases.map((p) => (w.rounds > 1 ? `${p.label} #${p.round}` : p.label)).join(' | ')} |`,
    `|---|${phases.map(() => '---:').join('|')}|`,
    row('**writes/s**', phases, (p) => `**${thousands(p.puts.ops_per_sec)}**`),
    row('put p50 / p90 / p99 / p99.9 ms', phases,
      (p) => `${fixed(p.puts.latency.p50_ms, 2)} / ${fixed(p.puts.latency.p90_ms, 2)} / ${fixed(p.puts.latency.p99_ms, 2)} / ${fixed(p.puts.latency.p999_ms, 2)}`),
    row('put errors', phases, (p) => String(p.puts.errors)),
    row('**keep-alives answered/s** (target)', phases,
      (p) => (p.keepalive.target_per_sec === 0 ? '-' : `**${thousands(p.keepalive.answered_per_sec)}** (${thousands(p.keepalive.target_per_sec)})`)),
    row('of which through followers /s', phases,
      (p) => (p.keepalive.target_per_sec === 0 || p.label === 'sink' ? '-' : thousands(p.keepalive.answered_on_followers_per_sec))),
    row('keep-alive p50 / p99 / max ms', phases,
      (p) => (p.keepalive.target_per_sec === 0 ? '-' : `${fixed(p.keepalive.latency.p50_ms, 2)} / ${fixed(p.keepalive.latency.p99_ms, 2)} / ${fixed(p.keepalive.latency.max_ms, 1)}`)),
    row('keep-alives answered TTL 0, stream errors', phases,
      (p) => (p.keepalive.target_per_sec === 0 ? '-' : `${p.keepalive.answered_ttl_zero}, ${p.keepalive.stream_errors}`)),
    row('renewals/s counted by members (lease_renewed_total)', phases, (p) => counterCell(p.server_counters, 'etcd_debugging_lease_renewed_total', seconds)),
    row('Raft entries committed/s (every member)', phases, (p) => counterCell(p.server_counters, 'etcd_server_proposals_committed_total', seconds)),
    row('member CPU (avg, % of a core; * leader)', phases, (p) => membersCell(p.members, (m) => `${fixed(m.cpu_percent_avg, 0)}%`)),
    row('member RSS peak MiB', phases, (p) => membersCell(p.members, (m) => fixed(m.rss_bytes_max / 2 ** 20, 0))),
    row('fsyncs/s', phases, (p) => membersCell(p.members, (m) => fixed(m.fsyncs_per_sec_avg, 0))),
    row('load client CPU', phases, (p) => `${fixed(p.puts.generator.cores * 100, 0)}%`),
    row('keep-alive client CPU', phases, (p) => `${fixed(p.keepalive.client_cores * 100, 0)}%`),
    ...sinkRow,
    '',
    `keepalive / baseline${w.rounds > 1 ? ' (means over the rounds)' : ''}: writes/s x${fixed(result.ratios.ops_per_sec, 3)}, ` +
      `p50 x${fixed(result.ratios.p50, 2)}, p99 x${fixed(result.ratios.p99, 2)}.`,
    '',
    ...sinkRatio,
    'CPU columns: averages over the measured window, 100% = one core; the machine\'s cores are shared by the members and both client processes. ' +
      'Leases granted: ' + phases.map((p) => `${p.label} ${p.keepalive.leases_granted} in ${fixed(p.keepalive.grant_seconds, 1)} s`).join(', ') + '.',
    '',
  ].join('\n');
}
