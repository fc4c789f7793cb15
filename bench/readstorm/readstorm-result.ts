/**
 * The read-storm benchmark's results file (results/<date>-<name>.json) and its markdown summary:
 * per server (cairn, etcd), the leader's /health latency while full-keyspace Ranges and HashKV
 * calls hammer it, whether an election happened, what the reads achieved, memory and CPU, and the
 * leader's RSS during one full Range alone.
 */
import type { ServerKind } from '../cluster/bench-cluster.js';
import type { MemberSummary } from '../cluster/bench-result.js';
import type { MemberSample } from '../cluster/member-sampler.js';
import { codeSentence, type BenchRunHeader } from '../common/cluster-session.js';
import type { MemberCounter } from './member-counter.js';
import type { RaftStatus } from './raft-status.js';
import type { ReadStormPlan } from './readstorm-args.js';
import type { CallLatency, Probe, ProbeSummary } from './readstorm-stats.js';

export interface ServerRun {
  server: ServerKind;
  server_version: string;
  /** The 1-minute load average when this server's run began: anything above 0 is other work sharing the machine. */
  load_average_at_start: number;
  /** The member that led when the storm began. */
  leader: string;
  load_seconds: number;
  /** One full-keyspace Range alone on the leader, after the load and before the storm. */
  single_range: {
    latency_ms: number;
    kvs: number;
    bytes: number;
    error: string | null;
    leader_rss_before_bytes: number;
    /** Highest leader RSS read every SINGLE_RANGE_RSS_INTERVAL_MS while the range ran. */
    leader_rss_peak_bytes: number;
    /** The highest Raft term of the members just before and just after it (null when none answered). */
    term_before: number | null;
    term_after: number | null;
  };
  storm: {
    /** Seconds the clients started calls; wall_s runs until the last call in flight at the end was answered. */
    duration_s: number;
    wall_s: number;
    /** GET /health on the leader. */
    health: ProbeSummary;
    /**
     * GET /version on the leader: answered by cairn's main thread (the Raft thread) with no read
     * behind it, so its longest latency bounds the longest stall of the thread that sends heartbeats.
     */
    version: ProbeSummary;
    /** The longest the probing process's own event loop was late: probes cannot be more punctual than this. */
    prober_loop_delay_max_ms: number;
    /** Deltas of etcd_server_leader_changes_seen_total per member over the storm (null: the member's /metrics did not answer). */
    leader_changes: MemberCounter;
    /** Deltas of etcd_server_heartbeat_send_failures_total per member (etcd: heartbeats the leader sent late); null when the server has no such metric. */
    heartbeat_send_failures: MemberCounter | null;
    raft_before: RaftStatus;
    raft_after: RaftStatus;
    ranges: CallLatency & { errors: number; incomplete: number; first_error: string | null; megabytes_per_sec: number };
    hashkv: CallLatency & { errors: number; first_error: string | null; distinct_hashes: number };
    leader_rss_before_bytes: number;
    /** Highest leader RSS read every STORM_RSS_INTERVAL_MS during the storm. */
    leader_rss_peak_bytes: number;
    /** Per member over the storm, from the once-a-second sampler. */
    members: Record<string, MemberSummary>;
    /** The storm's client process, in cores. */
    client_cores: number;
  };
  /** Every probe of the storm, per endpoint. */
  probes: { health: Probe[]; version: Probe[] };
  samples: MemberSample[];
}

export interface ReadStormResult extends BenchRunHeader {
  workload: {
    members: number; keys: number; value_size: number; duration_s: number; range_clients: number; hashkv_clients: number;
    probe_interval_ms: number; probe_timeout_ms: number;
  };
  runs: ServerRun[];
}

export function workloadOf(plan: ReadStormPlan): ReadStormResult['workload'] {
  return {
    members: plan.members, keys: plan.keys, value_size: plan.valueSize, duration_s: plan.durationSeconds, range_clients: plan.rangeClients,
    hashkv_clients: plan.hashKvClients, probe_interval_ms: plan.probeIntervalMs, probe_timeout_ms: plan.probeTimeoutMs,
  };
}

/** The largest leader-change count any member saw over the storm (every member counts each change it sees); members not read are left out. */
export function leaderChangesOf(run: ServerRun): number {
  return Math.max(0, ...Object.values(run.storm.leader_changes).filter((changes): changes is number => changes !== null));
}

