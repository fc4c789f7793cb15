/**
 * npm run bench:readstorm -- [flags of readstorm-args.ts]
 *
 * Read storms against the leader (issue #13): for each server (cairn, then etcd 3.4), a fresh
 * cluster on 127.0.0.1 is loaded with N keys (key-loader.ts); one full-keyspace Range then runs
 * alone on the leader while its RSS is read every 20 ms; then for D seconds a client process
 * (storm-process.ts) loops full-keyspace Ranges and HashKV calls on the leader while this process
 * probes the leader's /health and /version every 100 ms (endpoint-prober.ts), reads the leader's
 * RSS every 100 ms and samples every member once a second (bench/cluster/member-sampler.ts).
 * Leader changes are counted from /metrics and the Raft term read with Maintenance.Status before
 * and after. Writes results/<date>-<name>.json and .md and prints one JSON line per server.
 *
 * Clusters are ended by PID (also on Ctrl-C); every wait is bounded.
 */
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import type { BenchMember, ServerKind } from '../cluster/bench-cluster.js';
import { summarizeMembers } from '../cluster/bench-result.js';
import { MemberSampler } from '../cluster/member-sampler.js';
import { forkChild, nextMessage, releaseChild } from '../common/child-ipc.js';
import {
  commandLine, leaderIndex, sleep, sourceState, startCluster, stopCluster, stopClustersOnSignal, writeResultFiles,
} from '../common/cluster-session.js';
import { UsageError } from '../load/load-options.js';
import { machineInfo } from '../micro/report.js';
import { ANSWERED, EndpointProber, HEALTHY } from './endpoint-prober.js';
import { loadKeys } from './key-loader.js';
import { counterDelta, readMemberCounter, unexported } from './member-counter.js';
import { raftStatus } from './raft-status.js';
import { parseReadStormArgs, type ReadStormPlan } from './readstorm-args.js';
import { leaderChangesOf, noElection, readStormMarkdown, workloadOf, type ReadStormResult, type ServerRun } from './readstorm-result.js';
import { callLatency, summarizeProbes } from './readstorm-stats.js';
import { RssPeakSampler } from './rss-peak-sampler.js';
import { CALL_DEADLINE_MS, type ParentMessage, type StormMessage, type StormResult } from './storm-process.js';

const STORM_PROCESS = fileURLToPath(new URL('./storm-process.js', import.meta.url));
/** The storm process connects its channels within this. */
const READY_TIMEOUT_MS = 30_000;
/** Quiet time after the load and after the single range, so neither's aftermath (GC, compaction of the WAL) lands in the next measurement. */
const SETTLE_MS = 2000;
const SINGLE_RANGE_RSS_INTERVAL_MS = 20;
const STORM_RSS_INTERVAL_MS = 100;
const LEADER_CHANGES = 'etcd_server_leader_changes_seen_total';
const HEARTBEAT_SEND_FAILURES = 'etcd_server_heartbeat_send_failures_total';

function send(child: ChildProcess, message: ParentMessage): void {
  if (child.connected) child.send(message);
}

/** The member's /version, on the same port as its /health. */
function versionUrl(member: BenchMember): string {
  return member.healthUrl.replace(/\/health$/, '/version');
}

/** One progress line a second on stderr: calls answered so far and the worst /health latency. */
function progressPrinter(label: string, child: ChildProcess): () => void {
  let counts = { ranges: 0, hashKvs: 0 };
  let second = 0;
  const onMessage = (message: StormMessage): void => {
    if (message.type === 'progress') counts = { ranges: message.ranges, hashKvs: message.hashKvs };
  };
  child.on('message', onMessage);
  const timer = setInterval(() => {
    second++;
    process.stderr.write(`${label} ${second}s: ${counts.ranges} ranges, ${counts.hashKvs} HashKV answered\n`);
  }, 1000);
  return () => { clearInterval(timer); child.off('message', onMessage); };
}

