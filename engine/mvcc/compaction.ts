/**
 * Compaction, incremental: scheduling records the compaction revision at once (reads below it fail
 * from that commit on, inside the apply worker's transaction), then bounded chunks, each in a
 * write transaction of its own on a snapshot pool thread (runCompaction), walk the index table in
 * key order and drop the revisions compaction discards. Between chunks the pool thread yields, so
 * the apply worker takes the writer lock in between and never waits for more than one chunk. A
 * cursor in the meta table says how far the walk got, so a restart resumes an unfinished
 * compaction; finished_compact_rev records completion.
 */
import { ErrCompacted, ErrFutureRev } from '../errors.js';
import { META, getMetaNumber, putMetaNumber, scheduledCompactRevision, type Backend } from './backend.js';
import { compactIndex } from './key-index.js';
import { revisionToBytes } from './revision.js';

/** Keys examined per chunk: bounds the time one chunk holds the writer. */
export const COMPACTION_KEYS_PER_CHUNK_DEFAULT = 1000;

/**
 * etcd's updateCompactRev: fails a revision already compacted (<= the scheduled one) or in the
 * future; otherwise records it and restarts the walk (keys already walked at an older revision may
 * hold more to drop at the new one). Runs inside a write transaction.
 */
export function scheduleCompaction(backend: Backend, revision: number, currentRev: number): void {
  if (revision <= scheduledCompactRevision(backend, {})) throw ErrCompacted;
  if (revision > currentRev) throw ErrFutureRev;
  putMetaNumber(backend, META.SCHEDULED_COMPACT_REV, revision);
  backend.meta.removeSync(META.COMPACT_CURSOR);
}

/** True while a scheduled compaction is not physically complete. */
export function compactionPending(backend: Backend): boolean {
  return getMetaNumber(backend, META.FINISHED_COMPACT_REV, {}) < scheduledCompactRevision(backend, {});
}

/**
 * Runs one chunk of the pending compaction inside the caller's write transaction: at most
 * `keysMax` keys. Returns the revision it completed, or 0 when more chunks remain or nothing was
 * pending.
 */
export function compactChunk(backend: Backend, keysMax: number): number {
  if (!compactionPending(backend)) return 0;
  const atRev = scheduledCompactRevision(backend, {});
  const cursor = backend.meta.get(META.COMPACT_CURSOR);
  // Collect before changing anything: the index must not change under the cursor walking it.
  const batch = [...backend.index.getRange(cursor === undefined ? { limit: keysMax }
    : { start: cursor, exclusiveStart: true, limit: keysMax })];
  for (const { key, value } of batch) {
    const { removed, index } = compactIndex(value, atRev);
    if (removed.length === 0) continue;
    for (const entry of removed) backend.kv.removeSync(revisionToBytes(entry.main, entry.sub, entry.tombstone));
    if (index === undefined) backend.index.removeSync(key);
    else backend.index.putSync(key, index);
  }
  if (batch.length === keysMax) {
    backend.meta.putSync(META.COMPACT_CURSOR, batch[batch.length - 1]!.key);
    return 0;
  }
  putMetaNumber(backend, META.FINISHED_COMPACT_REV, atRev);
  backend.meta.removeSync(META.COMPACT_CURSOR);
  return atRev;
}

/**
 * Runs the pending compaction to completion, one chunk per write transaction, yielding between
 * chunks (and pausing `pauseMs`, to bound the disk bandwidth it takes from applies). Returns the
 * finished compaction revision (it may be newer than the one pending at the start).
 */
export async function runCompaction(backend: Backend, keysPerChunk: number, pauseMs = 0): Promise<number> {
  for (;;) {
    const finished = backend.root.transactionSync(() => compactChunk(backend, keysPerChunk));
    if (finished > 0 && !compactionPending(backend)) return finished;
    if (finished === 0 && !compactionPending(backend)) return getMetaNumber(backend, META.FINISHED_COMPACT_REV, {});
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}
