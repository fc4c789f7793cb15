/**
 * The fan-out benchmark's results file (results/<date>-<name>.json) and its markdown summary:
 * one run per target (cairn, etcd), each with the writer's puts, the events the watchers received,
 * their lag, whether every watcher got every event, and the members' CPU.
 */
import type { MemberSample } from '../cluster/member-sampler.js';
import type { MemberSummary } from '../cluster/bench-result.js';
import type { LatencySummary } from '../load/latency.js';
import type { WatchPlan } from './watch-args.js';
import { codeSentence, type BenchRunHeader } from '../common/cluster-session.js';

export interface WatchRunResult {
  target: string;
  server_version: string;
  /** The 1-minute load average when this target's run began: anything above 0 is other work sharing the machine. */
  load_average_at_start: number;
  leader: string;
  writer_member: string;
  /** Member name -> Watch streams it served. */
  streams_per_member: Record<string, number>;
  /** The writer alone for --baseline seconds (after 1 s of warm-up) before any watcher exists; null when skipped. */
  puts_without_watchers: { per_sec: number; latency: LatencySummary } | null;
  puts: { total: number; in_window: number; per_sec: number; errors: number; first_error: string | null; latency: LatencySummary };
  events: {
    in_window: number;
    /** Events received per second by all watchers together. */
    per_sec: number;
    /** The same divided by the watchers, and the slowest and fastest watcher. */
    per_watcher_per_sec: { mean: number; min: number; max: number };
    /** puts/s x watchers: what keeping up would deliver. */
    expected_per_sec: number;
    delivered_ratio: number;
    responses_per_sec: number;
    events_per_response: number;
    per_second: number[];
  };
  lag: {
    /** Put acknowledged (at the writer) -> event received, an event arriving first counting as 0. */
    put_acknowledged_to_event: LatencySummary;
    events_before_ack_fraction: number;
    /** Put sent -> event received. */
    put_sent_to_event: LatencySummary;
    /** Put acknowledged -> event received, by the member serving the watcher's stream. */
    put_acknowledged_to_event_by_member: Record<string, LatencySummary>;
    events_unmatched: number;
  };
  completeness: {
    /** Puts acknowledged over the run; each watcher should receive exactly that many events. */
    puts_acknowledged: number;
    watchers_with_every_event: number;
    per_watcher_events_min: number;
    per_watcher_events_max: number;
    /** Every watcher received the last put before the drain timeout. */
    drained: boolean;
    /** Last put acknowledged -> the last watcher received it. */
    drain_ms: number;
  };
  clients: { watcher_processes: number; watcher_cores: number; watcher_cores_max_per_process: number; writer_cores: number };
  members: Record<string, MemberSummary>;
  /** Each member's watch counters at the window's start and end (/metrics). */
  server_counters: { window_start: Record<string, Record<string, number>>; window_end: Record<string, Record<string, number>> };
  samples: MemberSample[];
}

export interface WatchBenchResult extends BenchRunHeader {
  workload: {
    members: number; watchers: number; streams: number; watcher_processes: number; watch_on: string; key: string;
    writer_in_flight: number; value_size: number; duration_s: number; warmup_s: number; baseline_s: number;
  };
  runs: WatchRunResult[];
}

