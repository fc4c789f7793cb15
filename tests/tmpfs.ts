/**
 * Test helper: a small tmpfs as a disk that really fills up (ENOSPC, and LMDB's EIO on a short
 * write), for the fail-stop tests. Mounting needs root (CAP_SYS_ADMIN) on Linux; tests that need
 * it skip with the reason `tmpfsUnavailable` gives when this machine cannot mount one.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DEVICE = 'cairn-full-disk';

/** Tries a 1 MiB mount once: null when it worked, else why tmpfs tests must skip here. */
function probe(): string | null {
  if (process.platform !== 'linux') return 'needs Linux to mount a small tmpfs as a full disk';
  if (process.getuid?.() !== 0) return 'needs root to mount a small tmpfs as a full disk';
  const dir = mkdtempSync(join(tmpdir(), 'cairn-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', DEVICE, dir], { stdio: 'pipe' });
    execFileSync('umount', [dir], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return `cannot mount a tmpfs as a full disk here: ${(error as Error).message.split('\n')[0]}`;
  } finally {
    rmdirSync(dir);
  }
}

let unavailable: string | null | undefined;

/** Why a small tmpfs cannot be mounted here (for node:test's `skip`), or false when it can. */
export function tmpfsUnavailable(): string | false {
  if (unavailable === undefined) unavailable = probe();
  return unavailable ?? false;
}

/** Mounts a tmpfs of `sizeMib` MiB at `dir` (created when absent). */
export function mountTmpfs(dir: string, sizeMib: number): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMib}m`, DEVICE, dir], { stdio: 'pipe' });
}

/** Gives the tmpfs at `dir` a new size, keeping its files (room again after a full disk). */
export function resizeTmpfs(dir: string, sizeMib: number): void {
  execFileSync('mount', ['-o', `remount,size=${sizeMib}m`, dir], { stdio: 'pipe' });
}

/** Unmounts `dir`; nothing when it is not mounted (a test that failed before mounting). */
export function unmountTmpfs(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    // Not mounted.
  }
}
