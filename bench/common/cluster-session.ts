/**
 * What the watch and lease benchmarks share around bench/cluster's launchers: start a fresh
 * cluster of either kind and have Ctrl-C end it by PID, find the member that leads, read counters
 * from every member's /metrics, and say which command produced a results file.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { bytesOnDisk, type BenchCluster } from '../cluster/bench-cluster.js';
import type { ServerKind } from '../cluster/bench-cluster.js';
import { startCairnCluster } from '../cluster/cairn-launcher.js';
import { ETCD_BINARY_DEFAULT, startEtcdCluster } from '../cluster/etcd-launcher.js';
import { parseExposition, scrapeWritePath } from '../cluster/metrics-scrape.js';

/** How long a fresh cluster may take before every member agrees on a leader. */
const LEADER_TIMEOUT_MS = 15_000;

/** Clusters currently running, so a signal can end them. */
const live = new Set<BenchCluster>();

export async function startCluster(kind: ServerKind, members: number, dataRoot: string, etcdBinary = ETCD_BINARY_DEFAULT): Promise<BenchCluster> {
  const track = (cluster: BenchCluster): void => { live.add(cluster); };
  return kind === 'etcd' ? startEtcdCluster(members, dataRoot, track, etcdBinary) : startCairnCluster(members, dataRoot, track);
}

/** Ends the cluster (by PID) and forgets it; returns each member's bytes on disk just before. */
export async function stopCluster(cluster: BenchCluster): Promise<Record<string, number>> {
  const bytes: Record<string, number> = {};
  for (const member of cluster.members) bytes[member.name] = bytesOnDisk(member.dataDir);
  live.delete(cluster);
  await cluster.stop();
  return bytes;
}

/** Ctrl-C or a kill: end every live cluster by PID and remove its data, then leave. */
export function stopClustersOnSignal(program: string): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\n${program}: ${signal}, stopping ${live.size} cluster(s)\n`);
      void Promise.all([...live].map((cluster) => cluster.stop())).finally(() => process.exit(130));
    });
  }
}

/** The index (in cluster.members) of the member that says it leads, once exactly one does. */
export async function leaderIndex(cluster: BenchCluster): Promise<number> {
  const deadline = Date.now() + LEADER_TIMEOUT_MS;
  for (;;) {
    const counters = await Promise.all(cluster.members.map((member) => scrapeWritePath(member.metricsUrl)));
    const leaders = counters.flatMap((c, i) => (c?.isLeader === true ? [i] : []));
    if (leaders.length === 1) return leaders[0]!;
    if (Date.now() > deadline) throw new Error(`no single leader within ${LEADER_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Each member's value of every series in `names` (0 when absent), by member name. */
export async function scrapeCounters(cluster: BenchCluster, names: readonly string[]): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  await Promise.all(cluster.members.map(async (member) => {
    const text = await fetch(member.metricsUrl, { signal: AbortSignal.timeout(2000) }).then((r) => r.text(), () => '');
    const series = parseExposition(text);
    out[member.name] = Object.fromEntries(names.map((name) => [name, series.get(name) ?? 0]));
  }));
  return out;
}

/** after - before, per member and series. */
export function counterDeltas(before: Record<string, Record<string, number>>, after: Record<string, Record<string, number>>):
  Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [member, series] of Object.entries(after)) {
    out[member] = Object.fromEntries(Object.entries(series).map(([name, value]) => [name, value - (before[member]?.[name] ?? 0)]));
  }
  return out;
}

/** The command that ran this program, as typed from the repository root (for the results file). */
export function commandLine(): string {
  const script = relative(process.cwd(), process.argv[1] ?? '');
  return ['node', script, ...process.argv.slice(2)].join(' ');
}

/**
 * Which server code ran: the commit, and the server's files (engine/, net/, bin/cairn.ts) that
 * differed from it in the working tree when the run began (benchmarks run a build of the working tree).
 */
export function sourceState(): { commit: string; modified: string[] } {
  const git = (args: string[]): string => {
    try {
      // Only the end is trimmed: a porcelain line starts with a meaningful space.
      return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trimEnd();
    } catch {
      return '';
    }
  };
  const modified = git(['status', '--porcelain', '--', 'engine', 'net', 'bin/cairn.ts']).split('\n').filter((line) => line !== '');
  return { commit: git(['rev-parse', 'HEAD']) || 'unknown', modified };
}

/** The "Code: commit ..." sentence of a results file: the commit and the server files modified over it. */
export function codeSentence(source: { commit: string; modified: readonly string[] }): string {
  return `Code: commit ${source.commit.slice(0, 12)}` +
    (source.modified.length === 0 ? ', clean working tree.' : `, with ${source.modified.length} server file(s) modified in the working tree ` +
      `(${source.modified.map((line) => line.slice(3)).join(', ')}).`);
}

/** Epoch milliseconds with performance.now()'s resolution, comparable across processes of one machine. */
export function nowEpochMs(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What every results file of the watch and lease benchmarks opens with: which run, on what code and machine. */
export interface BenchRunHeader {
  name: string;
  date: string;
  started_at: string;
  finished_at: string;
  command: string;
  /** The commit, and the server files (engine/, net/, bin/cairn.ts) modified in the working tree when the run began. */
  source: { commit: string; modified: string[] };
  machine: Record<string, string | number>;
}

/**
 * Writes a run's results as `<resultsDir>/<date>-<name>.json` and `.md` (the directory made if
 * absent); returns their path without the extension.
 */
export function writeResultFiles(resultsDir: string, date: string, name: string, result: unknown, markdown: string): string {
  const dir = resolve(resultsDir);
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${date}-${name}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(`${base}.md`, markdown);
  return base;
}
