/**
 * WAL write path: entries of 256 bytes appended and made durable (fdatasync) through the WAL
 * worker. Two views:
 * - throughput: batches of 1, 16, 256 and 4096 entries appended as fast as the ring accepts them
 *   for a fixed time (a timed loop: group commit merges whatever queues up during each fdatasync);
 *   reports entries/s, MB/s, fdatasyncs/s and entries per fdatasync;
 * - latency (tinybench): one batch of 1 entry appended and awaited until durable, one at a time,
 *   the cost a lone proposal pays; and 64 such batches at once, which share fdatasyncs.
 * Runs in a temp dir under /tmp (removed afterwards), with the default 64 MiB segments.
 */
import { Bench } from 'tinybench';
import { mkdtempSync, rmSync } from 'node:fs';
import { EntryType, type Entry } from '../../engine/raft/types.js';
import { batchBytes, Wal } from '../../engine/wal/wal.js';
import { figuresFromBench, writeMicroReport, type Figure } from './report.js';

const DATA_BYTES = 256;
const BATCH_SIZES = [1, 16, 256, 4096];
const THROUGHPUT_WINDOW_MS = 3000;
/** Proposals from many clients arriving together: they should share one fdatasync. */
const CONCURRENT_BATCHES = 64;
const data = new Uint8Array(DATA_BYTES).fill(0x61);

function batchAt(first: number, size: number): Entry[] {
  const batch: Entry[] = [];
  for (let index = first; index < first + size; index++) batch.push({ term: 1, index, type: EntryType.Normal, data });
  return batch;
}

/** Appends batches of `size` for the window, then waits for the last to be durable. */
async function throughput(size: number): Promise<Figure[]> {
  const dir = mkdtempSync('/tmp/wal-bench-');
  const { wal } = await Wal.open({ dir });
  try {
    let next = 1;
    let lastSeq = 0;
    const before = wal.stats();
    const startedMs = performance.now();
    while (performance.now() - startedMs < THROUGHPUT_WINDOW_MS) {
      const batch = batchAt(next, size);
      const seq = wal.append(batch);
      if (seq === null) { await wal.whenWritable(batchBytes(batch)); continue; }
      lastSeq = seq;
      next += size;
      // Let the event loop breathe now and then, as a server's would between requests.
      if (seq % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await wal.whenDurable(lastSeq);
    const seconds = (performance.now() - startedMs) / 1000;
    const after = wal.stats();
    const entries = after.entries - before.entries;
    const fsyncs = after.fsyncs - before.fsyncs;
    const detail = {
      batch_entries: size,
      entries_per_fsync: entries / fsyncs,
      batches_per_fsync: (after.batches - before.batches) / fsyncs,
      fsyncs_per_s: fsyncs / seconds,
      disk_mb_per_s: (after.bytesWritten - before.bytesWritten) / seconds / 1e6,
    };
    return [
      { name: `append+fdatasync, batches of ${size} x ${DATA_BYTES} B`, value: entries / seconds, unit: 'entries/s', detail },
      { name: `append+fdatasync, batches of ${size} x ${DATA_BYTES} B (payload)`, value: (entries * DATA_BYTES) / seconds / 1e6, unit: 'MB/s' },
    ];
  } finally {
    await wal.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function latency(): Promise<Figure[]> {
  const dir = mkdtempSync('/tmp/wal-bench-');
  const { wal } = await Wal.open({ dir });
  try {
    let next = 1;
    const bench = new Bench({ time: 2000, warmup: true });
    bench.add('append 1 x 256 B and await durable (one at a time)', async () => {
      const seq = wal.append(batchAt(next++, 1));
      if (seq === null) throw new Error('ring full with one batch in flight');
      await wal.whenDurable(seq);
    });
    bench.add(`append ${CONCURRENT_BATCHES} x (1 x 256 B) at once and await all durable`, async () => {
      const seqs: number[] = [];
      for (let i = 0; i < CONCURRENT_BATCHES; i++) {
        const seq = wal.append(batchAt(next++, 1));
        if (seq === null) throw new Error('ring full with one round in flight');
        seqs.push(seq);
      }
      await Promise.all(seqs.map((seq) => wal.whenDurable(seq)));
    });
    await bench.run();
    const figures = figuresFromBench(bench, 'rounds/s');
    figures.push({ name: `${CONCURRENT_BATCHES} concurrent 1-entry batches, durable`, value: figures[1]!.value * CONCURRENT_BATCHES, unit: 'entries/s' });
    return figures;
  } finally {
    await wal.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const figures: Figure[] = [];
for (const size of BATCH_SIZES) figures.push(...(await throughput(size)));
figures.push(...(await latency()));
writeMicroReport('wal', figures, [
  `Throughput: a ${THROUGHPUT_WINDOW_MS / 1000} s window of pipelined appends (default 4 MiB ring, which bounds one group), timed until the last batch is durable.`,
  'One fdatasync per group commit (plus one per new 64 MiB segment); segments are zero-filled ahead of time.',
  'disk_mb_per_s counts frame bytes written (entry headers, hard states, commit frames included).',
]);
