import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseServerFlags, type ParsedFlags } from '../../bin/server-flags.js';

function errorOf(parsed: ParsedFlags): { message: string; exitCode: number } {
  assert.equal(parsed.kind, 'error');
  const { message, exitCode } = parsed as Extract<ParsedFlags, { kind: 'error' }>;
  return { message, exitCode };
}

test('defaults are etcd\'s, with the data dir named <name>.cairn', () => {
  const parsed = parseServerFlags([]);
  assert.equal(parsed.kind, 'flags');
  const { flags } = parsed as Extract<ParsedFlags, { kind: 'flags' }>;
  assert.equal(flags.name, 'default');
  assert.equal(flags.dataDir, 'default.cairn');
  assert.deepEqual(flags.listenClientUrls, ['http://localhost:2379']);
  assert.deepEqual(flags.listenPeerUrls, ['http://localhost:2380']);
  assert.deepEqual([...flags.initialCluster], [['default', ['http://localhost:2380']]]);
  assert.equal(flags.heartbeatIntervalMs, 100);
  assert.equal(flags.electionTimeoutMs, 1000);
  assert.equal(flags.maxRequestBytes, 1572864);
  assert.equal(flags.maxTxnOps, 128);
  assert.equal(flags.initialClusterToken, 'etcd-cluster');
});

test('naming a member without an initial cluster founds a one-member cluster of it, as etcd does', () => {
  const parsed = parseServerFlags(['--name', 'solo', '--initial-advertise-peer-urls=http://127.0.0.1:7001']);
  const { flags } = parsed as Extract<ParsedFlags, { kind: 'flags' }>;
  assert.deepEqual([...flags.initialCluster], [['solo', ['http://127.0.0.1:7001']]]);
  assert.equal(flags.dataDir, 'solo.cairn');
});

test('both -flag and --flag, with = or a separate value, are accepted', () => {
  const parsed = parseServerFlags(['-name=a', '--heartbeat-interval', '50', '-election-timeout=500',
    '--initial-cluster', 'a=http://127.0.0.1:1,b=http://127.0.0.1:2,a=http://127.0.0.1:3']);
  const { flags } = parsed as Extract<ParsedFlags, { kind: 'flags' }>;
  assert.equal(flags.heartbeatIntervalMs, 50);
  assert.equal(flags.electionTimeoutMs, 500);
  assert.deepEqual(flags.initialCluster.get('a'), ['http://127.0.0.1:1', 'http://127.0.0.1:3']);
});

test('flag errors are worded as etcd 3.4 words them, with its exit codes', () => {
  assert.deepEqual(errorOf(parseServerFlags(['--foo'])), { message: 'flag provided but not defined: -foo', exitCode: 2 });
  assert.deepEqual(errorOf(parseServerFlags(['--heartbeat-interval', 'abc'])),
    { message: 'invalid value "abc" for flag -heartbeat-interval: parse error', exitCode: 2 });
  assert.deepEqual(errorOf(parseServerFlags(['--max-request-bytes', '-5'])),
    { message: 'invalid value "-5" for flag -max-request-bytes: parse error', exitCode: 2 });
  assert.deepEqual(errorOf(parseServerFlags(['--listen-client-urls', 'foo'])),
    { message: 'invalid value "foo" for flag -listen-client-urls: URL scheme must be http, https, unix, or unixs: foo', exitCode: 2 });
  assert.deepEqual(errorOf(parseServerFlags(['--initial-cluster-state', 'bad'])),
    { message: 'invalid value "bad" for flag -initial-cluster-state: invalid value', exitCode: 2 });
  assert.deepEqual(errorOf(parseServerFlags(['foo'])),
    { message: "cairn: error verifying flags, 'foo' is not a valid flag. See 'cairn --help'.", exitCode: 1 });
  assert.deepEqual(errorOf(parseServerFlags(['--heartbeat-interval', '100', '--election-timeout', '200'])), {
    message: "cairn: error verifying flags, --election-timeout[200ms] should be at least as 5 times as --heartbeat-interval[100ms]. See 'cairn --help'.",
    exitCode: 1,
  });
  assert.deepEqual(errorOf(parseServerFlags(['--election-timeout', '60000'])), {
    message: "cairn: error verifying flags, --election-timeout[60000ms] is too long, and should be set less than 50000ms. See 'cairn --help'.",
    exitCode: 1,
  });
  assert.deepEqual(errorOf(parseServerFlags(['--name', 'x', '--initial-cluster', 'y=http://127.0.0.1:1'])),
    { message: 'cairn: couldn\'t find local name "x" in the initial cluster configuration', exitCode: 1 });
});

test('flags cairn does not implement yet are refused, not silently ignored', () => {
  assert.equal(errorOf(parseServerFlags(['--cert-file', 'x.pem'])).message, 'flag provided but not defined: -cert-file');
  assert.match(errorOf(parseServerFlags(['--initial-cluster-state', 'existing'])).message, /not supported yet/);
});

test('-h and --help ask for the usage', () => {
  assert.equal(parseServerFlags(['-h']).kind, 'help');
  assert.equal(parseServerFlags(['--name', 'a', '--help']).kind, 'help');
});
