/**
 * The orchestrator end to end, kept short: a fresh 3-member cairn cluster, one 2-second step of
 * the standard workload over the native protocol, then the files and the one JSON line it promises.
 * Checks shapes and that requests succeeded, never how fast they were.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BenchResult } from '../../bench/cluster/bench-result.js';

const RUN_BENCH = fileURLToPath(new URL('../../bench/cluster/run-bench.js', import.meta.url));

test('bench:cluster writes the results file, summary and charts, and ends with one JSON line', async () => {
  const resultsDir = mkdtempSync(join(tmpdir(), 'cairn-bench-results-'));
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [RUN_BENCH,
      '--duration', '2', '--warmup', '0.5', '--concurrency', '8', '--name', 'smoke', '--results-dir', resultsDir], { timeout: 60_000 });
    const lines = stdout.trim().split('\n');
    const headline = JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
    for (const field of ['ops_per_sec', 'p50_ms', 'p99_ms', 'p999_ms', 'errors']) assert.equal(typeof headline[field], 'number', field);
    assert.equal(headline.errors, 0);
    assert.ok((headline.ops_per_sec as number) > 0);
    const files = readdirSync(resultsDir).sort();
    const base = files.find((file) => /^\d{4}-\d{2}-\d{2}-smoke\.json$/.test(file))!.replace(/\.json$/, '');
    assert.deepEqual(files, [`${base}-latency.svg`, `${base}-throughput.svg`, `${base}.json`, `${base}.md`]);
    const result = JSON.parse(readFileSync(join(resultsDir, `${base}.json`), 'utf8')) as BenchResult;
    assert.equal(result.runs.length, 1);
    const [step] = result.runs[0]!.steps;
    assert.equal(step!.concurrency, 8);
    assert.equal(step!.latency.count, step!.ops);
    assert.deepEqual(Object.keys(step!.members), ['m1', 'm2', 'm3']);
    assert.equal(Object.values(step!.members).filter((member) => member.leader).length, 1);
    assert.ok(step!.samples.length > 0);
    assert.ok(Object.values(result.runs[0]!.bytes_on_disk).every((bytes) => bytes > 0));
    assert.match(readFileSync(join(resultsDir, `${base}.md`), 'utf8'), /### cairn-native/);
  } finally {
    rmSync(resultsDir, { recursive: true, force: true });
  }
});
