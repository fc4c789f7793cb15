/**
 * npm run flamegraph:keepalive -- [--duration 20] [--rate 5000] [--streams 6] [--leases 2000] [--keep-profiles DIR] [--no-profile] [--etcd]
 *
 * Where a keep-alive's CPU goes: a fresh 3-member cluster with every member under
 * `node --cpu-prof`, and the lease benchmark's keep-alive process (bench/lease/keepalive-process.ts)
 * renewing its leases at --rate per second over LeaseKeepAlive streams dealt round robin over the
 * members (followers forward theirs to the leader), with no other load. The main threads of the
 * leader and of one follower are summarized, with CPU microseconds per keep-alive, in
 * flamegraphs/<date>-keepalive-threads.md. Every member's CPU over the window (all its threads,
 * from /proc) is printed too; --no-profile runs the members plainly, for CPU figures the profiler
 * does not inflate, written to results/<date>-keepalive-cpu-cairn-<rate>.md; --etcd (implies
 * --no-profile) does the same to an etcd 3.4 cluster, the yardstick (...-etcd-<rate>.md).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCairnCluster } from '../bench/cluster/cairn-launcher.js';
import { startEtcdCluster } from '../bench/cluster/etcd-launcher.js';
import { readProcUsage } from '../bench/cluster/proc-stat.js';
import { forkChild, nextMessage, releaseChild } from '../bench/common/child-ipc.js';
import { commandLine, leaderIndex, sleep, sourceState } from '../bench/common/cluster-session.js';
import { machineInfo } from '../bench/micro/report.js';
import type { KeepAliveMessage, KeepAlivePlan, ParentMessage } from '../bench/lease/keepalive-process.js';
import { summarizeProfile, summaryMarkdown, type CpuProfile, type ProfileWindow, type ThreadSummary } from './cpu-profile-summary.js';
import { interruptAll } from './member-interrupt.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT_DIR = join(ROOT, 'flamegraphs');
const RESULTS_DIR = join(ROOT, 'results');
const KEEPALIVE_PROCESS = fileURLToPath(new URL('../bench/lease/keepalive-process.js', import.meta.url));
/** Keep-alives run this long before the profiled window is marked. */
const WARMUP_MS = 2000;

interface Args {
  durationSeconds: number;
  rate: number;
  streams: number;
  leases: number;
  keepProfiles: string | null;
  profile: boolean;
  etcd: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { durationSeconds: 20, rate: 5000, streams: 6, leases: 2000, keepProfiles: null, profile: true, etcd: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--no-profile') { args.profile = false; continue; }
    if (flag === '--etcd') { args.etcd = true; args.profile = false; continue; }
    const value = argv[++i];
    if (flag === '--duration') args.durationSeconds = Number(value);
    else if (flag === '--rate') args.rate = Number(value);
    else if (flag === '--streams') args.streams = Number(value);
    else if (flag === '--leases') args.leases = Number(value);
    else if (flag === '--keep-profiles') args.keepProfiles = value ?? null;
    else throw new Error(`unknown flag ${flag}`);
  }
  for (const [name, value] of Object.entries(args)) {
    if (typeof value === 'number' && !(Number.isInteger(value) && (value as number) > 0)) throw new Error(`--${name} takes a positive integer`);
  }
  return args;
}

function mainThreadOf(dir: string, window: ProfileWindow): ThreadSummary {
  const summaries = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => summarizeProfile(JSON.parse(readFileSync(join(dir, name), 'utf8')) as CpuProfile, ROOT, 20, window));
  const main = summaries.find((summary) => summary.thread === 'main');
  if (main === undefined) throw new Error(`no main-thread profile in ${dir}`);
  return main;
}

/** The unprofiled figures, as results/<date>-keepalive-cpu-<server>-<rate>.md. */
function writeCpuResult(args: Args, date: string, window: string): void {
  const server = args.etcd ? 'etcd' : 'cairn';
  const source = sourceState();
  const target = join(RESULTS_DIR, `${date}-keepalive-cpu-${server}-${args.rate}.md`);
  writeFileSync(target, `# Keep-alive CPU, ${server}, ${args.rate}/s (${date})\n\n` +
    `Command: \`${commandLine()}\`\n\nCode: commit ${source.commit}${source.modified.length > 0 ? `, with ${source.modified.join(', ')} modified` : ''}.\n\n` +
    `Machine: ${Object.entries(machineInfo()).map(([k, v]) => `${k} ${v}`).join(', ')}; cluster and clients on the same machine.\n\n` +
    `A fresh 3-member ${server} cluster with no load but keep-alives: ${args.leases} leases renewed at ${args.rate}/s over ` +
    `${args.streams} LeaseKeepAlive streams dealt round robin over the members (followers forward to the leader), ` +
    `by the lease benchmark's keep-alive process. Over the ${args.durationSeconds} s window: ${window}.\n`);
  process.stdout.write(`written: ${target}\n`);
}

