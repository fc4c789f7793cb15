/**
 * Runs every micro-benchmark suite, one child process each (so one suite's heap, workers and
 * JIT state never skew the next), and fails if any suite fails. Suites are the files
 * bench/micro/*.bench.js; each writes its own results/micro-<suite>.* files.
 */
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const suites = readdirSync(here)
  .filter((file) => file.endsWith('.bench.js'))
  .filter((file) => only.length === 0 || only.some((name) => file.startsWith(name)))
  .sort();
let failed = 0;
for (const suite of suites) {
  process.stdout.write(`\n=== ${suite}\n`);
  const run = spawnSync(process.execPath, [here + suite], { stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
if (suites.length === 0) {
  process.stderr.write(`no benchmark suite matches ${only.join(' ')}\n`);
  process.exit(1);
}
process.exit(failed === 0 ? 0 : 1);
