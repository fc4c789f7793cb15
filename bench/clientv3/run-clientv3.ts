/**
 * npm run bench:clientv3 -- [flags of clientv3-args.ts; --help lists them]
 *
 * cairn and etcd 3.4 under etcd's own Go client (issue #18): builds the Go load generator once
 * (go-build.ts, cached by source hash), then for each round of each server, alternating, starts a
 * fresh cluster on 127.0.0.1, preloads the key space, and runs every row of the matrix
 * (clientv3-matrix.ts) with the generator while sampling every member once a second. Writes
 * results/<date>-clientv3-<name>.json and .md and prints one JSON line per row on stdout.
 *
 * Clusters are ended by PID (also on Ctrl-C); the generator is killed by PID past its deadline.
 */
import { loadavg } from 'node:os';
import type { BenchCluster } from '../cluster/bench-cluster.js';
import { summarizeMembers } from '../cluster/bench-result.js';
import { MemberSampler } from '../cluster/member-sampler.js';
import { commandLine, sleep, sourceState, startCluster, stopCluster, stopClustersOnSignal, writeResultFiles } from '../common/cluster-session.js';
import { UsageError } from '../load/load-options.js';
import { machineInfo } from '../micro/report.js';
import { parseClientV3Args, scheduleOf, USAGE, wantsHelp, type ClientV3Plan, type RoundSlot } from './clientv3-args.js';
import type { MatrixRow } from './clientv3-matrix.js';
import { clientV3Markdown, summarizeRows, workloadOf, type ClientV3Result, type RoundRun, type RowRun } from './clientv3-result.js';
import { buildClientV3Load, goVersion } from './go-build.js';
import { preloadArgs, rowArgs, runGo, type GoLoadResult, type GoLoadShape, type GoPreloadResult } from './go-load.js';

/** Quiet time after the preload and between rows, so one's aftermath (GC, WAL segment work) does not land in the next. */
const SETTLE_MS = 1000;
/** The preload of 100k keys takes seconds; this bounds a stuck one. */
const PRELOAD_RUN_MS = 120_000;

function shapeOf(plan: ClientV3Plan, cluster: BenchCluster): GoLoadShape {
  return {
    endpoints: cluster.members.map((member) => member.grpcTarget), keySpace: plan.keySpace, keySize: plan.keySize, valueSize: plan.valueSize,
    durationSeconds: plan.durationSeconds, warmupSeconds: plan.warmupSeconds,
  };
}

async function runRow(binary: string, plan: ClientV3Plan, cluster: BenchCluster, row: MatrixRow, slot: RoundSlot): Promise<RowRun> {
  const loadAverage = loadavg()[0]!;
  const sampler = new MemberSampler(cluster.members);
  const runMs = (plan.warmupSeconds + plan.durationSeconds) * 1000;
  const result = await runGo<GoLoadResult>(binary, rowArgs(row, shapeOf(plan, cluster)), runMs);
  const samples = await sampler.stop();
  process.stderr.write(`${slot.server} round ${slot.round} ${row.name}: ${Math.round(result.ops_per_sec)} ops/s, p50 ${result.latency.p50_ms.toFixed(1)} ms, ` +
    `p99 ${result.latency.p99_ms.toFixed(1)} ms, ${result.errors} errors (load average ${loadAverage.toFixed(2)})\n`);
  // The txn row reads the key space before its clock starts: its samples begin before the warm-up ends by that much.
  return { row: row.name, load_average_at_start: loadAverage, result, members: summarizeMembers(samples, plan.warmupSeconds + result.prime_s) };
}

async function runRound(binary: string, plan: ClientV3Plan, slot: RoundSlot): Promise<RoundRun> {
  const loadAverage = loadavg()[0]!;
  process.stderr.write(`${slot.server} round ${slot.round}: starting a ${plan.members}-member cluster (load average ${loadAverage.toFixed(2)})\n`);
  const cluster = await startCluster(slot.server, plan.members, plan.dataRoot, plan.etcdBinary);
  try {
    const preload = await runGo<GoPreloadResult>(binary, preloadArgs(shapeOf(plan, cluster), plan.preloadClients), PRELOAD_RUN_MS);
    process.stderr.write(`${slot.server} round ${slot.round}: ${preload.keys} keys preloaded in ${preload.seconds.toFixed(1)} s\n`);
    const rows: RowRun[] = [];
    for (const row of plan.rows) {
      await sleep(SETTLE_MS);
      rows.push(await runRow(binary, plan, cluster, row, slot));
    }
    return { ...slot, server_version: cluster.version, load_average_at_start: loadAverage, preload, rows };
  } finally {
    await stopCluster(cluster);
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (wantsHelp(argv)) {
    process.stdout.write(USAGE);
    return;
  }
  const plan = parseClientV3Args(argv);
  const startedAt = new Date();
  const source = sourceState();
  const machine = machineInfo();
  const build = await buildClientV3Load();
  process.stderr.write(build.built ? `clientv3-load built in ${build.seconds.toFixed(1)} s\n` : 'clientv3-load: cached binary\n');
  const rounds: RoundRun[] = [];
  for (const slot of scheduleOf(plan)) rounds.push(await runRound(build.binary, plan, slot));
  const date = startedAt.toISOString().slice(0, 10);
  const name = `clientv3-${plan.name}`;
  const result: ClientV3Result = {
    name, date, started_at: startedAt.toISOString(), finished_at: new Date().toISOString(), command: commandLine(), source, machine,
    workload: workloadOf(plan), generator: { source_hash: build.hash, go_version: goVersion() ?? 'unknown' },
    rows: summarizeRows(plan.rows, rounds), rounds,
  };
  const base = writeResultFiles(plan.resultsDir, date, name, result, clientV3Markdown(result));
  for (const row of result.rows) {
    process.stdout.write(`${JSON.stringify({
      row: row.row, ...Object.fromEntries(Object.entries(row.servers).map(([server, figures]) => [server, figures.ops_per_sec.map(Math.round)])),
      ratio: row.ratio_ops_per_sec === null ? null : Math.round(row.ratio_ops_per_sec * 100) / 100,
      p99_ratio: row.ratio_p99 === null ? null : Math.round(row.ratio_p99 * 100) / 100,
      results: `${base}.json`,
    })}\n`);
  }
}

stopClustersOnSignal('bench:clientv3');
main().catch((error: unknown) => {
  process.stderr.write(`bench:clientv3: ${error instanceof UsageError ? error.message : error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  // Its clusters are stopped already; a sampler timer left behind must not keep it alive.
  process.exit(error instanceof UsageError ? 2 : 1);
});
