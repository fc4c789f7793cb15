/**
 * MVCC store figures: puts applied per second by the apply worker (batches of 1000 put entries,
 * 256-byte values, 100k random 8-byte keys, each batch one LMDB transaction), and Range reads per
 * second answered by the apply worker (a single key, and a 100-key range), one at a time. Also
 * batches of 10 puts one at a time, where a per-batch fdatasync would dominate, and the time to
 * open the store (the key index is rebuilt from the kv table).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { Applier } from '../../engine/mvcc/applier.js';
import { MvccStore } from '../../engine/mvcc/store.js';
import { encodeInternalRequest } from '../../engine/mvcc/request.js';
import { EntryType, type Entry } from '../../engine/raft/types.js';
import { figuresFromBench, writeMicroReport, type Figure } from './report.js';

const KEY_SPACE = 100_000;
const KEY_BYTES = 8;
const VALUE_BYTES = 256;
const BATCH_PUTS = 1000;
const SMALL_BATCH_PUTS = 10;
const PIPELINED_BATCHES = 300;
const BATCHES_IN_FLIGHT = 4;
const RANGE_KEYS = 100;

const dir = mkdtempSync(join(tmpdir(), 'mvcc-bench-'));
const keys = Array.from({ length: KEY_SPACE }, () => randomBytes(KEY_BYTES));
const sortedKeys = [...keys].sort(Buffer.compare);
const value = randomBytes(VALUE_BYTES);
const applier = await Applier.open({ path: dir });
let nextIndex = 1;
// Entries reach the applier already encoded (they come from the Raft log): encode up front so the
// figures measure the hand-off and the apply, not msgpack on the main thread.
const DATA_POOL_SIZE = 50 * BATCH_PUTS;
const dataPool = Array.from({ length: DATA_POOL_SIZE },
  () => encodeInternalRequest({ put: { key: keys[Math.floor(Math.random() * KEY_SPACE)]!, value } }));
let nextData = 0;

function putBatch(size = BATCH_PUTS): Entry[] {
  return Array.from({ length: size }, () => ({
    index: nextIndex++,
    term: 1,
    type: EntryType.Normal,
    data: dataPool[nextData++ % DATA_POOL_SIZE]!,
  }));
}

// Load every key once so reads hit a full key space.
for (let start = 0; start < KEY_SPACE; start += BATCH_PUTS) {
  await applier.apply(keys.slice(start, start + BATCH_PUTS).map((key) => ({
    index: nextIndex++, term: 1, type: EntryType.Normal, data: encodeInternalRequest({ put: { key, value } }),
  })));
}
await applier.waitApplied(nextIndex - 1);

// Pipelined: keep a few batches in flight, as a leader applying a steady commit stream would.
const pipelineStart = process.hrtime.bigint();
for (let batch = 0; batch < PIPELINED_BATCHES; batch++) {
  await applier.apply(putBatch());
  if (batch >= BATCHES_IN_FLIGHT) await applier.waitApplied(nextIndex - 1 - BATCHES_IN_FLIGHT * BATCH_PUTS);
}
await applier.waitApplied(nextIndex - 1);
const pipelineSeconds = Number(process.hrtime.bigint() - pipelineStart) / 1e9;

const writes = new Bench({ time: 3000, warmup: true });
writes.add(`apply 1 batch of ${BATCH_PUTS} puts (${VALUE_BYTES} B values), round trip`, async () => {
  const batch = putBatch();
  await applier.apply(batch);
  await applier.waitApplied(batch[batch.length - 1]!.index);
});
await writes.run();

// Small batches, as a lightly loaded member applies them: here the commit's fdatasync dominates.
const smallWrites = new Bench({ time: 3000, warmup: true });
smallWrites.add(`apply 1 batch of ${SMALL_BATCH_PUTS} puts, round trip`, async () => {
  const batch = putBatch(SMALL_BATCH_PUTS);
  await applier.apply(batch);
  await applier.waitApplied(batch[batch.length - 1]!.index);
});
await smallWrites.run();

const reads = new Bench({ time: 2000, warmup: true });
reads.add('range: single key (read by the apply worker, round trip)', async () => {
  const key = keys[Math.floor(Math.random() * KEY_SPACE)]!;
  if ((await applier.read({ op: 'range', request: { key } })).response.count !== 1) throw new Error('key missing');
});
reads.add('range in pages: single key, as gRPC reads it (round trip)', async () => {
  const key = keys[Math.floor(Math.random() * KEY_SPACE)]!;
  const pages = await applier.rangeInPages({ key });
  if (pages.head.count !== 1 || !pages.head.last) throw new Error('key missing');
});
reads.add(`range in pages: ${RANGE_KEYS} keys, as gRPC reads it (round trip)`, async () => {
  const start = Math.floor(Math.random() * (KEY_SPACE - RANGE_KEYS));
  const pages = await applier.rangeInPages({ key: sortedKeys[start]!, range_end: sortedKeys[start + RANGE_KEYS]! });
  while (await pages.next() !== undefined);
  if (pages.head.kvs !== RANGE_KEYS) throw new Error(`range returned ${pages.head.kvs} keys`);
});
reads.add(`range: ${RANGE_KEYS} keys (read by the apply worker, round trip)`, async () => {
  const start = Math.floor(Math.random() * (KEY_SPACE - RANGE_KEYS));
  const request = { key: sortedKeys[start]!, range_end: sortedKeys[start + RANGE_KEYS]! };
  const { response } = await applier.read({ op: 'range', request });
  if (response.kvs.length !== RANGE_KEYS) throw new Error(`range returned ${response.kvs.length} keys`);
});
await reads.run();

// Opening the store rebuilds the key index from every kv row (as etcd rebuilds its treeIndex).
await applier.close();
const rows = nextIndex - 1;
const openMs: number[] = [];
for (let i = 0; i < 3; i++) {
  const start = process.hrtime.bigint();
  const store = new MvccStore(dir);
  openMs.push(Number(process.hrtime.bigint() - start) / 1e6);
  await store.close();
}
openMs.sort((a, b) => a - b);

const [batchFigure] = figuresFromBench(writes, 'batches/s');
const figures: Figure[] = [
  {
    name: `puts applied by the worker, pipelined (${BATCHES_IN_FLIGHT} batches of ${BATCH_PUTS} in flight)`,
    value: (PIPELINED_BATCHES * BATCH_PUTS) / pipelineSeconds,
    unit: 'puts/s',
    detail: { batches: PIPELINED_BATCHES, seconds: pipelineSeconds },
  },
  { ...batchFigure!, name: `puts applied by the worker, one batch at a time`, value: batchFigure!.value * BATCH_PUTS, unit: 'puts/s' },
  ...figuresFromBench(smallWrites, 'batches/s'),
  ...figuresFromBench(reads, 'ops/s'),
  {
    name: `open the store: rebuild the key index from ${rows} kv rows (${KEY_SPACE} keys), median of 3`,
    value: openMs[1]!, unit: 'ms', detail: { min_ms: openMs[0]!, max_ms: openMs[2]! },
  },
];
writeMicroReport('mvcc', figures, [
  `${KEY_SPACE} random ${KEY_BYTES}-byte keys, ${VALUE_BYTES}-byte values; one LMDB transaction (and commit) per batch (with its fdatasync).`,
  'Each put entry is an msgpack InternalRequest (encoded before timing, as entries come from the Raft log) crossing the entry ring; results come back over the report ring.',
  'Range figures: one read at a time through the entry ring to the apply worker (it holds the key index) and back over the report ring, a fresh read transaction per call, worker otherwise idle.',
]);
rmSync(dir, { recursive: true, force: true });
