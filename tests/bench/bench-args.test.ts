/** The orchestrator's command line: targets, protocols, --compare, the sweep and how a step is shaped. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMPARE_CONFIGURATIONS, CONCURRENCIES_DEFAULT, parseBenchArgs, stepShape } from '../../bench/cluster/bench-args.js';
import { UsageError } from '../../bench/load/load-options.js';

test('with no flags it runs the standard workload against cairn over the native protocol', () => {
  const plan = parseBenchArgs([]);
  assert.deepEqual(plan.configurations, [{ target: 'cairn', protocol: 'native' }]);
  assert.equal(plan.name, 'cairn-native-put');
  assert.equal(plan.members, 3);
  assert.deepEqual(plan.concurrencies, CONCURRENCIES_DEFAULT);
  assert.equal(plan.load.keySize, 8);
  assert.equal(plan.load.valueSize, 256);
  assert.equal(plan.load.keySpace, 100_000);
});

test('--duration and the other load flags reach the workload', () => {
  const plan = parseBenchArgs(['--duration', '60', '--warmup=3', '--value-size', '1024', '--mix', 'put=1,range=1', '--concurrency', '8,32']);
  assert.equal(plan.load.durationSeconds, 60);
  assert.equal(plan.load.warmupSeconds, 3);
  assert.equal(plan.load.valueSize, 1024);
  assert.deepEqual(plan.concurrencies, [8, 32]);
  assert.equal(plan.name, 'cairn-native-mixed');
});

test('--target etcd speaks gRPC; asking it for the native protocol is refused', () => {
  assert.deepEqual(parseBenchArgs(['--target', 'etcd']).configurations, [{ target: 'etcd', protocol: 'grpc' }]);
  assert.throws(() => parseBenchArgs(['--target', 'etcd', '--protocol', 'native']), /gRPC only/);
  assert.deepEqual(parseBenchArgs(['--protocol', 'grpc']).configurations, [{ target: 'cairn', protocol: 'grpc' }]);
});

test('--compare runs cairn-native, cairn-grpc and etcd-grpc, etcd last as the reference', () => {
  const plan = parseBenchArgs(['--compare']);
  assert.deepEqual(plan.configurations, COMPARE_CONFIGURATIONS);
  assert.equal(plan.configurations.at(-1)!.target, 'etcd');
  assert.equal(plan.name, 'compare-put');
  assert.throws(() => parseBenchArgs(['--compare', '--target', 'etcd']), UsageError);
});

test('bad values and flags the orchestrator owns are refused', () => {
  assert.throws(() => parseBenchArgs(['--concurrency', '8,x']), UsageError);
  assert.throws(() => parseBenchArgs(['--concurrency', '0']), UsageError);
  assert.throws(() => parseBenchArgs(['--endpoints', 'a:1']), /starts its own cluster/);
  assert.throws(() => parseBenchArgs(['--name', '../escape']), UsageError);
  assert.throws(() => parseBenchArgs(['--nope']), /unknown flag/);
});

test('a step spreads its concurrency over at most connections-max connections, never more processes than connections', () => {
  assert.deepEqual(stepShape(256, 16, 2), { connections: 16, depth: 16, processes: 2 });
  assert.deepEqual(stepShape(8, 16, 2), { connections: 8, depth: 1, processes: 2 });
  assert.deepEqual(stepShape(1, 16, 2), { connections: 1, depth: 1, processes: 1 });
  // Not divisible: rounded up, and the step reports the concurrency it really ran (connections x depth).
  assert.deepEqual(stepShape(100, 16, 1), { connections: 16, depth: 7, processes: 1 });
});
