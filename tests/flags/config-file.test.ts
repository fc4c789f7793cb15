/**
 * The config file: etcd's keys and nesting, its precedence over flags and environment, and the
 * error texts etcd 3.4.23 printed for the same files (log prefix removed, `etcd --help` read as
 * `cairn --help`). The YAML syntax error is the one text not byte for byte: Go's YAML parser and
 * the `yaml` package describe a syntax error differently.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadServerConfig, type LoadResult } from '../../bin/flags/server-config.js';

function withFile(text: string, argv: string[] = [], env: Record<string, string> = {}): LoadResult {
  const files: Record<string, string> = { '/etc/cairn.yml': text };
  const read = (path: string): string => {
    const content = files[path];
    if (content === undefined) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
    return content;
  };
  return loadServerConfig(['--config-file', '/etc/cairn.yml', ...argv], env, read);
}

function errorOf(result: LoadResult): { error: string; exitCode: number } {
  assert.equal(result.kind, 'error');
  if (result.kind !== 'error') throw new Error('unreachable');
  return { error: result.error, exitCode: result.exitCode };
}

const verify = (detail: string): string => `error verifying flags, ${detail}. See 'cairn --help'.`;
const DECODE = 'error unmarshaling JSON: while decoding JSON: json: cannot unmarshal';

test('a config file sets etcd keys, TLS under the *-transport-security sections', () => {
  const result = withFile([
    'name: infra1',
    'data-dir: /var/lib/cairn',
    'listen-peer-urls: http://127.0.0.1:12380',
    'initial-advertise-peer-urls: http://127.0.0.1:12380',
    'initial-cluster: infra1=http://127.0.0.1:12380,infra2=http://127.0.0.1:22380',
    'initial-cluster-state: existing',
    'initial-cluster-token: tok',
    'heartbeat-interval: 50',
    'election-timeout: 500',
    'quota-backend-bytes: -1',
    'auto-compaction-mode: periodic',
    "auto-compaction-retention: '30m'",
    'client-transport-security:',
    '  cert-file: /c.pem',
    '  key-file: /c.key',
    '  client-cert-auth: true',
    '  trusted-ca-file: /ca.pem',
    'peer-transport-security:',
    '  auto-tls: true',
    'unknown-key: ignored, as etcd ignores it',
  ].join('\n'));
  assert.equal(result.kind, 'config');
  if (result.kind !== 'config') return;
  const config = result.config;
  assert.equal(config.name, 'infra1');
  assert.equal(config.dataDir, '/var/lib/cairn');
  assert.deepEqual([...config.initialCluster], [['infra1', ['http://127.0.0.1:12380']], ['infra2', ['http://127.0.0.1:22380']]]);
  assert.equal(config.initialClusterState, 'existing');
  assert.equal(config.clusterToken, 'tok');
  assert.equal(config.heartbeatIntervalMs, 50);
  assert.equal(config.electionTimeoutMs, 500);
  assert.equal(config.quotaBackendBytes, null);
  assert.deepEqual(config.autoCompaction, { mode: 'periodic', retentionMs: 30 * 60_000 });
  assert.deepEqual(config.clientTls, { certFile: '/c.pem', keyFile: '/c.key', trustedCaFile: '/ca.pem', clientCertAuth: true, autoTls: false });
  assert.deepEqual(config.peerTls, { certFile: '', keyFile: '', trustedCaFile: '', clientCertAuth: false, autoTls: true });
  assert.equal(config.configFile, '/etc/cairn.yml');
});

test('a config file turns the initial corruption check on with etcd\'s key', () => {
  const result = withFile('experimental-initial-corrupt-check: true\n');
  assert.equal(result.kind === 'config' && result.config.initialCorruptCheck, true);
});

test('with a config file, other flags and environment variables are ignored', () => {
  const result = withFile('name: fromfile\n', ['--name', 'fromflag', '--heartbeat-interval', '10'], { CAIRN_SNAPSHOT_COUNT: '5', CAIRN_HEARTBEAT_INTERVAL: 'abc' });
  assert.equal(result.kind, 'config');
  if (result.kind !== 'config') return;
  assert.equal(result.config.name, 'fromfile');
  assert.equal(result.config.heartbeatIntervalMs, 100);
  assert.equal(result.config.snapshotCount, 100000);
  assert.deepEqual(result.warnings, []);
});

test('flags must still parse when a config file is given, as in etcd', () => {
  assert.deepEqual(errorOf(withFile('name: a\n', ['--heartbeat-interval', 'abc'])), {
    error: 'invalid value "abc" for flag -heartbeat-interval: parse error', exitCode: 2,
  });
});

test('CAIRN_CONFIG_FILE names the config file too', () => {
  const read = (): string => 'name: fromenv\n';
  const result = loadServerConfig([], { CAIRN_CONFIG_FILE: '/x.yml' }, read);
  assert.equal(result.kind === 'config' && result.config.name, 'fromenv');
});

test('a member named in the file with no cluster founds a cluster of itself', () => {
  const result = withFile('name: cfg\n');
  assert.equal(result.kind, 'config');
  if (result.kind !== 'config') return;
  assert.deepEqual([...result.config.initialCluster], [['cfg', ['http://localhost:2380']]]);
  assert.equal(result.config.dataDir, 'cfg.cairn');
});

test('listen-client-urls without advertise-client-urls is fine in a file (etcd checks only flags)', () => {
  assert.equal(withFile('listen-client-urls: http://127.0.0.1:23997\n').kind, 'config');
});

const ETCD_FILE_CASES: { text: string; error: string }[] = [
  { text: 'name: cfg\nelection-timeout: 200\n', error: verify('--election-timeout[200ms] should be at least as 5 times as --heartbeat-interval[100ms]') },
  { text: 'heartbeat-interval: abc\n', error: verify(`${DECODE} string into Go struct field configYAML.heartbeat-interval of type uint`) },
  { text: 'heartbeat-interval: -1\n', error: verify(`${DECODE} number -1 into Go struct field configYAML.heartbeat-interval of type uint`) },
  { text: 'heartbeat-interval: 1.5\n', error: verify(`${DECODE} number 1.5 into Go struct field configYAML.heartbeat-interval of type uint`) },
  { text: 'heartbeat-interval: true\n', error: verify(`${DECODE} bool into Go struct field configYAML.heartbeat-interval of type uint`) },
  { text: 'name: 123\n', error: verify(`${DECODE} number into Go struct field configYAML.name of type string`) },
  { text: 'auto-compaction-retention: 1\n', error: verify(`${DECODE} number into Go struct field configYAML.auto-compaction-retention of type string`) },
  { text: 'client-transport-security:\n  client-cert-auth: maybe\n', error: verify(`${DECODE} string into Go struct field securityConfig.client-transport-security.client-cert-auth of type bool`) },
  { text: '- a\n', error: verify(`${DECODE} array into Go value of type embed.configYAML`) },
  { text: 'initial-cluster-state: bad\n', error: verify('unexpected clusterState "bad"') },
  { text: 'listen-client-urls: foo\n', error: 'unexpected error setting up listen-client-urls: URL scheme must be http, https, unix, or unixs: foo' },
  { text: 'listen-peer-urls: foo\n', error: 'unexpected error setting up listen-peer-urls: URL scheme must be http, https, unix, or unixs: foo' },
  { text: 'initial-advertise-peer-urls: foo\n', error: 'unexpected error setting up initial-advertise-peer-urls: URL scheme must be http, https, unix, or unixs: foo' },
  // etcd's own label for this key says "peer"; kept so the text matches.
  { text: 'advertise-client-urls: foo\n', error: 'unexpected error setting up advertise-peer-urls: URL scheme must be http, https, unix, or unixs: foo' },
];

for (const { text, error } of ETCD_FILE_CASES) {
  test(`etcd's message for the config file ${JSON.stringify(text)}`, () => {
    assert.deepEqual(errorOf(withFile(text)), { error, exitCode: 1 });
  });
}

test('a missing config file reads as etcd reports it', () => {
  const result = loadServerConfig(['--config-file', '/nonexist.yml'], {}, (path) => {
    throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
  });
  assert.deepEqual(errorOf(result), { error: verify('open /nonexist.yml: no such file or directory'), exitCode: 1 });
});

test('a YAML syntax error is an etcd-style verify error naming the line', () => {
  const { error, exitCode } = errorOf(withFile('name: cfg\ndata-dir: [x\n'));
  assert.equal(exitCode, 1);
  assert.match(error, /^error verifying flags, error converting YAML to JSON: yaml: line \d+: .+\. See 'cairn --help'\.$/);
});
