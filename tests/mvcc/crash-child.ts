/**
 * Crash-test child: applies an endless stream of puts through an Applier, starting after the
 * store's applied index, and prints "applied <index>" after each batch. The parent kills it with
 * SIGKILL at some point. Entry i puts key k<i % KEYS> = v<i>, so the expected state after any
 * applied index is known exactly.
 */
import { fileURLToPath } from 'node:url';
import { Applier } from '../../engine/mvcc/applier.js';
import { encodeInternalRequest } from '../../engine/mvcc/request.js';
import { EntryType, type Entry } from '../../engine/raft/types.js';

export const CRASH_KEYS = 50;
const BATCH_ENTRIES = 200;

/** The entry the crash test writes at `index`. */
export function crashEntry(index: number): Entry {
  return {
    index,
    term: 1,
    type: EntryType.Normal,
    data: encodeInternalRequest({ put: { key: Buffer.from(`k${index % CRASH_KEYS}`), value: Buffer.from(`v${index}`) } }),
  };
}

// Run only as a script (the test imports crashEntry from this module too).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const applier = await Applier.open({ path: process.argv[2]! });
  let next = applier.appliedIndex + 1;
  for (;;) {
    const batch = Array.from({ length: BATCH_ENTRIES }, (_, i) => crashEntry(next + i));
    next += BATCH_ENTRIES;
    // Keep two batches in flight so the kill lands while the worker is busy.
    await applier.apply(batch);
    await applier.waitApplied(next - 1 - BATCH_ENTRIES);
    process.stdout.write(`applied ${applier.appliedIndex}\n`);
  }
}