function summaryWindowSeconds(window: ProfileWindow): number {
  return (window.toUs - window.fromUs) / 1e6;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const date = new Date().toISOString().slice(0, 10);
  const work = mkdtempSync(join(tmpdir(), 'cairn-profile-keepalive-'));
  const cluster = args.etcd ? await startEtcdCluster(3, work, () => {}) : await startCairnCluster(3, work, () => {}, (name, nodeArgs) => ({
    command: process.execPath, args: [...(args.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(work, `cpu-${name}`)}`] : []), ...nodeArgs],
  }));
  const cpuNow = (): number[] => cluster.members.map((member) => readProcUsage(member.process.pid!)?.cpuSeconds ?? 0);
  const child = forkChild(KEEPALIVE_PROCESS);
  const send = (message: ParentMessage): void => { child.send(message); };
  try {
    const leader = await leaderIndex(cluster);
    const plan: KeepAlivePlan = {
      members: cluster.members.map((member, i) => ({ name: member.name, target: member.grpcTarget, leader: i === leader })),
      leases: args.leases, ttlSeconds: 60, streams: args.streams, ratePerSecond: args.rate, windowPerStream: 256,
    };
    const ready = nextMessage<KeepAliveMessage, 'ready'>(child, 'ready', 120_000);
    send({ type: 'plan', plan });
    await ready;
    send({ type: 'go' });
    await sleep(WARMUP_MS);
    send({ type: 'mark' });
    const cpuAtMark = cpuNow();
    const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);
    const fromUs = monotonicUs();
    await sleep(args.durationSeconds * 1000);
    const cpuAtStop = cpuNow();
    const profileWindow: ProfileWindow = { fromUs, toUs: monotonicUs() };
    const result = nextMessage<KeepAliveMessage, 'result'>(child, 'result', 30_000);
    send({ type: 'stop' });
    const { result: keepAlive } = await result;
    releaseChild(child);
    const perSecond = (keepAlive.answered + keepAlive.answeredTtlZero) / keepAlive.windowSeconds;
    const memberCpu = cluster.members.map((member, i) => `${member.name}${i === leader ? '*' : ''} ` +
      `${((100 * (cpuAtStop[i]! - cpuAtMark[i]!)) / args.durationSeconds).toFixed(0)}%`).join(', ');
    const window = `answered ${perSecond.toFixed(0)}/s; member CPU over the window (all threads, % of a core; * leader): ${memberCpu}; ` +
      `keep-alive client ${((100 * keepAlive.cpuSeconds) / keepAlive.windowSeconds).toFixed(0)}%`;
    process.stdout.write(`${window}\n`);
    if (!args.profile) {
      writeCpuResult(args, date, window);
      return;
    }
    await interruptAll(cluster, false);
    const leaderName = cluster.members[leader]!.name;
    const followerName = cluster.members[(leader + 1) % cluster.members.length]!.name;
    if (args.keepProfiles !== null) {
      mkdirSync(args.keepProfiles, { recursive: true });
      for (const name of [leaderName, followerName]) {
        for (const file of readdirSync(join(work, `cpu-${name}`))) copyFileSync(join(work, `cpu-${name}`, file), join(args.keepProfiles, `${name}-${file}`));
      }
    }
    const threads = [{ role: `leader (${leaderName})`, summary: mainThreadOf(join(work, `cpu-${leaderName}`), profileWindow) },
      { role: `follower (${followerName})`, summary: mainThreadOf(join(work, `cpu-${followerName}`), profileWindow) }];
    // Only the window's samples count (not start-up, the grants or the warm-up).
    const total = perSecond * (summaryWindowSeconds(profileWindow));
    const lines = threads.map(({ role, summary }) =>
      `- ${role}: main thread busy ${(summary.busyMs / 1000).toFixed(1)} s of ${(summary.durationMs / 1000).toFixed(1)} s, ` +
      `${((summary.busyMs * 1000) / total).toFixed(1)} µs per keep-alive answered cluster-wide`);
    const target = join(OUT_DIR, `${date}-keepalive-threads.md`);
    writeFileSync(target, `# Keep-alive CPU on the members' main threads (${date})\n\n` +
      `\`node --cpu-prof\` on every member of a fresh 3-member cluster; no load but keep-alives: ${args.leases} leases renewed at ` +
      `${args.rate}/s over ${args.streams} LeaseKeepAlive streams dealt round robin over the members (followers forward to the leader). ` +
      `Over the ${keepAlive.windowSeconds.toFixed(1)} s window: ${window} (all inflated by the profiler).\n\n` +
      `${lines.join('\n')}\n\n` +
      threads.map(({ role, summary }) => summaryMarkdown([{ ...summary, thread: `${role} main thread` }])).join('\n'));
    process.stdout.write(`${lines.join('\n')}\nsummary: ${target}\n`);
  } finally {
    releaseChild(child);
    await cluster.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`flamegraph:keepalive: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
