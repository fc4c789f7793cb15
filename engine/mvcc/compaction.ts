/**
 * Compaction, incremental: scheduling records the compaction revision at once (reads below it fail
 * from that commit on, inside the apply worker's transaction), then bounded chunks, each in a
 * write transaction of its own on the apply worker between its batches, walk the in-memory key
 * index in key order and drop the revisions compaction discards, from the index and the kv table
 * alike. So applies never wait for more than one chunk. A cursor in the meta table says how far
 * the walk got, so a restart resumes an unfinished compaction; finished_compact_rev records
 * completion.
 */
import { ErrCompacted, ErrFutureRev } from '../errors.js';
import { META, getMetaNumber, putMetaNumber, scheduledCompactRevision, type Backend } from './backend.js';
import type { KeyIndex } from './key-index.js';
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
 * `keysMax` keys of `index`. Returns the revision it completed, or 0 when more chunks remain or
 * nothing was pending.
 */
export function compactChunk(backend: Backend, index: KeyIndex, keysMax: number): number {
  if (!compactionPending(backend)) return 0;
  const atRev = scheduledCompactRevision(backend, {});
  const cursor = backend.meta.get(META.COMPACT_CURSOR);
  const { removed, last } = index.compact(cursor?.toString('latin1'), atRev, keysMax);
  for (const entry of removed) backend.kv.removeSync(revisionToBytes(entry.main, entry.sub, entry.tombstone));
  if (last !== undefined) {
    backend.meta.putSync(META.COMPACT_CURSOR, Buffer.from(last, 'latin1'));
    return 0;
  }
  putMetaNumber(backend, META.FINISHED_COMPACT_REV, atRev);
  backend.meta.removeSync(META.COMPACT_CURSOR);
  return atRev;
}