/** One full range alone on the leader, its RSS read every 20 ms, and the term around it (does one range alone cause an election?). */
async function singleRange(child: ChildProcess, leader: BenchMember, members: readonly BenchMember[]): Promise<ServerRun['single_range']> {
  const termBefore = (await raftStatus(members)).term;
  const rss = new RssPeakSampler(leader.process.pid!, SINGLE_RANGE_RSS_INTERVAL_MS);
  const done = nextMessage<StormMessage, 'single-range-done'>(child, 'single-range-done', CALL_DEADLINE_MS + 10_000);
  send(child, { type: 'single-range' });
  const { call } = await done;
  const peak = rss.stop();
  return {
    latency_ms: call.latencyMs, kvs: call.kvs, bytes: call.bytes, error: call.error, leader_rss_before_bytes: rss.firstBytes, leader_rss_peak_bytes: peak,
    term_before: termBefore, term_after: (await raftStatus(members)).term,
  };
}

function stormFigures(storm: StormResult): Pick<ServerRun['storm'], 'ranges' | 'hashkv' | 'wall_s' | 'client_cores'> {
  return {
    ranges: {
      ...callLatency(storm.rangeLatenciesMs), errors: storm.rangeErrors, incomplete: storm.rangesIncomplete, first_error: storm.rangeFirstError,
      megabytes_per_sec: storm.wallSeconds > 0 ? storm.rangeBytes / 1e6 / storm.wallSeconds : 0,
    },
    hashkv: { ...callLatency(storm.hashKvLatenciesMs), errors: storm.hashKvErrors, first_error: storm.hashKvFirstError, distinct_hashes: storm.hashKvDistinctHashes },
    wall_s: storm.wallSeconds,
    client_cores: storm.wallSeconds > 0 ? storm.cpuSeconds / storm.wallSeconds : 0,
  };
}

/** The storm on `leader`, with everything measured around it. */
async function runStorm(plan: ReadStormPlan, kind: ServerKind, child: ChildProcess, leader: BenchMember, members: readonly BenchMember[]):
  Promise<Pick<ServerRun, 'storm' | 'probes' | 'samples'>> {
  const changesBefore = await readMemberCounter(members, LEADER_CHANGES);
  const lateBefore = await readMemberCounter(members, HEARTBEAT_SEND_FAILURES);
  const raftBefore = await raftStatus(members);
  const sampler = new MemberSampler(members);
  const rss = new RssPeakSampler(leader.process.pid!, STORM_RSS_INTERVAL_MS);
  const health = new EndpointProber(leader.healthUrl, plan.probeIntervalMs, plan.probeTimeoutMs, HEALTHY);
  const version = new EndpointProber(versionUrl(leader), plan.probeIntervalMs, plan.probeTimeoutMs, ANSWERED);
  const stopProgress = progressPrinter(kind, child);
  const durationMs = plan.durationSeconds * 1000;
  try {
    const result = nextMessage<StormMessage, 'result'>(child, 'result', durationMs + CALL_DEADLINE_MS + 30_000);
    send(child, { type: 'storm', durationMs });
    const storm = (await result).result;
    stopProgress();
    const [healthProbes, versionProbes] = await Promise.all([health.stop(), version.stop()]);
    const rssPeak = rss.stop();
    const samples = await sampler.stop();
    const changes = counterDelta(changesBefore, await readMemberCounter(members, LEADER_CHANGES));
    const late = counterDelta(lateBefore, await readMemberCounter(members, HEARTBEAT_SEND_FAILURES));
    return {
      storm: {
        duration_s: plan.durationSeconds,
        health: summarizeProbes(healthProbes.probes, plan.probeTimeoutMs),
        version: summarizeProbes(versionProbes.probes, plan.probeTimeoutMs),
        prober_loop_delay_max_ms: Math.max(healthProbes.loopDelayMaxMs, versionProbes.loopDelayMaxMs),
        leader_changes: changes,
        heartbeat_send_failures: unexported(lateBefore) ? null : late,
        raft_before: raftBefore, raft_after: await raftStatus(members),
        ...stormFigures(storm),
        leader_rss_before_bytes: rss.firstBytes, leader_rss_peak_bytes: rssPeak,
        members: summarizeMembers(samples, 0),
      },
      probes: { health: healthProbes.probes, version: versionProbes.probes },
      samples,
    };
  } finally {
    // On a failure the probers and samplers are left to the process's exit; only the progress timer would print on.
    stopProgress();
  }
}

