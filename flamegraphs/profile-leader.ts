/**
 * npm run flamegraph -- [--duration <s>] [--concurrency <n>] [--skip-flame] [--skip-cpu-prof] [--keep-profiles <dir>]
 *
 * Profiles the leader of a fresh 3-member cluster under the standard load (native protocol, puts,
 * 8-byte keys, 256-byte values, 100,000 random keys), twice:
 *  1. every member under `clinic flame` (it cannot tell which member will lead); the leader's
 *     flamegraph is kept as flamegraphs/<date>-leader-flame.html;
 *  2. every member under `node --cpu-prof` (one profile per thread: main, WAL worker, apply
 *     worker, snapshot pool); the leader's are summarized in flamegraphs/<date>-leader-threads.md.
 * Members are stopped with SIGINT (clinic then writes its report; node writes its profiles on a
 * clean exit) and their data removed. Prints where the outputs went.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBenchArgs, stepShape } from '../bench/cluster/bench-args.js';
import type { BenchCluster, BenchMember } from '../bench/cluster/bench-cluster.js';
import { startCairnCluster, type MemberLauncher } from '../bench/cluster/cairn-launcher.js';
import { scrapeWritePath } from '../bench/cluster/metrics-scrape.js';
import { runLoad, type LoadResult } from '../bench/load/load-runner.js';
import { interruptAll } from './member-interrupt.js';
import { summarizeProfile, summaryMarkdown, type CpuProfile } from './cpu-profile-summary.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLINIC = join(ROOT, 'node_modules', '.bin', 'clinic');
const OUT_DIR = join(ROOT, 'flamegraphs');

interface ProfileArgs {
  durationSeconds: number;
  concurrency: number;
  flame: boolean;
  cpuProf: boolean;
  /** Where to copy the leader's raw .cpuprofile files (for Chrome DevTools or speedscope), if anywhere. */
  keepProfiles: string | null;
}

function parseArgs(argv: string[]): ProfileArgs {
  const args: ProfileArgs = { durationSeconds: 30, concurrency: 256, flame: true, cpuProf: true, keepProfiles: null };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--duration') args.durationSeconds = Number(argv[++i]);
    else if (flag === '--concurrency') args.concurrency = Number(argv[++i]);
    else if (flag === '--skip-flame') args.flame = false;
    else if (flag === '--skip-cpu-prof') args.cpuProf = false;
    else if (flag === '--keep-profiles') args.keepProfiles = argv[++i] ?? null;
    else throw new Error(`unknown flag ${flag}`);
  }
  if (!(args.durationSeconds > 0) || !(args.concurrency > 0)) throw new Error('--duration and --concurrency take positive numbers');
  return args;
}

/** Which member leads now (by its /metrics). */
async function leaderOf(cluster: BenchCluster): Promise<BenchMember> {
  for (const member of cluster.members) {
    const counters = await scrapeWritePath(member.metricsUrl);
    if (counters?.isLeader === true) return member;
  }
  throw new Error('no member reports itself leader');
}

/** Runs the standard load against `cluster` and returns the leader at the end of it. */
async function loadAndFindLeader(cluster: BenchCluster, args: ProfileArgs): Promise<{ leader: BenchMember; load: LoadResult }> {
  const plan = parseBenchArgs(['--duration', String(args.durationSeconds), '--concurrency', String(args.concurrency)]);
  const shape = stepShape(args.concurrency, plan.connectionsMax, 1);
  const load = await runLoad({ ...plan.load, protocol: 'native', endpoints: cluster.members.map((m) => m.nativeUrl!), ...shape });
  return { leader: await leaderOf(cluster), load };
}

function describe(load: LoadResult): string {
  return `${load.ops_per_sec.toFixed(0)} writes/s, p50 ${load.latency.p50_ms.toFixed(1)} ms, p99 ${load.latency.p99_ms.toFixed(1)} ms, ` +
    `${load.errors} errors`;
}

/** Starts a cluster with `launcher`, runs the load, stops every member; returns the leader and the load. */
async function profiledRun(args: ProfileArgs, work: string, launcher: MemberLauncher, wrapped: boolean):
  Promise<{ cluster: BenchCluster; leader: BenchMember; load: LoadResult }> {
  const cluster = await startCairnCluster(3, work, () => {}, launcher);
  try {
    const { leader, load } = await loadAndFindLeader(cluster, args);
    return { cluster, leader, load };
  } finally {
    await interruptAll(cluster, wrapped);
  }
}

async function flame(args: ProfileArgs, work: string, date: string): Promise<string> {
  const { cluster, leader, load } = await profiledRun(args, work, (name, nodeArgs) => ({
    command: CLINIC,
    args: ['flame', '--open=false', '--dest', join(work, `flame-${name}`), '--', process.execPath, ...nodeArgs],
    // clinic 13 prints nothing and exits 0 without this (see TOOLCHAIN.md).
    env: { ...process.env, NO_INSIGHT: '1' },
  }), true);
  const dir = join(work, `flame-${leader.name}`);
  const html = readdirSync(dir).find((name) => name.endsWith('.clinic-flame.html'));
  if (html === undefined) throw new Error(`clinic wrote no flamegraph for the leader (${leader.name}) in ${dir}`);
  const target = join(OUT_DIR, `${date}-leader-flame.html`);
  copyFileSync(join(dir, html), target);
  await cluster.stop();
  return `flamegraph of the leader (${leader.name}; ${describe(load)}): ${target}`;
}

async function cpuProfiles(args: ProfileArgs, work: string, date: string): Promise<string> {
  const { cluster, leader, load } = await profiledRun(args, work, (name, nodeArgs) => ({
    command: process.execPath, args: ['--cpu-prof', `--cpu-prof-dir=${join(work, `cpu-${name}`)}`, ...nodeArgs],
  }), false);
  const dir = join(work, `cpu-${leader.name}`);
  if (args.keepProfiles !== null) {
    mkdirSync(args.keepProfiles, { recursive: true });
    for (const name of readdirSync(dir)) copyFileSync(join(dir, name), join(args.keepProfiles, name));
  }
  const summaries = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => summarizeProfile(JSON.parse(readFileSync(join(dir, name), 'utf8')) as CpuProfile, ROOT))
    .sort((a, b) => b.busyMs - a.busyMs);
  const target = join(OUT_DIR, `${date}-leader-threads.md`);
  writeFileSync(target, `# Leader CPU by thread (${date})\n\n` +
    `\`node --cpu-prof\` on every member of a fresh 3-member cluster under the standard load for ${args.durationSeconds} s ` +
    `(native protocol, puts, ${args.concurrency} in flight): ${describe(load)}. The leader was ${leader.name}. ` +
    'Self time per function; "of wall" is the share of the thread\'s profiled wall-clock time.\n\n' +
    summaryMarkdown(summaries));
  await cluster.stop();
  return `per-thread CPU summary of the leader: ${target}`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const date = new Date().toISOString().slice(0, 10);
  mkdirSync(OUT_DIR, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'cairn-profile-'));
  try {
    if (args.flame) process.stdout.write(`${await flame(args, work, date)}\n`);
    if (args.cpuProf) process.stdout.write(`${await cpuProfiles(args, work, date)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`flamegraph: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
