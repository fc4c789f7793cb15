/**
 * npm run bench:watch -- [flags of watch-args.ts]
 *
 * Watch fan-out: for each target (cairn, then etcd), a fresh cluster; the writer runs alone for a
 * few seconds (puts/s without watchers); then the watcher processes
 * (watcher-process.ts) open the Watch streams and create every watcher on one key; then the
 * writer (put-writer.ts, in this process) puts to that key on the leader for warm-up + duration
 * while every member is sampled once a second (bench/cluster/member-sampler.ts). After the last
 * put the watchers are given DRAIN_TIMEOUT_MS to receive it. Writes results/<date>-<name>.json and
 * .md and prints a one-line summary per target on stdout.
 */
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import type { BenchCluster, ServerKind } from '../cluster/bench-cluster.js';
import { summarizeMembers } from '../cluster/bench-result.js';
import { MemberSampler } from '../cluster/member-sampler.js';
import { forkChild, nextMessage, releaseChild } from '../common/child-ipc.js';
import {
  commandLine, sourceState, leaderIndex, nowEpochMs, scrapeCounters, startCluster, stopCluster, stopClustersOnSignal, writeResultFiles,
} from '../common/cluster-session.js';
import { mergeHistograms, summarize, type LatencySummary } from '../load/latency.js';
import { shareOf, UsageError } from '../load/load-options.js';
import { machineInfo } from '../micro/report.js';
import { PutWriter, type WriterResult } from './put-writer.js';
import { parseWatchArgs, type WatchPlan } from './watch-args.js';
import { watchMarkdown, workloadOf, type WatchBenchResult, type WatchRunResult } from './watch-result.js';
import { DRAIN_TIMEOUT_MS, type ParentMessage, type WatcherMessage, type WatcherPlan, type WatcherResult } from './watcher-process.js';

const WATCHER_PROCESS = fileURLToPath(new URL('./watcher-process.js', import.meta.url));
/** Head start between "every watcher is created" and the first put. */
const START_DELAY_MS = 300;
/** The writer's acknowledgements are relayed to the watcher processes this often. */
const ACK_RELAY_MS = 20;
const READY_TIMEOUT_MS = 60_000;
/** Warm-up of the writer-alone baseline. */
const BASELINE_WARMUP_MS = 1000;
const COUNTERS = [
  'etcd_debugging_mvcc_events_total', 'etcd_debugging_mvcc_watcher_total', 'etcd_debugging_mvcc_slow_watcher_total', 'cairn_watch_slow_moved_total',
];

/** The member indexes that serve Watch streams, in the order streams are dealt to them. */
function watchMemberIndexes(plan: WatchPlan, members: number, leader: number): number[] {
  const all = Array.from({ length: members }, (_, i) => i);
  if (plan.watchOn === 'leader') return [leader];
  if (plan.watchOn === 'followers') return all.filter((i) => i !== leader);
  return all;
}

/** Stream i goes to member indexes[i % n] and process i % processes. */
function watcherPlans(plan: WatchPlan, cluster: BenchCluster, indexes: number[]): WatcherPlan[] {
  const plans: WatcherPlan[] = Array.from({ length: plan.processes }, (_, processIndex) => ({ processIndex, streams: [], key: plan.key }));
  for (let i = 0; i < plan.streams; i++) {
    const member = cluster.members[indexes[i % indexes.length]!]!;
    plans[i % plan.processes]!.streams.push({ target: member.grpcTarget, watchers: shareOf(plan.watchers, plan.streams, i) });
  }
  return plans;
}

function send(child: ChildProcess, message: ParentMessage): void {
  if (child.connected) child.send(message);
}

/** Batches the writer's acknowledgements and sends them to every watcher process every ACK_RELAY_MS. */
class AckRelay {
  private batch: Extract<ParentMessage, { type: 'acks' }> = { type: 'acks', revisions: [], sentMs: [], ackedMs: [] };
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly children: readonly ChildProcess[]) {
    this.timer = setInterval(() => this.flush(), ACK_RELAY_MS);
  }

  add(revision: number, sentMs: number, ackedMs: number): void {
    this.batch.revisions.push(revision);
    this.batch.sentMs.push(sentMs);
    this.batch.ackedMs.push(ackedMs);
  }

  flush(): void {
    if (this.batch.revisions.length === 0) return;
    for (const child of this.children) send(child, this.batch);
    this.batch = { type: 'acks', revisions: [], sentMs: [], ackedMs: [] };
  }

  stop(): void {
    clearInterval(this.timer);
    this.flush();
  }
}

