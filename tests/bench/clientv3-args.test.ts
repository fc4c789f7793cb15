/** The clientv3 benchmark's command line, its schedule of rounds, and the generator command lines it builds. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENTV3_DEFAULTS, parseClientV3Args, scheduleOf, USAGE, wantsHelp } from '../../bench/clientv3/clientv3-args.js';
import { ALL_ROWS, MATRIX } from '../../bench/clientv3/clientv3-matrix.js';
import { preloadArgs, rowArgs } from '../../bench/clientv3/go-load.js';
import { UsageError } from '../../bench/load/load-options.js';

test('with no flags it runs issue #18\'s matrix on cairn and etcd, two rounds each, 100k keys of 8 B, 256 B values', () => {
  const plan = parseClientV3Args([]);
  assert.deepEqual(plan.servers, ['cairn', 'etcd']);
  assert.equal(plan.rounds, 2);
  assert.deepEqual(plan.rows.map((row) => row.name), ['put-1', 'put-8', 'put-100', 'put-1000', 'range-8', 'txn-8', 'put-100-10']);
  assert.deepEqual([plan.keySpace, plan.keySize, plan.valueSize, plan.members], [100_000, 8, 256, 3]);
  assert.deepEqual([plan.durationSeconds, plan.warmupSeconds], [10, 2]);
  assert.equal(plan.name, 'compare');
});

test('the matrix has the issue\'s shapes: 1,000 clients share 100 connections, one row packs 100 clients onto 10', () => {
  const shape = Object.fromEntries(MATRIX.map((row) => [row.name, `${row.workload}${row.consistency ?? ''} ${row.clients}/${row.conns}`]));
  assert.deepEqual(shape, {
    'put-1': 'put 1/1', 'put-8': 'put 8/8', 'put-100': 'put 100/100', 'put-1000': 'put 1000/100',
    'range-8': 'rangel 8/8', 'txn-8': 'txn 8/8', 'put-100-10': 'put 100/10',
  });
  assert.equal(new Set(ALL_ROWS.map((row) => row.name)).size, ALL_ROWS.length);
});

test('rounds alternate servers: cairn, etcd, cairn, etcd', () => {
  assert.deepEqual(scheduleOf(parseClientV3Args([])).map((slot) => `${slot.server} ${slot.round}`), ['cairn 1', 'etcd 1', 'cairn 2', 'etcd 2']);
  assert.deepEqual(scheduleOf(parseClientV3Args(['--servers', 'etcd,cairn', '--rounds', '1'])).map((slot) => slot.server), ['etcd', 'cairn']);
});

test('--quick is a short smoke run under its own name, and flags beside it still win wherever they stand', () => {
  const quick = parseClientV3Args(['--quick']);
  assert.deepEqual([quick.rounds, quick.durationSeconds, quick.warmupSeconds, quick.keySpace, quick.name], [1, 1, 0.5, 1000, 'quick']);
  assert.deepEqual(quick.rows, CLIENTV3_DEFAULTS.rows);
  const overridden = parseClientV3Args(['--duration', '3', '--quick', '--rounds=2']);
  assert.deepEqual([overridden.durationSeconds, overridden.rounds, overridden.keySpace], [3, 2, 1000]);
});

test('one server alone gets its own results name, so it never overwrites a side-by-side run', () => {
  assert.equal(parseClientV3Args(['--servers', 'etcd']).name, 'compare-etcd');
  assert.equal(parseClientV3Args(['--servers', 'cairn', '--quick']).name, 'quick-cairn');
  assert.equal(parseClientV3Args(['--servers', 'cairn', '--name', 'mine']).name, 'mine');
});

test('rows are chosen by name, the serializable range included; nonsense is refused with the flag named', () => {
  assert.deepEqual(parseClientV3Args(['--rows', 'txn-8,range-serializable-8']).rows.map((row) => row.name), ['txn-8', 'range-serializable-8']);
  assert.throws(() => parseClientV3Args(['--rows', 'put-2']), /--rows: unknown row "put-2"/);
  assert.throws(() => parseClientV3Args(['--servers', 'zookeeper']), /--servers is cairn, etcd/);
  assert.throws(() => parseClientV3Args(['--servers', 'etcd,etcd']), /--servers/);
  assert.throws(() => parseClientV3Args(['--rounds', '0']), /--rounds/);
  assert.throws(() => parseClientV3Args(['--key-space', '1001', '--key-size', '3']), /needs keys longer/);
  assert.throws(() => parseClientV3Args(['--name', '../x']), /--name/);
  assert.throws(() => parseClientV3Args(['--endpoints', 'a:1']), UsageError);
});

test('--help is found anywhere on the line and the usage names every row', () => {
  assert.equal(wantsHelp(['--quick', '--help']), true);
  assert.equal(wantsHelp(['-h']), true);
  assert.equal(wantsHelp(['--quick']), false);
  for (const row of ALL_ROWS) assert.match(USAGE, new RegExp(row.name));
});

test('each row becomes the generator\'s flags, named as etcd\'s benchmark names them', () => {
  const shape = { endpoints: ['127.0.0.1:1', '127.0.0.1:2'], keySpace: 100_000, keySize: 8, valueSize: 256, durationSeconds: 10, warmupSeconds: 2 };
  const range = MATRIX.find((row) => row.name === 'range-8')!;
  assert.deepEqual(rowArgs(range, shape), [
    'range', '--endpoints', '127.0.0.1:1,127.0.0.1:2', '--key-space-size', '100000', '--key-size', '8', '--val-size', '256',
    '--clients', '8', '--conns', '8', '--consistency', 'l', '--duration', '10s', '--warmup', '2s',
  ]);
  const put = MATRIX.find((row) => row.name === 'put-1000')!;
  assert.deepEqual(rowArgs(put, { ...shape, durationSeconds: 0.5, warmupSeconds: 0 }).slice(9), ['--clients', '1000', '--conns', '100', '--duration', '0.5s', '--warmup', '0s']);
  assert.deepEqual(preloadArgs(shape, 16).slice(-4), ['--clients', '16', '--conns', '4']);
  assert.deepEqual(preloadArgs(shape, 2).slice(-4), ['--clients', '2', '--conns', '2']);
});
