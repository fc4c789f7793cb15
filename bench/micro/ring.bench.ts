/**
 * Ring hop cost: one record main thread -> worker -> main thread through two ByteRings, with the
 * worker sleeping in Atomics.wait between records (the realistic case for a WAL or apply worker
 * that is idle), and the pipelined throughput of records pushed in batches.
 */
import { Bench } from 'tinybench';
import { Worker } from 'node:worker_threads';
import { createRingBuffer, RingReader, RingWriter } from '../../engine/ring/byte-ring.js';
import { figuresFromBench, writeMicroReport, type Figure } from './report.js';

const input = createRingBuffer(1 << 20);
const output = createRingBuffer(1 << 20);
const worker = new Worker(new URL('../../tests/ring/echo-worker.js', import.meta.url), {
  workerData: { input, output, recordsTotal: Number.MAX_SAFE_INTEGER },
});
const writer = new RingWriter(input);
const reader = new RingReader(output);
const record = new Uint8Array(64);

async function roundTrip(records: number): Promise<void> {
  let sent = 0;
  let received = 0;
  while (received < records) {
    while (sent < records && writer.tryWrite(record)) sent++;
    writer.publish();
    if (!reader.hasData()) await reader.waitForDataAsync();
    received += reader.drain(() => {});
  }
}

const bench = new Bench({ time: 2000, warmup: true });
bench.add('ring hop: 1 record of 64 B, round trip', async () => { await roundTrip(1); });
bench.add('ring hop: 1024 records of 64 B, round trip', async () => { await roundTrip(1024); });
await bench.run();
const figures: Figure[] = figuresFromBench(bench, 'round trips/s');
const batch = figures[1]!;
figures.push({ name: 'ring pipelined throughput (64 B records, batches of 1024)', value: batch.value * 1024, unit: 'records/s' });
writeMicroReport('ring', figures, ['The worker sleeps in Atomics.wait when idle; the main thread wakes with Atomics.waitAsync.']);
await worker.terminate();
