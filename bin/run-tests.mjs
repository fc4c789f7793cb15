// Runs every compiled test file (dist/tests/**/*.test.js) in two node --test runs: first the files
// that neither start more than one Raft member nor depend on timing, two at a time; then all the
// others one at a time, as before. Most of the parallel group's time is process start-up (cairnctl
// beside etcdctl, go build, the simulator), CPU that a second core takes in half the time; the
// serial group holds the multi-member and timing tests (elections, lease TTLs, failovers), which
// must not share the machine with another test. A file not named below runs serially, so a new
// test is never skipped. Extra arguments (e.g. --test-reporter=tap) go to both runs.
// Plain JavaScript, like build-if-stale.mjs: `npm test` runs it from the repository's root.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Folders (or single files) under tests/ whose files may run two at a time: no member at all, or
 * one member only with nothing timed (ctl: one in-process member and the CLI tools; flags, wal,
 * mvcc: processes that are started, killed and read back; clientv3-smoke: a go build and one
 * member); the single files are codecs, argument parsers and other units of folders whose other
 * files start clusters.
 */
export const PARALLEL = [
  'build', 'checksum', 'ctl', 'flags', 'lin', 'log', 'mvcc', 'raft', 'ring', 'sim', 'snapshot', 'wal',
  'alarm/alarm-store.test.js',
  'bench/bench-args.test.js', 'bench/bench-result.test.js', 'bench/clientv3-args.test.js', 'bench/clientv3-result.test.js',
  'bench/clientv3-smoke.test.js', 'bench/cpu-profile-summary.test.js', 'bench/latency.test.js', 'bench/load-options.test.js',
  'bench/merge-results.test.js', 'bench/range-response-scan.test.js', 'bench/readstorm-args.test.js',
  'bench/readstorm-result.test.js', 'bench/readstorm-stats.test.js', 'bench/sampling.test.js', 'bench/workload.test.js',
  'gateway/cluster-encode.test.js', 'gateway/decode-errors.test.js', 'gateway/kv-decode.test.js', 'gateway/kv-encode.test.js',
  'gateway/lease-codec.test.js', 'gateway/routes.test.js', 'gateway/watch-codec.test.js',
  'grpc/authority-gate.test.js', 'grpc/hpack-rewrite.test.js', 'grpc/keepalive-codec.test.js', 'grpc/range-encode.test.js',
  'grpc/watch-encode.test.js',
  'lease/keepalive-batcher.test.js', 'lease/lease-server.test.js', 'lease/lessor.test.js',
  'metrics/exposition.test.js', 'metrics/registry.test.js', 'metrics/shared-metrics.test.js',
  'node/raft-error-mapping.test.js', 'node/raft-event-log.test.js', 'node/raft-message-shape.test.js',
  'node/read-index-batcher.test.js',
  'peer/rate-limited-log.test.js',
];
export const PARALLEL_CONCURRENCY = 2;
/**
 * The longest files of the parallel group, started first: a long file started last leaves one
 * slot idle while it runs alone (longest first keeps the two slots evenly busy).
 */
export const LONGEST_FIRST = ['sim/seeds-a.test.js', 'sim/seeds-b.test.js'];
const TIMEOUT_MS = 300_000;

/** Every *.test.js under `root`, relative to it with '/' separators, sorted. */
export function testFiles(root) {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.test.js')) found.push(relative(root, path).split(sep).join('/'));
    }
  };
  walk(root);
  return found.sort();
}

/**
 * The files of `root` split into { parallel, serial }, the parallel ones in `longestFirst`'s order
 * first. Throws when an entry of `parallel` matches no file: a renamed folder would otherwise
 * quietly fall back to the serial run.
 */
export function splitTests(root, parallel = PARALLEL, longestFirst = LONGEST_FIRST) {
  const files = testFiles(root);
  const inParallel = (file) => parallel.some((entry) => file === entry || file.startsWith(`${entry}/`));
  for (const entry of parallel) {
    if (!files.some((file) => file === entry || file.startsWith(`${entry}/`))) throw new Error(`run-tests: no test file under ${entry}`);
  }
  const rank = (file) => (longestFirst.includes(file) ? longestFirst.indexOf(file) : longestFirst.length);
  const inOrder = files.filter(inParallel).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return { parallel: inOrder, serial: files.filter((file) => !inParallel(file)) };
}

function run(root, files, concurrency, extra) {
  if (files.length === 0) return 0;
  const args = ['--test', `--test-concurrency=${concurrency}`, `--test-timeout=${TIMEOUT_MS}`, ...extra, ...files.map((file) => join(root, file))];
  return spawnSync(process.execPath, args, { stdio: 'inherit' }).status ?? 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join('dist', 'tests');
  const { parallel, serial } = splitTests(root);
  const extra = process.argv.slice(2);
  // Both runs always run, so one failure does not hide the other group's.
  const codes = [run(root, parallel, PARALLEL_CONCURRENCY, extra), run(root, serial, 1, extra)];
  process.exitCode = codes.find((code) => code !== 0) ?? 0;
}
