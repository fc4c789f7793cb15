/**
 * Stops the members of a profiled cluster so their profilers write their output: SIGINT to each
 * member's node process, then a wait for it to exit.
 */
import { readFileSync } from 'node:fs';
import type { BenchCluster } from '../bench/cluster/bench-cluster.js';

/** clinic analyses its samples after the process exits; that can take a while. */
const CLINIC_EXIT_TIMEOUT_MS = 180_000;

/** The ids of a process's children (Linux /proc). */
function childPidsOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * SIGINT to every member's node process, then wait for each launched process to exit. Under
 * clinic the node process is clinic's child, and clinic only writes its report once that child
 * has exited (a terminal's Ctrl-C reaches both; a signal to clinic alone does not reach the child).
 */
export async function interruptAll(cluster: BenchCluster, wrapped: boolean): Promise<void> {
  await Promise.all(cluster.members.map(async (member) => {
    const child = member.process;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const targets = wrapped ? childPidsOf(child.pid!) : [child.pid!];
    for (const pid of targets) process.kill(pid, 'SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), CLINIC_EXIT_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }));
}