function minMax(values: readonly number[]): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) { min = Math.min(min, value); max = Math.max(max, value); }
  return { min, max };
}

/** Put acknowledged -> event received, per member serving the streams (`memberOf` maps a gRPC target to its name). */
function lagByMember(watchers: readonly WatcherResult[], memberOf: (target: string) => string): Record<string, LatencySummary> {
  const byMember = new Map<string, string[]>();
  for (const [target, lag] of watchers.flatMap((w) => Object.entries(w.lag))) {
    const name = memberOf(target);
    byMember.set(name, [...(byMember.get(name) ?? []), lag.fromAck]);
  }
  return Object.fromEntries([...byMember].sort(([a], [b]) => a.localeCompare(b)).map(([name, lags]) => [name, summarize(mergeHistograms(lags))]));
}

function mergeRun(plan: WatchPlan, writer: WriterResult, watchers: WatcherResult[], writerCores: number, memberOf: (target: string) => string): Omit<WatchRunResult,
  'target' | 'server_version' | 'load_average_at_start' | 'puts_without_watchers' | 'leader' | 'writer_member' | 'streams_per_member' | 'members' | 'server_counters' | 'samples'> {
  const seconds = plan.durationSeconds;
  const windowEvents = watchers.reduce((sum, w) => sum + w.windowEvents, 0);
  const windowResponses = watchers.reduce((sum, w) => sum + w.windowResponses, 0);
  const perWatcherWindow = minMax(watchers.flatMap((w) => w.perWatcherWindowEvents));
  const perWatcherTotal = watchers.flatMap((w) => w.perWatcherTotalEvents);
  const totals = minMax(perWatcherTotal);
  const perSecond: number[] = [];
  for (const w of watchers) w.perSecondEvents.forEach((count, second) => { perSecond[second] = (perSecond[second] ?? 0) + count; });
  const putsPerSec = writer.putsInWindow / seconds;
  const lastAdvanceMs = Math.max(...watchers.map((w) => w.lastAdvanceMs));
  const drained = watchers.every((w) => w.drained);
  const cores = watchers.map((w) => (w.cpuWallSeconds > 0 ? w.cpuSeconds / w.cpuWallSeconds : 0));
  return {
    puts: { total: writer.putsTotal, in_window: writer.putsInWindow, per_sec: putsPerSec, errors: writer.errors, first_error: writer.firstError, latency: writer.latency },
    events: {
      in_window: windowEvents,
      per_sec: windowEvents / seconds,
      per_watcher_per_sec: { mean: windowEvents / plan.watchers / seconds, min: perWatcherWindow.min / seconds, max: perWatcherWindow.max / seconds },
      expected_per_sec: putsPerSec * plan.watchers,
      delivered_ratio: putsPerSec > 0 ? windowEvents / seconds / (putsPerSec * plan.watchers) : 0,
      responses_per_sec: windowResponses / seconds,
      events_per_response: windowResponses > 0 ? windowEvents / windowResponses : 0,
      per_second: perSecond,
    },
    lag: {
      put_acknowledged_to_event: summarize(mergeHistograms(watchers.flatMap((w) => Object.values(w.lag).map((lag) => lag.fromAck)))),
      events_before_ack_fraction: windowEvents > 0 ? watchers.reduce((sum, w) => sum + w.eventsBeforeAck, 0) / windowEvents : 0,
      put_sent_to_event: summarize(mergeHistograms(watchers.flatMap((w) => Object.values(w.lag).map((lag) => lag.fromSend)))),
      put_acknowledged_to_event_by_member: lagByMember(watchers, memberOf),
      events_unmatched: watchers.reduce((sum, w) => sum + w.eventsUnmatched, 0),
    },
    completeness: {
      puts_acknowledged: writer.putsTotal,
      watchers_with_every_event: perWatcherTotal.filter((count) => count === writer.putsTotal).length,
      per_watcher_events_min: totals.min,
      per_watcher_events_max: totals.max,
      drained,
      drain_ms: drained ? lastAdvanceMs - writer.lastAckedMs : NaN,
    },
    clients: {
      watcher_processes: watchers.length,
      watcher_cores: cores.reduce((sum, c) => sum + c, 0),
      watcher_cores_max_per_process: Math.max(...cores),
      writer_cores: writerCores,
    },
  };
}

