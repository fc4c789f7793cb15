/**
 * Storage faults: a failed write, fsync or store transaction on this member's own disk (full, or
 * failing). No client caused one and no retry fixes it, so the member stops for good and the
 * process exits (Member's onFatal), as etcd logs such a fault at fatal level and exits: clients
 * then fail over to members that can still answer.
 *
 * The message names the free space where the fault happened, because the cause alone often does
 * not tell a full disk from a failing one: LMDB reports a write that ran out of space as
 * "Input/output error" (to it, a short write is EIO).
 */
import { statfsSync } from 'node:fs';

/** `cause`'s message followed by the free space of the filesystem holding `dir`. */
export function storageFaultMessage(cause: unknown, dir: string): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  return `${message} (${freeSpace(dir)})`;
}

function freeSpace(dir: string): string {
  try {
    const stats = statfsSync(dir);
    return `${stats.bavail * stats.bsize} bytes free in ${dir}`;
  } catch (error) {
    return `free space in ${dir} unknown: ${(error as Error).message}`;
  }
}
