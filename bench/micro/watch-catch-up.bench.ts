/**
 * Watch catch-up from history on one member's thread: 1,000 watchers created at a start revision
 * 1,000 revisions in the past (as after a congested stream, or clients resuming after a restart),
 * reading a real LMDB store through the apply worker until every watcher is synced. The sink takes the
 * responses without encoding them, so the figures are the hub's reads and matching.
 *
 * - one key: all 1,000 watchers watch the key every revision wrote (the fan-out benchmark's shape);
 * - own keys: each watcher watches one of 1,000 keys, each written once, so each gets one event.
 *
 * One iteration is one whole catch-up: a fresh hub, 10 streams x 100 watchers, and the turns until
 * all are synced. `history_reads` counts the hub's reads of LMDB per catch-up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { Applier } from '../../engine/mvcc/applier.js';
import { encodeInternalRequest } from '../../engine/mvcc/request.js';
import { EntryType } from '../../engine/raft/types.js';
import { WatchHub, type HistorySource } from '../../engine/watch/watch-hub.js';
import { figuresFromBench, writeMicroReport } from './report.js';

const WATCHERS = 1000;
const STREAMS = 10;
const REVISIONS = 1000;
const VALUE = Buffer.alloc(256, 'v');
const HOT_KEY = Buffer.from('hot');
const ownKey = (i: number): Buffer => Buffer.from(`own/${String(i).padStart(4, '0')}`);

/** A store with REVISIONS puts to `keyOf(i)` at revisions 2..REVISIONS+1. */
async function storeWith(keyOf: (i: number) => Buffer): Promise<{ reader: Applier; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'watch-catch-up-bench-'));
  const applier = await Applier.open({ path: dir });
  await applier.apply(Array.from({ length: REVISIONS }, (_, i) => ({
    index: i + 1, term: 1, type: EntryType.Normal, data: encodeInternalRequest({ put: { key: keyOf(i), value: VALUE } }),
  })));
  await applier.waitApplied(REVISIONS);
  return {
    reader: applier,
    close: async () => {
      await applier.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One catch-up: resolves with the LMDB reads it took once every watcher is synced. */
async function catchUp(reader: Applier, keyOf: (watcher: number) => Buffer, eventsExpected: number): Promise<number> {
  let reads = 0;
  const source: HistorySource = {
    history: (from, to, max, withPrevKv) => {
      reads++;
      return reader.history(from, to, max, withPrevKv);
    },
  };
  const hub = new WatchHub(source, { revision: REVISIONS + 1 });
  for (let s = 0; s < STREAMS; s++) {
    const stream = hub.openStream({ send: () => true });
    for (let w = 0; w < WATCHERS / STREAMS; w++) stream.create({ key: keyOf(s * (WATCHERS / STREAMS) + w), start_revision: 2 });
  }
  while (hub.stats().synced < WATCHERS) await new Promise((resolve) => setImmediate(resolve));
  if (hub.stats().eventsSent !== eventsExpected) throw new Error(`sent ${hub.stats().eventsSent} events, expected ${eventsExpected}`);
  hub.close();
  return reads;
}

const hot = await storeWith(() => HOT_KEY);
const own = await storeWith(ownKey);
const readsPerCatchUp: Record<string, number> = {};
const cases: [string, Applier, (watcher: number) => Buffer, number][] = [
  [`one key: ${WATCHERS} watchers x ${REVISIONS} events`, hot.reader, () => HOT_KEY, WATCHERS * REVISIONS],
  [`own keys: ${WATCHERS} watchers x 1 event among ${REVISIONS}`, own.reader, ownKey, WATCHERS],
];
const bench = new Bench({ time: 3000, iterations: 5, warmup: true });
for (const [name, reader, keyOf, expected] of cases) {
  readsPerCatchUp[name] = await catchUp(reader, keyOf, expected);
  bench.add(name, async () => { await catchUp(reader, keyOf, expected); });
}
await bench.run();
await hot.close();
await own.close();

const figures = figuresFromBench(bench, 'catch-ups/s').map((figure) => ({
  ...figure,
  detail: { ...figure.detail, history_reads: readsPerCatchUp[figure.name] ?? 0 },
}));
writeMicroReport('watch-catch-up', figures, [
  `${WATCHERS} watchers on ${STREAMS} streams, start revision 2, store at revision ${REVISIONS + 1} (${VALUE.length}-byte values); the hub reads at most 1,000 events per read.`,
  'Watchers owed the same revisions share each round\'s read (engine/watch/watch-hub.ts, catchUp); before that, each watcher read history for itself: ' +
    'see results/experiments/2026-12-02-watch-catch-up-ab.md for the same benchmark on the code before.',
]);