/** Prints one progress line a second on stderr: the writer's puts and the watchers' events. */
function progressPrinter(label: string, children: readonly ChildProcess[], puts: () => number): () => void {
  const events = new Array<number>(children.length).fill(0);
  children.forEach((child, i) => child.on('message', (message: WatcherMessage) => {
    if (message.type === 'progress') events[i] = message.events;
  }));
  let last = { puts: 0, events: 0 };
  let second = 0;
  const timer = setInterval(() => {
    const now = { puts: puts(), events: events.reduce((sum, e) => sum + e, 0) };
    second++;
    process.stderr.write(`${label} ${second}s: ${now.puts - last.puts} puts/s, ${now.events - last.events} events/s\n`);
    last = now;
  }, 1000);
  return () => clearInterval(timer);
}

/** Forks the watcher processes and resolves once each has created all its watchers. */
async function openWatchers(plans: readonly WatcherPlan[]): Promise<ChildProcess[]> {
  const children = plans.map(() => forkChild(WATCHER_PROCESS));
  try {
    await Promise.all(children.map((child, i) => {
      const ready = nextMessage<WatcherMessage, 'ready'>(child, 'ready', READY_TIMEOUT_MS);
      send(child, { type: 'plan', plan: plans[i]! });
      return ready;
    }));
    return children;
  } catch (error) {
    for (const child of children) releaseChild(child);
    throw error;
  }
}

