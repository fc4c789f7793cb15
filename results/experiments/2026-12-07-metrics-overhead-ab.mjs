// A/B in one process: the same batches of 1000 puts applied by MvccStore.applyEntries, before and
// after the metrics change, alternating, so machine load hits both alike.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
const sides = {
  before: '/tmp/cairn-before/dist/engine/',
  after: '/work/wt/metrics-deploy/dist/engine/',
};
const BATCH = 1000, ROUNDS = 30;
const keys = Array.from({ length: 100000 }, () => randomBytes(8));
const value = randomBytes(256);
const stores = {};
for (const [side, root] of Object.entries(sides)) {
  const { MvccStore } = await import(root + 'mvcc/store.js');
  const { encodeInternalRequest } = await import(root + 'mvcc/request.js');
  const dir = mkdtempSync(join(tmpdir(), `ab-${side}-`));
  stores[side] = { store: new MvccStore(dir), encodeInternalRequest, dir, index: 0, ms: [] };
}
function batch(s) {
  const entries = [];
  for (let i = 0; i < BATCH; i++) {
    s.index++;
    entries.push({ type: 0, index: s.index, term: 1, data: s.encodeInternalRequest({ put: { key: keys[(Math.random() * keys.length) | 0], value, lease: 0 } }) });
  }
  return entries;
}
for (let r = 0; r < ROUNDS; r++) {
  for (const side of r % 2 === 0 ? ['before', 'after'] : ['after', 'before']) {
    const s = stores[side];
    const entries = batch(s);
    const t = performance.now();
    s.store.applyEntries(entries);
    s.ms.push(performance.now() - t);
  }
}
for (const [side, s] of Object.entries(stores)) {
  const sorted = s.ms.slice(5).sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1];
  console.log(side, 'median ms per 1000-put batch', median.toFixed(2), 'puts/s', Math.round(BATCH / median * 1000));
  await s.store.close();
  rmSync(s.dir, { recursive: true, force: true });
}