export function workloadOf(plan: WatchPlan): WatchBenchResult['workload'] {
  return {
    members: plan.members, watchers: plan.watchers, streams: plan.streams, watcher_processes: plan.processes, watch_on: plan.watchOn,
    key: plan.key, writer_in_flight: plan.inFlight, value_size: plan.valueSize, duration_s: plan.durationSeconds, warmup_s: plan.warmupSeconds,
    baseline_s: plan.baselineSeconds,
  };
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

function thousands(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function membersLine(members: Record<string, MemberSummary>): string {
  return Object.entries(members).map(([name, m]) => `${name}${m.leader ? '*' : ''} ${fixed(m.cpu_percent_avg, 0)}%`).join(', ');
}

const EVENTS_TOTAL = 'etcd_debugging_mvcc_events_total';
const SLOW_WATCHERS = 'etcd_debugging_mvcc_slow_watcher_total';

function serverEventsLine(run: WatchRunResult, durationSeconds: number): string {
  const { window_start: start, window_end: end } = run.server_counters;
  return Object.keys(end).sort().map((member) => {
    const sent = (end[member]?.[EVENTS_TOTAL] ?? 0) - (start[member]?.[EVENTS_TOTAL] ?? 0);
    return `${member} ${thousands(sent / durationSeconds)}`;
  }).join(', ');
}

function row(label: string, runs: WatchRunResult[], cell: (run: WatchRunResult) => string): string {
  return `| ${label} | ${runs.map(cell).join(' | ')} |`;
}

export function watchMarkdown(result: WatchBenchResult): string {
  const { workload, runs, machine } = result;
  const d = workload.duration_s;
  const lagCell = (s: LatencySummary): string => `${fixed(s.p50_ms, 2)} / ${fixed(s.p99_ms, 2)} / ${fixed(s.max_ms, 1)}`;
  return [
    `# ${result.name} (${result.date})`,
    '',
    `Machine: ${machine.cpu_count} x ${machine.cpu_model}, ${fixed(Number(machine.memory_bytes) / 2 ** 30, 0)} GiB, Linux ${machine.kernel}, ` +
      `Node ${machine.node}; cluster and clients on the same machine (127.0.0.1); 1-minute load average when each target's run began: ` +
      `${runs.map((run) => `${run.target} ${fixed(run.load_average_at_start, 2)}`).join(', ')} (anything above 0 is other work sharing the machine).`,
    '',
    `Command: \`${result.command}\``,
    '',
    codeSentence(result.source),
    '',
    `Workload: a fresh ${workload.members}-member cluster per target; ${workload.watchers} watchers on the one key "${workload.key}", ` +
      `created as ${workload.streams} gRPC Watch streams (one TCP connection each) served by ${workload.watch_on === 'all' ? 'all members, round robin' : `the ${workload.watch_on}`}, ` +
      `held by ${workload.watcher_processes} watcher processes; one writer (the orchestrator process) putting ${workload.value_size}-byte values to that key ` +
      `on the leader, closed loop with ${workload.writer_in_flight} in flight, ${d} s measured after ${workload.warmup_s} s of warm-up ` +
      `(before the watchers are created, the same writer runs alone for ${workload.baseline_s} s after 1 s of warm-up). ` +
      'Watchers count events from the raw protobuf (no decode); lag is measured on every event received in the window.',
    '',
    `| | ${runs.map((run) => `${run.target} ${run.server_version}`).join(' | ')} |`,
    `|---|${runs.map(() => '---:').join('|')}|`,
    row('puts/s (acknowledged)', runs, (r) => thousands(r.puts.per_sec)),
    row('put latency p50 / p99 ms', runs, (r) => `${fixed(r.puts.latency.p50_ms, 2)} / ${fixed(r.puts.latency.p99_ms, 2)}`),
    row('the same writer before the watchers existed: puts/s, p50 / p99 ms', runs, (r) => (r.puts_without_watchers === null ? '-'
      : `${thousands(r.puts_without_watchers.per_sec)}, ${fixed(r.puts_without_watchers.latency.p50_ms, 2)} / ${fixed(r.puts_without_watchers.latency.p99_ms, 2)}`)),
    row('**events/s delivered, all watchers**', runs, (r) => `**${thousands(r.events.per_sec)}**`),
    row('events/s per watcher (mean, min, max)', runs,
      (r) => `${fixed(r.events.per_watcher_per_sec.mean, 0)} (${fixed(r.events.per_watcher_per_sec.min, 0)}-${fixed(r.events.per_watcher_per_sec.max, 0)})`),
    row('delivered / (puts/s x watchers)', runs, (r) => fixed(r.events.delivered_ratio, 3)),
    row('responses/s, events per response', runs, (r) => `${thousands(r.events.responses_per_sec)}, ${fixed(r.events.events_per_response, 2)}`),
    row('lag put acked -> event p50 / p99 / max ms', runs, (r) => lagCell(r.lag.put_acknowledged_to_event)),
    row('the same by member serving the stream, p50 / p99 ms (* leader)', runs, (r) => Object.entries(r.lag.put_acknowledged_to_event_by_member)
      .map(([member, s]) => `${member}${member === r.leader ? '*' : ''} ${fixed(s.p50_ms, 1)} / ${fixed(s.p99_ms, 1)}`).join(', ')),
    row('events received before the put\'s ack', runs, (r) => `${fixed(r.lag.events_before_ack_fraction * 100, 1)}%`),
    row('lag put sent -> event p50 / p99 / max ms', runs, (r) => lagCell(r.lag.put_sent_to_event)),
    row('watchers that got every put', runs, (r) => `${r.completeness.watchers_with_every_event} / ${workload.watchers}`),
    row('last put acked -> last watcher has it', runs, (r) => (r.completeness.drained ? `${fixed(r.completeness.drain_ms, 0)} ms` : 'not within the timeout')),
    row('member CPU (avg, % of a core; * leader)', runs, (r) => membersLine(r.members)),
    row('events/s sent per member (server counter)', runs, (r) => serverEventsLine(r, d)),
    row('watchers catching up (slow_watcher_total) at the window\'s end', runs, (r) => Object.entries(r.server_counters.window_end)
      .sort(([a], [b]) => a.localeCompare(b)).map(([m, series]) => `${m} ${series[SLOW_WATCHERS] ?? 0}`).join(', ')),
    row('Watch streams per member', runs, (r) => Object.entries(r.streams_per_member).sort(([a], [b]) => a.localeCompare(b))
      .map(([m, n]) => `${m} ${n}`).join(', ')),
    row('watcher processes CPU (total; busiest)', runs,
      (r) => `${fixed(r.clients.watcher_cores * 100, 0)}%; ${fixed(r.clients.watcher_cores_max_per_process * 100, 0)}%`),
    row('writer process CPU', runs, (r) => `${fixed(r.clients.writer_cores * 100, 0)}%`),
    '',
    'CPU columns: averages over the measured window, 100% = one core. The machine has ' +
      `${machine.cpu_count} cores shared by the ${workload.members} members, the watcher processes and the writer.`,
    '',
  ].join('\n');
}
