/** Shared helpers of the WAL tests: temp dirs, entries with recognisable data, appends that ride out backpressure. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { Entry, HardState, SnapshotMeta } from '../../engine/raft/types.js';
import { EntryType } from '../../engine/raft/types.js';
import { batchBytes, snapshotBatchBytes, Wal, type WalOptions, type WalReplay } from '../../engine/wal/wal.js';

/** Small segments so tests roll over quickly; a ring big enough for every batch the tests write. */
export const TEST_SEGMENT_BYTES = 128 * 1024;

/** WALs opened by the running test; closed afterwards even when the test fails, so no worker keeps the run alive. */
const openedWals = new Set<Wal>();

/** Runs `body` with a fresh directory under /tmp/wal-*, removed afterwards. */
export async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync('/tmp/wal-test-');
  try {
    await body(dir);
  } finally {
    for (const wal of openedWals) await wal.close().catch(() => {});
    openedWals.clear();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Entries first..last of `term`, each with `dataBytes` bytes derived from its index and term. */
export function entries(first: number, last: number, term: number, dataBytes = 64): Entry[] {
  const result: Entry[] = [];
  for (let index = first; index <= last; index++) {
    const data = new Uint8Array(dataBytes);
    for (let i = 0; i < dataBytes; i++) data[i] = (index * 7 + term * 13 + i) & 0xff;
    result.push({ term, index, type: index % 5 === 0 ? EntryType.ConfChange : EntryType.Normal, data });
  }
  return result;
}

/** Opens a WAL with test-sized segments. */
export async function openWal(dir: string, options: Partial<WalOptions> = {}): Promise<{ wal: Wal; replay: WalReplay }> {
  const opened = await Wal.open({ dir, segmentBytes: TEST_SEGMENT_BYTES, ringBytes: 1 << 20, ...options });
  openedWals.add(opened.wal);
  return opened;
}

/** Appends, waiting for ring space if needed; returns the batch seq. */
export async function append(wal: Wal, batch: Entry[], hardState?: HardState): Promise<number> {
  for (;;) {
    const seq = wal.append(batch, hardState);
    if (seq !== null) return seq;
    await wal.whenWritable(batchBytes(batch, hardState));
  }
}

/** Appends and waits until durable, so each call lands in its own commit group. */
export async function appendDurably(wal: Wal, batch: Entry[], hardState?: HardState): Promise<number> {
  const seq = await append(wal, batch, hardState);
  await wal.whenDurable(seq);
  return seq;
}

/** Saves a snapshot marker and waits until durable. */
export async function snapshotDurably(wal: Wal, meta: SnapshotMeta): Promise<number> {
  let seq = wal.saveSnapshot(meta);
  while (seq === null) {
    await wal.whenWritable(snapshotBatchBytes(meta));
    seq = wal.saveSnapshot(meta);
  }
  await wal.whenDurable(seq);
  return seq;
}

/** The segment files in `dir`, oldest first. */
export function segmentFiles(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.endsWith('.wal')).sort();
}
