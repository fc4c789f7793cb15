/**
 * npm run bench:keepalive -- [flags of keepalive-args.ts]
 *
 * Keep-alive cost: the standard put load (bench/load's runLoad) on a fresh cluster, twice:
 * `baseline`, then `keepalive`, where a separate process (keepalive-process.ts) renews N leases at
 * thousands per second meanwhile (--rounds repeats the pair, alternating). Both phases grant the
 * leases first, so the only difference is the keep-alive traffic. The cluster is cairn, or real
 * etcd 3.4 (--server etcd) as the yardstick; the put load goes over cairn's native protocol or
 * gRPC (etcd: gRPC only). The keep-alive process speaks gRPC over node:http2 directly, one DATA
 * frame per keep-alive as real clients send them, because grpc-js's client would spend ~30% of a
 * core at 5,000/s on a 2-core machine the members share. Members are sampled once a second
 * (bench/cluster/member-sampler.ts; cairn and etcd both serve /metrics). Writes
 * results/<date>-<name>.json and .md and prints one JSON line per phase on stdout.
 *
 * --sink adds a third phase per round, `sink`: the same keep-alives go to do-nothing servers
 * (keepalive-sink.ts, one process per member) while the put load runs on the cluster. What writes
 * lose there is the cost of the keep-alive traffic on this machine, whatever the server does; what
 * they lose beyond it in the keepalive phase is cairn's own work.
 */
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import type { BenchCluster } from '../cluster/bench-cluster.js';
import { summarizeMembers } from '../cluster/bench-result.js';
import { MemberSampler } from '../cluster/member-sampler.js';
import { forkChild, nextMessage, releaseChild } from '../common/child-ipc.js';
import {
  commandLine, sourceState, counterDeltas, leaderIndex, nowEpochMs, scrapeCounters, sleep, startCluster, stopCluster, stopClustersOnSignal, writeResultFiles,
} from '../common/cluster-session.js';
import { mergeHistograms, summarize } from '../load/latency.js';
import { UsageError } from '../load/load-options.js';
import { runLoad } from '../load/load-runner.js';
import { machineInfo } from '../micro/report.js';
import { parseKeepAliveArgs, type KeepAliveBenchPlan } from './keepalive-args.js';
import type { KeepAliveMessage, KeepAlivePlan, KeepAliveResult, ParentMessage } from './keepalive-process.js';
import type { SinkMessage, SinkParentMessage } from './keepalive-sink.js';
import { keepAliveMarkdown, workloadOf, type KeepAliveBenchResult, type KeepAliveFigures, type PhaseResult } from './keepalive-result.js';

const KEEPALIVE_PROCESS = fileURLToPath(new URL('./keepalive-process.js', import.meta.url));
const SINK_PROCESS = fileURLToPath(new URL('./keepalive-sink.js', import.meta.url));
/** A sink starts listening within this. */
const SINK_READY_TIMEOUT_MS = 10_000;
/** Granting the leases (one Raft entry each) may take this long. */
const READY_TIMEOUT_MS = 120_000;
/** Keep-alives run this long before the put load starts, so the load meets them in their steady state. */
const KEEPALIVE_LEAD_MS = 1000;
const COUNTERS = ['etcd_debugging_lease_renewed_total', 'etcd_server_proposals_committed_total', 'cairn_lease_total'];

function send(child: ChildProcess, message: ParentMessage | SinkParentMessage): void {
  if (child.connected) child.send(message);
}

/** Starts one sink per member; resolves with the sinks and their gRPC targets. */
async function startSinks(count: number, ttlSeconds: number, sinks: ChildProcess[]): Promise<string[]> {
  const targets: string[] = [];
  for (let i = 0; i < count; i++) {
    const sink = forkChild(SINK_PROCESS);
    sinks.push(sink);
    const listening = nextMessage<SinkMessage, 'listening'>(sink, 'listening', SINK_READY_TIMEOUT_MS);
    send(sink, { type: 'listen', ttlSeconds });
    targets.push((await listening).target);
  }
  return targets;
}

/** The sinks' CPU over the window, in cores. */
async function stopSinks(sinks: ChildProcess[]): Promise<number> {
  let cores = 0;
  for (const sink of sinks) {
    const result = nextMessage<SinkMessage, 'sink-result'>(sink, 'sink-result', 10_000);
    send(sink, { type: 'stop' });
    const { cpuSeconds, windowSeconds } = await result;
    cores += windowSeconds > 0 ? cpuSeconds / windowSeconds : 0;
  }
  return cores;
}

