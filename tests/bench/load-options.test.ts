/** The load generator's command line: defaults, spellings, and the combinations it refuses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOAD_DEFAULTS, parseLoadArgs, parseMix, shareOf, UsageError } from '../../bench/load/load-options.js';

test('the defaults are the standard workload: 8-byte keys, 256-byte values, 100k random keys, puts, closed loop', () => {
  const options = parseLoadArgs(['--endpoints', 'ws://127.0.0.1:1/ws']);
  assert.deepEqual(options, { ...LOAD_DEFAULTS, endpoints: ['ws://127.0.0.1:1/ws'] });
  assert.equal(options.keySize, 8);
  assert.equal(options.valueSize, 256);
  assert.equal(options.keySpace, 100_000);
  assert.deepEqual(options.mix, { put: 1 });
  assert.equal(options.rate, 0);
});

test('flags take their value as the next argument or after =', () => {
  const options = parseLoadArgs(['--protocol=grpc', '--endpoints', 'a:1,b:2', '--connections', '6', '--depth=32',
    '--mix', 'put=80,range=20', '--rate', '2500.5', '--processes', '3', '--sequential', '--duration', '0.5', '--count', '10']);
  assert.equal(options.protocol, 'grpc');
  assert.deepEqual(options.endpoints, ['a:1', 'b:2']);
  assert.equal(options.connections, 6);
  assert.equal(options.depth, 32);
  assert.deepEqual(options.mix, { put: 80, range: 20 });
  assert.equal(options.rate, 2500.5);
  assert.equal(options.processes, 3);
  assert.equal(options.sequential, true);
  assert.equal(options.durationSeconds, 0.5);
  assert.equal(options.count, 10);
});

test('a mix names known operations; zero weights drop out; a single name weighs 1', () => {
  assert.deepEqual(parseMix('txn'), { txn: 1 });
  assert.deepEqual(parseMix('put=3,delete=0,range-serializable=1'), { put: 3, 'range-serializable': 1 });
  assert.throws(() => parseMix('get'), UsageError);
  assert.throws(() => parseMix('put=-1'), UsageError);
  assert.throws(() => parseMix('put=0'), /no positive weight/);
});

test('impossible combinations are refused before anything starts', () => {
  const endpoints = ['--endpoints', 'x:1'];
  assert.throws(() => parseLoadArgs([]), /--endpoints is required/);
  assert.throws(() => parseLoadArgs([...endpoints, '--connections', '2', '--processes', '3']), /cannot exceed --connections/);
  assert.throws(() => parseLoadArgs([...endpoints, '--key-size', '4', '--key-space', '100000']), /needs keys longer/);
  assert.doesNotThrow(() => parseLoadArgs([...endpoints, '--key-size', '5', '--key-space', '100000']));
  assert.throws(() => parseLoadArgs([...endpoints, '--depth', '0']), UsageError);
  assert.throws(() => parseLoadArgs([...endpoints, '--protocol', 'http']), UsageError);
  assert.throws(() => parseLoadArgs([...endpoints, '--bogus', '1']), /unknown flag/);
});

test('shares of a total over processes add up to the total, the first ones taking the remainder', () => {
  assert.deepEqual([0, 1, 2].map((i) => shareOf(10, 3, i)), [4, 3, 3]);
  assert.deepEqual([0, 1, 2, 3].map((i) => shareOf(2, 4, i)), [1, 1, 0, 0]);
});
