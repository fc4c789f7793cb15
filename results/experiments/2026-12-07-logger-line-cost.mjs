// What one log line costs the thread that logs it, the hand-written zap writer (before) against
// the pino one (after): a warn line with two fields (etcd's "slow fdatasync"), written
// synchronously to a file, and a call at a level that is off (debug at --log-level info).
// Sides alternate round by round. Usage: node <this> <before dist root> <after dist root> [rounds]
// LOG_TO=/dev/null leaves the disk out, to compare the formatting alone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [beforeRoot, afterRoot, roundsText = '6'] = process.argv.slice(2);
const LINES = 20_000;
const OFF_CALLS = 2_000_000;
const dir = mkdtempSync(join(tmpdir(), 'logger-cost-'));
const sides = {};
for (const [side, root] of [['before', beforeRoot], ['after', afterRoot]]) {
  const { createLineLogger } = await import(`${root}/bin/log/line-logger.js`);
  const { openLogSinks } = await import(`${root}/bin/log/log-sinks.js`);
  const sinks = openLogSinks([process.env.LOG_TO ?? join(dir, `${side}.log`)]);
  sides[side] = { logger: createLineLogger({ kind: 'zap', level: 'info', fds: sinks.fds }, 'wal'), sinks, lineUs: [], offNs: [] };
}
for (let round = 0; round < Number(roundsText); round++) {
  for (const side of round % 2 === 0 ? ['before', 'after'] : ['after', 'before']) {
    const { logger, lineUs, offNs } = sides[side];
    let t = performance.now();
    for (let i = 0; i < LINES; i++) logger.warn('slow fdatasync', { took: '1.2345s', 'expected-duration': '1s' });
    lineUs.push(((performance.now() - t) * 1000) / LINES);
    t = performance.now();
    for (let i = 0; i < OFF_CALLS; i++) logger.debug('sent', { index: i });
    offNs.push(((performance.now() - t) * 1e6) / OFF_CALLS);
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
for (const [side, { lineUs, offNs, sinks }] of Object.entries(sides)) {
  console.log(`${side}: ${median(lineUs).toFixed(2)} us per line written (runs ${lineUs.map((v) => v.toFixed(2)).join(' / ')}), ` +
    `${median(offNs).toFixed(1)} ns per call at a level that is off`);
  sinks.close();
}
rmSync(dir, { recursive: true, force: true });