async function runServer(plan: ReadStormPlan, kind: ServerKind): Promise<ServerRun> {
  const loadAverage = loadavg()[0]!;
  process.stderr.write(`${kind}: starting a ${plan.members}-member cluster\n`);
  const cluster = await startCluster(kind, plan.members, plan.dataRoot, plan.etcdBinary);
  const child = forkChild(STORM_PROCESS);
  try {
    const loadSeconds = await loadKeys(cluster.members[await leaderIndex(cluster)]!.grpcTarget, plan.keys, plan.valueSize, plan.loadInFlight);
    process.stderr.write(`${kind}: ${plan.keys} keys of ${plan.valueSize} B loaded in ${loadSeconds.toFixed(1)} s\n`);
    const leader = cluster.members[await leaderIndex(cluster)]!;
    const ready = nextMessage<StormMessage, 'ready'>(child, 'ready', READY_TIMEOUT_MS);
    send(child, { type: 'plan', plan: { target: leader.grpcTarget, rangeClients: plan.rangeClients, hashKvClients: plan.hashKvClients, keys: plan.keys } });
    await ready;
    await sleep(SETTLE_MS);
    const single = await singleRange(child, leader, cluster.members);
    process.stderr.write(`${kind}: one full range alone: ${(single.latency_ms / 1000).toFixed(2)} s, leader RSS ` +
      `${(single.leader_rss_before_bytes / 2 ** 20).toFixed(0)} -> ${(single.leader_rss_peak_bytes / 2 ** 20).toFixed(0)} MiB, term ${single.term_before} -> ${single.term_after}\n`);
    await sleep(SETTLE_MS);
    return {
      server: kind, server_version: cluster.version, load_average_at_start: loadAverage, leader: leader.name, load_seconds: loadSeconds, single_range: single,
      ...await runStorm(plan, kind, child, leader, cluster.members),
    };
  } finally {
    releaseChild(child);
    await stopCluster(cluster);
  }
}

async function main(): Promise<void> {
  const plan = parseReadStormArgs(process.argv.slice(2));
  const startedAt = new Date();
  const source = sourceState();
  const runs: ServerRun[] = [];
  for (const kind of plan.servers) runs.push(await runServer(plan, kind));
  const date = startedAt.toISOString().slice(0, 10);
  const result: ReadStormResult = {
    name: plan.name, date, started_at: startedAt.toISOString(), finished_at: new Date().toISOString(), command: commandLine(), source,
    machine: machineInfo(), workload: workloadOf(plan), runs,
  };
  const base = writeResultFiles(plan.resultsDir, date, plan.name, result, readStormMarkdown(result));
  for (const run of runs) {
    const { storm } = run;
    process.stdout.write(`${JSON.stringify({
      server: run.server, health_p50_ms: round(storm.health.p50_ms), health_p99_ms: round(storm.health.p99_ms), health_max_ms: round(storm.health.max_ms),
      health_failures: storm.health.failures, version_max_ms: round(storm.version.max_ms), leader_changes: leaderChangesOf(run), no_election: noElection(run),
      term: `${storm.raft_before.term} -> ${storm.raft_after.term}`, ranges: storm.ranges.count, range_p50_s: round(storm.ranges.p50_ms / 1000),
      range_p99_s: round(storm.ranges.p99_ms / 1000), hashkv: storm.hashkv.count, hashkv_p50_ms: round(storm.hashkv.p50_ms), hashkv_p99_ms: round(storm.hashkv.p99_ms),
      leader_rss_peak_mib: Math.round(storm.leader_rss_peak_bytes / 2 ** 20),
      single_range_rss_mib: `${Math.round(run.single_range.leader_rss_before_bytes / 2 ** 20)} -> ${Math.round(run.single_range.leader_rss_peak_bytes / 2 ** 20)}`,
      results: `${base}.json`,
    })}\n`);
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

stopClustersOnSignal('bench:readstorm');
main().catch((error: unknown) => {
  process.stderr.write(`bench:readstorm: ${error instanceof UsageError ? error.message : error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  // Its clusters are stopped already; a sampler or prober timer left behind must not keep it alive.
  process.exit(error instanceof UsageError ? 2 : 1);
});
