/**
 * npm run bench:cluster -- [flags of bench-args.ts]
 *
 * For each configuration (cairn-native by default; --target etcd; --compare for all three): start a
 * fresh cluster on 127.0.0.1, run every concurrency step of the sweep against it with the load
 * generator's client processes while sampling every member once a second, then end the cluster by
 * PID and remove its data. Writes results/<date>-<name>.json, .md and two SVG charts, shows a
 * progress bar on stderr, and prints one JSON line (the headline) on stdout last.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { UsageError, type Protocol } from '../load/load-options.js';
import { runLoad } from '../load/load-runner.js';
import { labelOf, parseBenchArgs, PROCESSES_DEFAULT, stepShape, type BenchPlan, type Configuration } from './bench-args.js';
import { bytesOnDisk, type BenchCluster } from './bench-cluster.js';
import {
  headlineOf, machineInfo, ratiosAgainst, summarizeMembers, workloadOf, type BenchResult, type RunResult, type StepResult,
} from './bench-result.js';
import { startCairnCluster } from './cairn-launcher.js';
import { latencySpec, renderSvg, throughputSpec } from './charts.js';
import { startEtcdCluster } from './etcd-launcher.js';
import { MemberSampler } from './member-sampler.js';
import { summaryMarkdown } from './summary-markdown.js';

/** Clusters currently running, so Ctrl-C can end them. */
const live = new Set<BenchCluster>();

/** Starts the configuration's cluster, listed in `live` from its first process on. */
function startCluster(plan: BenchPlan, configuration: Configuration): Promise<BenchCluster> {
  const track = (cluster: BenchCluster): void => { live.add(cluster); };
  return configuration.target === 'etcd'
    ? startEtcdCluster(plan.members, plan.dataRoot, track, plan.etcdBinary)
    : startCairnCluster(plan.members, plan.dataRoot, track);
}

function endpointsOf(cluster: BenchCluster, protocol: Protocol): string[] {
  return cluster.members.map((member) => (protocol === 'native' ? member.nativeUrl! : member.grpcTarget));
}

/** The progress bar: planned seconds of load, advanced by a clock, labelled with the running step. */
class Progress {
  private readonly bar = new cliProgress.SingleBar({
    format: '{bar} {percentage}% | {step} | {rate} ops/s | ETA {eta_formatted}',
    stream: process.stderr,
    hideCursor: true,
  }, cliProgress.Presets.shades_classic);
  private doneSeconds = 0;
  private stepStartMs = 0;
  private readonly timer: NodeJS.Timeout;
  private step = 'starting';
  private lastOps = 0;
  private rate = 0;

  constructor(totalSeconds: number) {
    this.bar.start(totalSeconds, 0, { step: this.step, rate: 0 });
    this.timer = setInterval(() => this.render(), 1000);
  }

  /** A step that `counts` advances the bar with the clock; starting a cluster does not. */
  beginStep(step: string, counts: boolean): void {
    this.step = step;
    this.stepStartMs = counts ? Date.now() : 0;
    this.lastOps = 0;
    this.rate = 0;
    this.render();
  }

  answers(ops: number): void {
    this.rate = ops - this.lastOps;
    this.lastOps = ops;
  }

  endStep(seconds: number): void {
    this.doneSeconds += seconds;
    this.stepStartMs = 0;
    this.render();
  }

  stop(): void {
    clearInterval(this.timer);
    this.bar.stop();
  }

  private render(): void {
    const running = this.stepStartMs === 0 ? 0 : (Date.now() - this.stepStartMs) / 1000;
    this.bar.update(Math.min(this.bar.getTotal(), this.doneSeconds + running), { step: this.step, rate: this.rate });
  }
}

