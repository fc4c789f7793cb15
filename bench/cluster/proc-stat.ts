/**
 * A process's CPU time and resident memory from Linux procfs: /proc/<pid>/stat fields 14 and 15
 * (utime, stime, in clock ticks; all threads, so cairn's WAL and apply workers count) and
 * /proc/<pid>/status VmRSS.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second (USER_HZ), asked once; Linux fixes it at 100 on every common platform. */
export const CLOCK_TICKS_PER_SECOND = ((): number => {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
})();

export interface ProcUsage {
  /** User + system CPU seconds since the process started. */
  cpuSeconds: number;
  rssBytes: number;
}

/** Parses the text of /proc/<pid>/stat; the command name (field 2) may hold spaces and parentheses, so fields are counted after its last ')'. */
export function cpuSecondsOfStat(stat: string, ticksPerSecond: number): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** Parses VmRSS (kB) out of the text of /proc/<pid>/status. */
export function rssBytesOfStatus(status: string): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return match === null ? 0 : Number(match[1]) * 1024;
}

/** Usage of `pid`, or null once it is gone. */
export function readProcUsage(pid: number): ProcUsage | null {
  try {
    return {
      cpuSeconds: cpuSecondsOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8'), CLOCK_TICKS_PER_SECOND),
      rssBytes: rssBytesOfStatus(readFileSync(`/proc/${pid}/status`, 'utf8')),
    };
  } catch {
    return null;
  }
}
