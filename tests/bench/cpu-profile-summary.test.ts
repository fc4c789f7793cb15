import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sourceOf, summarizeProfile, summaryMarkdown, threadOf, type CpuProfile } from '../../flamegraphs/cpu-profile-summary.js';

/** root(1) -> idle(2), gc(3), work(4) -> inner(5); samples with deltas in microseconds. */
function profile(workerUrl: string): CpuProfile {
  const frame = (functionName: string, url = '', lineNumber = -1) => ({ functionName, url, lineNumber });
  return {
    nodes: [
      { id: 1, callFrame: frame('(root)') },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('(garbage collector)') },
      { id: 4, callFrame: frame('work', workerUrl, 9) },
      { id: 5, callFrame: frame('inner', 'file:///proj/dist/engine/x.js', 0) },
    ],
    startTime: 0,
    endTime: 10_000,
    samples: [4, 5, 5, 2, 3, 4],
    // V8 gives each sample's delta from the previous one; a sample's time is the next delta.
    timeDeltas: [0, 1000, 2000, 3000, 500, 1500],
  };
}

test('self time per function, idle and GC are split out, and functions are ranked with their share of wall time', () => {
  const summary = summarizeProfile(profile('file:///proj/dist/engine/wal/wal-worker.js'), '/proj/');
  assert.equal(summary.thread, 'WAL worker');
  assert.equal(summary.durationMs, 10);
  assert.equal(summary.idleMs, 0.5);
  assert.equal(summary.gcMs, 1.5);
  assert.deepEqual(summary.top.map((f) => [f.name, f.location, f.selfMs, f.percent]), [
    ['inner', 'dist/engine/x.js:1', 5, 50],
    ['(garbage collector)', '(native)', 1.5, 15],
    ['work', 'dist/engine/wal/wal-worker.js:10', 1, 10],
  ]);
  assert.equal(summary.busyMs, 7.5);
  assert.match(summaryMarkdown([summary]), /### WAL worker\n\n0\.0 s profiled: busy 0\.0 s \(75%\)/);
});

test('threads are named by the cairn script they ran', () => {
  assert.equal(threadOf(profile('file:///p/dist/engine/mvcc/apply-worker.js')), 'apply worker');
  assert.equal(threadOf(profile('file:///p/dist/engine/snapshot/snapshot-pool-worker.js')), 'snapshot pool worker');
  assert.equal(threadOf(profile('file:///p/dist/bin/cairn.js')), 'main');
  assert.equal(threadOf(profile('file:///p/elsewhere.js')), 'other thread');
});

test('a window keeps only the samples taken inside it, and its length is the duration', () => {
  const summary = summarizeProfile(profile('file:///proj/dist/engine/wal/wal-worker.js'), '/proj/', 15, { fromUs: 1000, toUs: 6000 });
  assert.equal(summary.durationMs, 5);
  assert.equal(summary.idleMs, 0.5);
  assert.equal(summary.gcMs, 0);
  assert.deepEqual(summary.top.map((f) => [f.name, f.selfMs]), [['inner', 5]]);
  assert.deepEqual(summary.bySource, [{ source: 'engine', selfMs: 5 }]);
});

test('self time is grouped by where the code comes from', () => {
  assert.equal(sourceOf('file:///proj/node_modules/@grpc/grpc-js/build/src/server.js', 'f', '/proj/'), '@grpc/grpc-js');
  assert.equal(sourceOf('file:///proj/node_modules/msgpackr/pack.js', 'pack', '/proj/'), 'msgpackr');
  assert.equal(sourceOf('node:internal/streams/readable', 'push', '/proj/'), 'node internals');
  assert.equal(sourceOf('file:///proj/dist/net/grpc/raw/keepalive-stream.js', 'onData', '/proj/'), 'net/grpc');
  assert.equal(sourceOf('file:///proj/dist-bench/engine/lease/lessor.js', 'renew', '/proj/'), 'engine/lease');
  assert.equal(sourceOf('', '(program)', '/proj/'), '(program)');
  assert.equal(sourceOf('', 'writev', '/proj/'), '(native)');
});
