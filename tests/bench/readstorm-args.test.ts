/** The read-storm benchmark's command line, and the keys it loads. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyOf, KEY_PREFIX, KEY_RANGE_END } from '../../bench/readstorm/key-loader.js';
import { parseReadStormArgs, READSTORM_DEFAULTS } from '../../bench/readstorm/readstorm-args.js';
import { UsageError } from '../../bench/load/load-options.js';

test('with no flags it runs the issue\'s storm on cairn then etcd: 100k keys of 512 B, 20 s, 4 range and 4 HashKV clients', () => {
  const plan = parseReadStormArgs([]);
  assert.deepEqual(plan.servers, ['cairn', 'etcd']);
  assert.equal(plan.keys, 100_000);
  assert.equal(plan.valueSize, 512);
  assert.equal(plan.durationSeconds, 20);
  assert.equal(plan.rangeClients, 4);
  assert.equal(plan.hashKvClients, 4);
  assert.equal(plan.probeIntervalMs, 100);
  assert.equal(plan.probeTimeoutMs, 5000);
  assert.equal(plan.name, 'readstorm');
});

test('one server gets its own results name, so it never overwrites a side-by-side run', () => {
  assert.deepEqual(parseReadStormArgs(['--server', 'etcd']).servers, ['etcd']);
  assert.equal(parseReadStormArgs(['--server', 'etcd']).name, 'readstorm-etcd');
  assert.equal(parseReadStormArgs(['--server=cairn']).name, 'readstorm-cairn');
  assert.equal(parseReadStormArgs(['--server', 'both']).name, READSTORM_DEFAULTS.name);
  assert.equal(parseReadStormArgs(['--server', 'etcd', '--name', 'mine']).name, 'mine');
});

test('sizes and counts reach the plan; nonsense is refused with the flag named', () => {
  const plan = parseReadStormArgs(['--keys', '10000', '--duration', '5', '--range-clients', '2', '--hashkv-clients=0', '--value-size', '64']);
  assert.deepEqual([plan.keys, plan.durationSeconds, plan.rangeClients, plan.hashKvClients, plan.valueSize], [10_000, 5, 2, 0, 64]);
  assert.throws(() => parseReadStormArgs(['--server', 'zookeeper']), /--server is cairn, etcd or both/);
  assert.throws(() => parseReadStormArgs(['--keys', '0']), /--keys/);
  assert.throws(() => parseReadStormArgs(['--range-clients', '0', '--hashkv-clients', '0']), /no storm/);
  assert.throws(() => parseReadStormArgs(['--burst']), UsageError);
});

test('keys are zero-padded so they sort as numbers, and all of them lie in the prefix range', () => {
  assert.equal(keyOf(1, 100_000), 'key/000001');
  assert.equal(keyOf(100_000, 100_000), 'key/100000');
  assert.equal(keyOf(7, 1_000_000), 'key/0000007');
  for (const key of [keyOf(1, 10), keyOf(100_000, 100_000)]) assert.ok(key.startsWith(KEY_PREFIX) && key >= KEY_PREFIX && key < KEY_RANGE_END, key);
  assert.ok(keyOf(9, 100_000) < keyOf(10, 100_000));
});
