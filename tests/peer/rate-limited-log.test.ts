import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimitedLog } from '../../net/peer/rate-limited-log.js';

test('a rate-limited log writes at most its lines per window and reports how many it held back', () => {
  const lines: string[] = [];
  let nowMs = 0;
  const log = new RateLimitedLog((line) => lines.push(line), 2, 1000, () => nowMs);
  for (let i = 0; i < 5; i++) log.log(`line ${i}`);
  assert.deepEqual(lines, ['line 0', 'line 1']);
  nowMs = 999;
  log.log('line 5');
  assert.equal(lines.length, 2);
  nowMs = 1000;
  log.log('line 6');
  log.log('line 7');
  assert.deepEqual(lines.slice(2), ['line 6 (4 similar lines not logged)', 'line 7']);
});
