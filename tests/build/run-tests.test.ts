/**
 * `npm test` (bin/run-tests.mjs) runs every compiled test file exactly once: the files named as
 * safe to run two at a time in one run, every other file in a serial run, and a name in the
 * parallel list that matches no file is an error rather than a quiet move to the serial run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface RunTests {
  splitTests(root: string, parallel?: string[], longestFirst?: string[]): { parallel: string[]; serial: string[] };
  LONGEST_FIRST: string[];
  testFiles(root: string): string[];
}

// Plain JavaScript at the repository's root (it runs before anything is compiled); npm test runs there.
const { splitTests, testFiles, LONGEST_FIRST } = await import(pathToFileURL(resolve('bin/run-tests.mjs')).href) as RunTests;

function tree(files: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'run-tests-'));
  for (const file of files) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), '');
  }
  return root;
}

test('every test file lands in exactly one run: named folders and files in the parallel one, the rest serial', () => {
  const root = tree(['raft/a.test.js', 'raft/deep/b.test.js', 'raft/helper.js', 'raftish/c.test.js',
    'bench/one.test.js', 'bench/two.test.js', 'cluster/d.test.js']);
  try {
    const { parallel, serial } = splitTests(root, ['raft', 'bench/one.test.js']);
    assert.deepEqual(parallel, ['bench/one.test.js', 'raft/a.test.js', 'raft/deep/b.test.js']);
    assert.deepEqual(serial, ['bench/two.test.js', 'cluster/d.test.js', 'raftish/c.test.js']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the longest parallel files are started first, the rest in name order', () => {
  const root = tree(['raft/a.test.js', 'raft/b.test.js', 'sim/long.test.js']);
  try {
    assert.deepEqual(splitTests(root, ['raft', 'sim'], ['sim/long.test.js']).parallel, ['sim/long.test.js', 'raft/a.test.js', 'raft/b.test.js']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a parallel entry that matches no test file is refused', () => {
  const root = tree(['raft/a.test.js']);
  try {
    assert.throws(() => splitTests(root, ['raft', 'renamed']), /no test file under renamed/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the repository\'s own parallel list names only folders and files that hold tests', () => {
  const { parallel, serial } = splitTests(join('dist', 'tests'));
  assert.equal(parallel.length + serial.length, testFiles(join('dist', 'tests')).length);
  assert.ok(serial.includes('cluster/failover.test.js'), 'multi-member tests run one at a time');
  assert.deepEqual(parallel.slice(0, LONGEST_FIRST.length), LONGEST_FIRST, 'the longest files start first');
});