/** True when the storm caused no election: every member was read and saw no leader change, and the term did not move. */
export function noElection(run: ServerRun): boolean {
  const everyMemberRead = Object.values(run.storm.leader_changes).every((changes) => changes !== null);
  return everyMemberRead && leaderChangesOf(run) === 0 && run.storm.raft_before.term !== null && run.storm.raft_before.term === run.storm.raft_after.term;
}

/** The leader most members name (null when none names one). */
export function agreedLeader(status: RaftStatus): string | null {
  const votes = new Map<string, number>();
  for (const { leader } of Object.values(status.members)) if (leader !== null) votes.set(leader, (votes.get(leader) ?? 0) + 1);
  return [...votes].sort(([, a], [, b]) => b - a)[0]?.[0] ?? null;
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

function mib(bytes: number): string {
  return fixed(bytes / 2 ** 20, 0);
}

function latencyCell(latency: CallLatency, scale: 'ms' | 's'): string {
  const f = scale === 's' ? (ms: number): string => fixed(ms / 1000, 2) : (ms: number): string => fixed(ms, 1);
  return `${f(latency.p50_ms)} / ${f(latency.p99_ms)} / ${f(latency.max_ms)}`;
}

function membersCell(members: Record<string, MemberSummary>, pick: (m: MemberSummary) => string): string {
  return Object.entries(members).map(([name, m]) => `${name}${m.leader ? '*' : ''} ${pick(m)}`).join(', ');
}

function row(label: string, runs: readonly ServerRun[], cell: (run: ServerRun) => string): string {
  return `| ${label} | ${runs.map(cell).join(' | ')} |`;
}

export function readStormMarkdown(result: ReadStormResult): string {
  const { workload: w, runs, machine } = result;
  const kinds = new Set(runs.map((run) => run.server));
  return [
    `# ${result.name} (${result.date})`,
    '',
    `Machine: ${machine.cpu_count} x ${machine.cpu_model}, ${fixed(Number(machine.memory_bytes) / 2 ** 30, 0)} GiB, Linux ${machine.kernel}, ` +
      `Node ${machine.node}; cluster and clients on the same machine (127.0.0.1); 1-minute load average ` +
      `${runs.map((run) => `${run.server} ${fixed(run.load_average_at_start, 2)}`).join(', ')} when each run began (anything above 0 is other work sharing the machine).`,
    '',
    `Command: \`${result.command}\``,
    '',
    codeSentence(result.source) +
      (kinds.has('etcd') ? ' etcd is its own binary: only the clients are this repository\'s code.' : ''),
    '',
    `Workload: per server a fresh ${w.members}-member cluster; ${w.keys.toLocaleString('en-US')} keys of ${w.value_size} B loaded over gRPC (Txns of 128 puts); ` +
      `one full-keyspace Range alone on the leader (its RSS read every 20 ms); then for ${w.duration_s} s a storm on the leader: ` +
      `${w.range_clients} clients each looping a full-keyspace linearizable Range and ${w.hashkv_clients} clients each looping HashKV, ` +
      'one gRPC connection each, from a separate client process (answers counted from the raw bytes, never decoded). Meanwhile the benchmark\'s own process ' +
      `GETs the leader's /health, and its /version, every ${w.probe_interval_ms} ms each on a fixed schedule (a slow answer does not delay the next probe); a probe unanswered after ` +
      `${w.probe_timeout_ms} ms counts as ${w.probe_timeout_ms} ms and as a failure. Calls in flight when the storm ends are waited for and counted.`,
    '',
    `| | ${runs.map((run) => `${run.server} ${run.server_version}`).join(' | ')} |`,
    `|---|${runs.map(() => '---:').join('|')}|`,
    row('**leader /health p50 / p99 / max ms**', runs, (r) => `**${latencyCell(r.storm.health, 'ms')}**`),
    row('/health failures (timeouts) / probes', runs, (r) => `${r.storm.health.failures} (${r.storm.health.timeouts}) / ${r.storm.health.count}`),
    row('leader /version p50 / p99 / max ms', runs, (r) => latencyCell(r.storm.version, 'ms')),
    row('/version failures (timeouts) / probes', runs, (r) => `${r.storm.version.failures} (${r.storm.version.timeouts}) / ${r.storm.version.count}`),
    row('prober\'s own event-loop delay max ms', runs, (r) => fixed(r.storm.prober_loop_delay_max_ms, 1)),
    row('**leader changes during the storm**', runs,
      (r) => `**${leaderChangesOf(r)}**${noElection(r) ? ' (no election)' : ''}${Object.values(r.storm.leader_changes).includes(null) ? ' (a member\'s /metrics did not answer)' : ''}`),
    row('raft term before -> after', runs, (r) => `${r.storm.raft_before.term ?? '?'} -> ${r.storm.raft_after.term ?? '?'}`),
    row('leader before -> after', runs, (r) => `${r.leader} -> ${agreedLeader(r.storm.raft_after) ?? '?'}`),
    row('heartbeats sent late (heartbeat_send_failures_total)', runs,
      (r) => (r.storm.heartbeat_send_failures === null ? 'no such metric'
        : Object.entries(r.storm.heartbeat_send_failures).sort(([a], [b]) => a.localeCompare(b)).map(([m, n]) => `${m} ${n ?? '?'}`).join(', '))),
    row('full ranges completed', runs, (r) => `${r.storm.ranges.count} (${fixed(r.storm.ranges.megabytes_per_sec, 0)} MB/s)`),
    row('range p50 / p99 / max s', runs, (r) => latencyCell(r.storm.ranges, 's')),
    row('range errors, incomplete answers', runs, (r) => `${r.storm.ranges.errors}, ${r.storm.ranges.incomplete}`),
    row('HashKV completed', runs, (r) => `${r.storm.hashkv.count} (${r.storm.hashkv.distinct_hashes} distinct hash${r.storm.hashkv.distinct_hashes === 1 ? '' : 'es'})`),
    row('HashKV p50 / p99 / max ms', runs, (r) => latencyCell(r.storm.hashkv, 'ms')),
    row('HashKV errors', runs, (r) => String(r.storm.hashkv.errors)),
    row('storm wall s (last answer)', runs, (r) => fixed(r.storm.wall_s, 1)),
    row('**leader RSS before -> peak MiB (storm)**', runs, (r) => `**${mib(r.storm.leader_rss_before_bytes)} -> ${mib(r.storm.leader_rss_peak_bytes)}**`),
    row('member CPU avg (% of a core; * leader)', runs, (r) => membersCell(r.storm.members, (m) => `${fixed(m.cpu_percent_avg, 0)}%`)),
    row('member RSS peak MiB (1 s samples)', runs, (r) => membersCell(r.storm.members, (m) => mib(m.rss_bytes_max))),
    row('storm client CPU', runs, (r) => `${fixed(r.storm.client_cores * 100, 0)}%`),
    row('**one full range alone: leader RSS before -> peak MiB**', runs,
      (r) => `**${mib(r.single_range.leader_rss_before_bytes)} -> ${mib(r.single_range.leader_rss_peak_bytes)}**`),
    row('one full range alone: raft term before -> after', runs, (r) => `${r.single_range.term_before ?? '?'} -> ${r.single_range.term_after ?? '?'}`),
    row('one full range alone: s, MB answered', runs,
      (r) => `${fixed(r.single_range.latency_ms / 1000, 2)}, ${fixed(r.single_range.bytes / 1e6, 1)}${r.single_range.error === null ? '' : ` (${r.single_range.error})`}`),
    row('key load s', runs, (r) => fixed(r.load_seconds, 1)),
    '',
    'Heartbeat gaps: cairn exports no metric of the gaps its followers see between heartbeats, so they are measured from outside. ' +
      'cairn answers HTTP on its main thread, the thread that runs Raft and sends heartbeats: a stall of that thread of F ms delays ' +
      'a probe sent during it by at least F minus one probe interval, so the longest heartbeat gap is at most the longest probe latency ' +
      'plus one probe interval plus one heartbeat interval (100 ms). /version is the tighter bound (nothing but that thread answers it); ' +
      '/health also waits for a linearizable read (a ReadIndex round, then the apply worker, which may be busy with the storm\'s reads) ' +
      'and answers unhealthy after 1 s. etcd counts heartbeats its leader sent more than twice the heartbeat interval late ' +
      '(etcd_server_heartbeat_send_failures_total); its /health is a quorum read with a 1 s timeout, and its HTTP handlers run on ' +
      'goroutines, so its /version says little about heartbeats.',
    '',
    'Leader changes: the largest delta of etcd_server_leader_changes_seen_total over the members (each member counts every change it sees); ' +
      'the term is the highest Maintenance.Status raftTerm over the members. CPU: 100% = one core; the cores are shared by the members, ' +
      'the storm client and the prober. The per-probe timeline is in the JSON (runs[].probes).',
    '',
  ].join('\n');
}