async function runStep(plan: BenchPlan, configuration: Configuration, cluster: BenchCluster, concurrency: number,
  progress: Progress): Promise<StepResult> {
  const shape = stepShape(concurrency, plan.connectionsMax, plan.processes ?? PROCESSES_DEFAULT[configuration.protocol]);
  const options = { ...plan.load, protocol: configuration.protocol, endpoints: endpointsOf(cluster, configuration.protocol), ...shape };
  progress.beginStep(`${labelOf(configuration)} c=${shape.connections * shape.depth}`, true);
  const sampler = new MemberSampler(cluster.members);
  const load = await runLoad(options, (ops) => progress.answers(ops));
  const samples = await sampler.stop();
  progress.endStep(plan.load.warmupSeconds + plan.load.durationSeconds);
  return {
    concurrency: shape.connections * shape.depth, ...shape,
    ops: load.ops, errors: load.errors, error_kinds: load.errorKinds, ops_per_sec: load.ops_per_sec, latency: load.latency,
    per_second: load.perSecond, generator: load.generator,
    members: summarizeMembers(samples, plan.load.warmupSeconds), samples, histogram: load.histogram,
  };
}

async function runConfiguration(plan: BenchPlan, configuration: Configuration, progress: Progress): Promise<RunResult> {
  progress.beginStep(`${labelOf(configuration)} starting`, false);
  const cluster = await startCluster(plan, configuration);
  try {
    const steps: StepResult[] = [];
    for (const concurrency of plan.concurrencies) steps.push(await runStep(plan, configuration, cluster, concurrency, progress));
    const bytes: Record<string, number> = {};
    for (const member of cluster.members) bytes[member.name] = bytesOnDisk(member.dataDir);
    return {
      label: labelOf(configuration), target: configuration.target, protocol: configuration.protocol,
      server_version: cluster.version, steps, bytes_on_disk: bytes,
    };
  } finally {
    live.delete(cluster);
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  const plan = parseBenchArgs(process.argv.slice(2));
  const startedAt = new Date();
  // Taken before anything starts, so the load average is the machine's, not this run's.
  const machine = machineInfo();
  const date = startedAt.toISOString().slice(0, 10);
  const stepSeconds = plan.load.warmupSeconds + plan.load.durationSeconds;
  const progress = new Progress(stepSeconds * plan.concurrencies.length * plan.configurations.length);
  const runs: RunResult[] = [];
  try {
    for (const configuration of plan.configurations) runs.push(await runConfiguration(plan, configuration, progress));
  } finally {
    progress.stop();
  }
  const base = `${date}-${plan.name}`;
  const resultsDir = resolve(plan.resultsDir);
  mkdirSync(resultsDir, { recursive: true });
  const jsonPath = join(resultsDir, `${base}.json`);
  const reference = runs.length > 1 ? runs[runs.length - 1]! : null;
  const result: BenchResult = {
    name: plan.name, date, started_at: startedAt.toISOString(), finished_at: new Date().toISOString(),
    machine, workload: workloadOf(plan), runs,
    ratios: reference === null ? [] : ratiosAgainst(runs, reference),
    ratios_reference: reference?.label ?? null,
    headline: headlineOf(plan.name, runs[0]!, plan.load.durationSeconds, join(plan.resultsDir, `${base}.json`)),
  };
  const charts = { throughput: `${base}-throughput.svg`, latency: `${base}-latency.svg` };
  writeFileSync(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(resultsDir, charts.throughput), await renderSvg(throughputSpec(result)));
  writeFileSync(join(resultsDir, charts.latency), await renderSvg(latencySpec(result)));
  writeFileSync(join(resultsDir, `${base}.md`), summaryMarkdown(result, charts));
  process.stdout.write(`${JSON.stringify(result.headline)}\n`);
}

// Ctrl-C or a kill: end every member by PID and remove its data before leaving.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    process.stderr.write(`\nbench:cluster: ${signal}, stopping ${live.size} cluster(s)\n`);
    void Promise.all([...live].map((cluster) => cluster.stop())).finally(() => process.exit(130));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:cluster: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