function keepAliveFigures(plan: KeepAliveBenchPlan, sending: boolean, result: KeepAliveResult, sinkCores: number): KeepAliveFigures {
  const seconds = result.windowSeconds > 0 ? result.windowSeconds : 1;
  const onFollowers = result.perStream.filter((stream) => !stream.leader);
  return {
    sink_cores: sinkCores,
    leases_granted: result.granted,
    grant_seconds: result.grantSeconds,
    streams: result.perStream.length,
    streams_on_followers: onFollowers.length,
    target_per_sec: sending ? plan.keepAliveRate : 0,
    answered_per_sec: (result.answered + result.answeredTtlZero) / seconds,
    answered_on_followers_per_sec: onFollowers.reduce((sum, stream) => sum + stream.answered, 0) / seconds,
    answered_ttl_zero: result.answeredTtlZero,
    sent: result.sent,
    stream_errors: result.streamErrors,
    first_error: result.firstError,
    latency: summarize(mergeHistograms([result.latency])),
    client_cores: result.windowSeconds > 0 ? result.cpuSeconds / result.windowSeconds : 0,
  };
}

/** Progress on stderr once a second: puts and keep-alives answered. */
function progressPrinter(label: string, child: ChildProcess): { puts: (ops: number) => void; stop: () => void } {
  let puts = 0;
  let keepAlives = 0;
  let last = { puts: 0, keepAlives: 0 };
  child.on('message', (message: KeepAliveMessage) => {
    if (message.type === 'progress') keepAlives = message.answered;
  });
  let second = 0;
  const timer = setInterval(() => {
    second++;
    process.stderr.write(`${label} ${second}s: ${puts - last.puts} puts/s, ${keepAlives - last.keepAlives} keep-alives/s\n`);
    last = { puts, keepAlives };
  }, 1000);
  return { puts: (ops) => { puts = ops; }, stop: () => clearInterval(timer) };
}

async function runPhase(plan: KeepAliveBenchPlan, label: PhaseResult['label'], round: number): Promise<PhaseResult> {
  process.stderr.write(`${label}: starting a ${plan.members}-member ${plan.server} cluster\n`);
  const cluster: BenchCluster = await startCluster(plan.server, plan.members, plan.dataRoot);
  const child = forkChild(KEEPALIVE_PROCESS);
  const sinks: ChildProcess[] = [];
  let stopProgress = (): void => {};
  try {
    const leader = await leaderIndex(cluster);
    const keepAlivePlan: KeepAlivePlan = {
      members: cluster.members.map((member, i) => ({ name: member.name, target: member.grpcTarget, leader: i === leader })),
      leases: plan.leases, ttlSeconds: plan.leaseTtlSeconds, streams: plan.keepAliveStreams,
      ratePerSecond: plan.keepAliveRate, windowPerStream: plan.keepAliveWindow,
    };
    if (label === 'sink') keepAlivePlan.streamTargets = await startSinks(cluster.members.length, plan.leaseTtlSeconds, sinks);
    const ready = nextMessage<KeepAliveMessage, 'ready'>(child, 'ready', READY_TIMEOUT_MS);
    send(child, { type: 'plan', plan: keepAlivePlan });
    const { grantSeconds } = await ready;
    process.stderr.write(`${label}: ${plan.leases} leases granted in ${grantSeconds.toFixed(1)} s\n`);
    const sending = label !== 'baseline';
    if (sending) {
      send(child, { type: 'go' });
      await sleep(KEEPALIVE_LEAD_MS);
    }
    const progress = progressPrinter(label, child);
    stopProgress = progress.stop;
    const sampler = new MemberSampler(cluster.members);
    const samplerStartMs = nowEpochMs();
    // The load's window starts warm-up seconds after its first request; its first progress report
    // comes about a second after that request, so the window is marked from there.
    let markMs = 0;
    let countersAtMark: Promise<Record<string, Record<string, number>>> = Promise.resolve({});
    let markScheduled = false;
    const endpoints = cluster.members.map((member) => (plan.load.protocol === 'native' ? member.nativeUrl! : member.grpcTarget));
    const load = await runLoad({ ...plan.load, endpoints }, (ops) => {
      progress.puts(ops);
      if (markScheduled) return;
      markScheduled = true;
      setTimeout(() => {
        markMs = nowEpochMs();
        send(child, { type: 'mark' });
        for (const sink of sinks) send(sink, { type: 'mark' });
        countersAtMark = scrapeCounters(cluster, COUNTERS);
      }, Math.max(0, plan.load.warmupSeconds * 1000 - 1000));
    });
    const stopMs = nowEpochMs();
    const result = nextMessage<KeepAliveMessage, 'result'>(child, 'result', 30_000);
    send(child, { type: 'stop' });
    const countersAtStop = await scrapeCounters(cluster, COUNTERS);
    const keepAlive = (await result).result;
    const sinkCores = await stopSinks(sinks);
    const samples = await sampler.stop();
    const fromSeconds = (markMs - samplerStartMs) / 1000;
    const toSeconds = (stopMs - samplerStartMs) / 1000;
    const puts: Partial<typeof load> = { ...load };
    delete puts.histogram;
    return {
      label, round, server_version: cluster.version, leader: cluster.members[leader]!.name, puts: puts as PhaseResult['puts'],
      keepalive: keepAliveFigures(plan, sending, keepAlive, sinkCores),
      members: summarizeMembers(samples.filter((sample) => sample.t <= toSeconds), fromSeconds),
      server_counters: counterDeltas(await countersAtMark, countersAtStop),
      samples,
    };
  } finally {
    stopProgress();
    releaseChild(child);
    for (const sink of sinks) releaseChild(sink);
    await stopCluster(cluster);
  }
}

