/**
 * What the orchestrator needs of a cluster under test, whichever server it runs (cairn or etcd):
 * every member's process id (for CPU/RSS sampling and for ending it), its /metrics URL, where its
 * clients connect, and where its data lives (for bytes on disk). Members are ended by PID only.
 */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export type ServerKind = 'cairn' | 'etcd';

export interface BenchMember {
  name: string;
  process: ChildProcess;
  dataDir: string;
  /** host:port of etcd's gRPC API. */
  grpcTarget: string;
  /** ws://.../ws of cairn's native protocol; null for etcd. */
  nativeUrl: string | null;
  /** Prometheus /metrics (cairn: its HTTP port; etcd: its client URL). */
  metricsUrl: string;
  /** GET URL answering {"health":"true"} once the member serves linearizable reads. */
  healthUrl: string;
}

export interface BenchCluster {
  kind: ServerKind;
  /** The server's version, for the results file. */
  version: string;
  members: BenchMember[];
  /** Ends every member (SIGTERM, then SIGKILL), then removes the data. */
  stop(): Promise<void>;
}

/** A cluster whose `stop` ends every member by PID, then removes `root` (its data). */
export function newBenchCluster(kind: ServerKind, version: string, members: BenchMember[], root: string): BenchCluster {
  return {
    kind,
    version,
    members,
    stop: async () => {
      await Promise.all(members.map(stopMember));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** How long a member may take to stop before it is killed. */
const STOP_TIMEOUT_MS = 10_000;
/** How long a fresh cluster may take to report healthy on every member. */
const HEALTHY_TIMEOUT_MS = 30_000;

export async function stopMember(member: BenchMember): Promise<void> {
  const child = member.process;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** Resolves once every member answers /health with {"health":"true"}. */
export async function waitHealthy(members: readonly BenchMember[]): Promise<void> {
  const deadline = Date.now() + HEALTHY_TIMEOUT_MS;
  for (const member of members) {
    for (;;) {
      if (member.process.exitCode !== null) throw new Error(`${member.name} exited with ${member.process.exitCode} while starting`);
      const healthy = await fetch(member.healthUrl).then(async (response) => (await response.text()).includes('"true"'), () => false);
      if (healthy) break;
      if (Date.now() > deadline) throw new Error(`${member.name} was not healthy within ${HEALTHY_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Bytes the files under `dir` occupy on disk (allocated blocks, so preallocated or sparse files count as they are; 0 when it is gone). */
export function bytesOnDisk(dir: string): number {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += bytesOnDisk(path);
    else if (entry.isFile()) total += statSync(path).blocks * 512;
  }
  return total;
}