function streamsPerMember(plans: readonly WatcherPlan[], cluster: BenchCluster): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const stream of plans.flatMap((watcherPlan) => watcherPlan.streams)) {
    const name = cluster.members.find((member) => member.grpcTarget === stream.target)!.name;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

/** Every member's watch counters, read at epoch `atMs`. */
function scrapeAt(cluster: BenchCluster, atMs: number): Promise<Record<string, Record<string, number>>> {
  return new Promise((done) => setTimeout(() => done(scrapeCounters(cluster, COUNTERS)), Math.max(0, atMs - nowEpochMs())));
}

/** The writer alone on the fresh cluster: puts/s and latency without any watcher. */
async function putsWithoutWatchers(plan: WatchPlan, target: string): Promise<WatchRunResult['puts_without_watchers']> {
  if (plan.baselineSeconds === 0) return null;
  const writer = new PutWriter(target, plan.key, plan.valueSize, plan.inFlight, () => {});
  try {
    await writer.connect();
    const startAtMs = nowEpochMs();
    const written = await writer.run(startAtMs, startAtMs + BASELINE_WARMUP_MS, startAtMs + BASELINE_WARMUP_MS + plan.baselineSeconds * 1000);
    return { per_sec: written.putsInWindow / plan.baselineSeconds, latency: written.latency };
  } finally {
    writer.close();
  }
}

async function runTarget(plan: WatchPlan, kind: ServerKind): Promise<WatchRunResult> {
  const loadAverage = loadavg()[0]!;
  process.stderr.write(`${kind}: starting a ${plan.members}-member cluster\n`);
  const cluster = await startCluster(kind, plan.members, plan.dataRoot, plan.etcdBinary);
  let children: ChildProcess[] = [];
  let writer: PutWriter | null = null;
  let stopProgress = (): void => {};
  try {
    const leader = await leaderIndex(cluster);
    const withoutWatchers = await putsWithoutWatchers(plan, cluster.members[leader]!.grpcTarget);
    const plans = watcherPlans(plan, cluster, watchMemberIndexes(plan, cluster.members.length, leader));
    children = await openWatchers(plans);
    process.stderr.write(`${kind}: ${plan.watchers} watchers created on ${plan.streams} streams\n`);
    const relay = new AckRelay(children);
    let acked = 0;
    writer = new PutWriter(cluster.members[leader]!.grpcTarget, plan.key, plan.valueSize, plan.inFlight, (revision, sentMs, ackedMs) => {
      acked++;
      relay.add(revision, sentMs, ackedMs);
    });
    await writer.connect();
    const startAtMs = nowEpochMs() + START_DELAY_MS;
    const measureStartMs = startAtMs + plan.warmupSeconds * 1000;
    const measureEndMs = measureStartMs + plan.durationSeconds * 1000;
    for (const child of children) send(child, { type: 'window', measureStartMs, measureEndMs });
    // Results arrive after the drain; listening starts now so no message is missed.
    const results = Promise.all(children.map((child) =>
      nextMessage<WatcherMessage, 'result'>(child, 'result', measureEndMs - nowEpochMs() + DRAIN_TIMEOUT_MS + 30_000)));
    results.catch(() => {});
    const counters = { start: scrapeAt(cluster, measureStartMs), end: scrapeAt(cluster, measureEndMs) };
    stopProgress = progressPrinter(kind, children, () => acked);
    const sampler = new MemberSampler(cluster.members);
    const samplerStartMs = nowEpochMs();
    const written = await writer.run(startAtMs, measureStartMs, measureEndMs);
    relay.stop();
    for (const child of children) send(child, { type: 'final', lastRevision: written.lastRevision });
    const watcherResults = (await results).map((message) => message.result);
    const samples = await sampler.stop();
    // Member figures come from the window's samples only: the drain after it is not the steady state.
    const toSeconds = (measureEndMs - samplerStartMs) / 1000 + 0.5;
    const members = summarizeMembers(samples.filter((sample) => sample.t <= toSeconds), (measureStartMs - samplerStartMs) / 1000);
    return {
      target: kind, server_version: cluster.version, load_average_at_start: loadAverage, leader: cluster.members[leader]!.name,
      puts_without_watchers: withoutWatchers, writer_member: cluster.members[leader]!.name, streams_per_member: streamsPerMember(plans, cluster),
      ...mergeRun(plan, written, watcherResults, written.cpuSeconds / plan.durationSeconds,
        (target) => cluster.members.find((member) => member.grpcTarget === target)!.name),
      members, server_counters: { window_start: await counters.start, window_end: await counters.end }, samples,
    };
  } finally {
    stopProgress();
    writer?.close();
    for (const child of children) releaseChild(child);
    await stopCluster(cluster);
  }
}

async function main(): Promise<void> {
  const plan = parseWatchArgs(process.argv.slice(2));
  const startedAt = new Date();
  const source = sourceState();
  const runs: WatchRunResult[] = [];
  for (const kind of plan.targets) runs.push(await runTarget(plan, kind));
  const date = startedAt.toISOString().slice(0, 10);
  const result: WatchBenchResult = {
    name: plan.name, date, started_at: startedAt.toISOString(), finished_at: new Date().toISOString(), command: commandLine(), source,
    machine: machineInfo(), workload: workloadOf(plan), runs,
  };
  const base = writeResultFiles(plan.resultsDir, date, plan.name, result, watchMarkdown(result));
  for (const run of runs) {
    process.stdout.write(`${JSON.stringify({
      target: run.target, puts_per_sec: Math.round(run.puts.per_sec), events_per_sec: Math.round(run.events.per_sec),
      delivered_ratio: Number(run.events.delivered_ratio.toFixed(3)), lag_p50_ms: run.lag.put_acknowledged_to_event.p50_ms,
      lag_p99_ms: run.lag.put_acknowledged_to_event.p99_ms, results: `${base}.json`,
    })}\n`);
  }
}

stopClustersOnSignal('bench:watch');
main().catch((error: unknown) => {
  process.stderr.write(`bench:watch: ${error instanceof UsageError ? error.message : error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  // Its clusters are stopped already; a sampler or child timer left behind must not keep it alive.
  process.exit(error instanceof UsageError ? 2 : 1);
});