async function main(): Promise<void> {
  const plan = parseKeepAliveArgs(process.argv.slice(2));
  const startedAt = new Date();
  const source = sourceState();
  const phases: PhaseResult[] = [];
  const loadAverages: number[] = [];
  for (let round = 1; round <= plan.rounds; round++) {
    for (const label of plan.sink ? ['baseline', 'keepalive', 'sink'] as const : ['baseline', 'keepalive'] as const) {
      loadAverages.push(loadavg()[0]!);
      phases.push(await runPhase(plan, label, round));
    }
  }
  const mean = (label: PhaseResult['label'], pick: (phase: PhaseResult) => number): number => {
    const picked = phases.filter((phase) => phase.label === label).map(pick);
    return picked.reduce((sum, value) => sum + value, 0) / picked.length;
  };
  const ratio = (pick: (phase: PhaseResult) => number, label: PhaseResult['label'] = 'keepalive'): number => mean(label, pick) / mean('baseline', pick);
  const date = startedAt.toISOString().slice(0, 10);
  const result: KeepAliveBenchResult = {
    name: plan.name, date, started_at: startedAt.toISOString(), finished_at: new Date().toISOString(), command: commandLine(), source,
    machine: machineInfo(), load_average_at_start: loadAverages, workload: workloadOf(plan), phases,
    ratios: {
      ops_per_sec: ratio((phase) => phase.puts.ops_per_sec),
      p50: ratio((phase) => phase.puts.latency.p50_ms),
      p99: ratio((phase) => phase.puts.latency.p99_ms),
      ...(plan.sink ? {
        sink_ops_per_sec: ratio((phase) => phase.puts.ops_per_sec, 'sink'),
        sink_p50: ratio((phase) => phase.puts.latency.p50_ms, 'sink'),
        sink_p99: ratio((phase) => phase.puts.latency.p99_ms, 'sink'),
      } : {}),
    },
  };
  const base = writeResultFiles(plan.resultsDir, date, plan.name, result, keepAliveMarkdown(result));
  for (const phase of phases) {
    process.stdout.write(`${JSON.stringify({
      phase: phase.label, round: phase.round, ops_per_sec: Math.round(phase.puts.ops_per_sec), p50_ms: phase.puts.latency.p50_ms, p99_ms: phase.puts.latency.p99_ms,
      keepalives_per_sec: Math.round(phase.keepalive.answered_per_sec), results: `${base}.json`,
    })}\n`);
  }
}

stopClustersOnSignal('bench:keepalive');
main().catch((error: unknown) => {
  process.stderr.write(`bench:keepalive: ${error instanceof UsageError ? error.message : error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  // Its clusters are stopped already; a sampler or child timer left behind must not keep it alive.
  process.exit(error instanceof UsageError ? 2 : 1);
});
