/**
 * What the server makes of the flags it is given (bin/unsupported-settings.ts): flags cairn cannot
 * honour are refused with a message naming why, no-op flags and etcd's obsolete flags are warned
 * about, and a refused flag left at its default (or an equivalent value) passes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadServerConfig, type LoadResult } from '../../bin/flags/server-config.js';
import { reviewSettings, type SettingsReview } from '../../bin/unsupported-settings.js';

function review(argv: string[], env: Record<string, string> = {}): SettingsReview {
  const loaded = loadServerConfig(argv, env);
  assert.equal(loaded.kind, 'config', JSON.stringify(loaded));
  if (loaded.kind !== 'config') throw new Error('unreachable');
  return reviewSettings(loaded.config, loaded.explicit);
}

function loadFile(text: string): LoadResult {
  return loadServerConfig(['--config-file', '/c.yml'], {}, () => text);
}

test('--enable-v2 is refused: the v2 API is out of scope', () => {
  assert.equal(review(['--enable-v2']).refusal, '--enable-v2 is not supported: the v2 API is out of scope: cairn serves etcd\'s v3 API only');
  assert.equal(review(['--enable-v2=false']).refusal, null, 'asking for the default is fine');
});

test('flags another issue will bring are refused as "not supported yet", naming the issue', () => {
  assert.equal(review(['--cert-file', '/c.pem']).refusal, '--cert-file is not supported yet: TLS comes with issue #15 (security)');
  assert.equal(review(['--force-new-cluster']).refusal, '--force-new-cluster is not supported yet: recovering a cluster as one member comes with issue #16');
  assert.match(review(['--quota-backend-bytes', '8589934592']).refusal!, /^--quota-backend-bytes is not supported yet: .*#16/);
  assert.match(review(['--auto-compaction-retention', '1h']).refusal!, /^--auto-compaction-retention is not supported yet: /);
  assert.match(review(['--auth-token', 'jwt,pub-key=a,priv-key=b,sign-method=RS256']).refusal!, /^--auth-token is not supported yet: JWT/);
});

test('values equivalent to the default pass: etcd\'s 2 GiB quota, a zero retention, simple tokens', () => {
  assert.equal(review(['--quota-backend-bytes', '2147483648']).refusal, null);
  assert.equal(review(['--auto-compaction-retention', '0s']).refusal, null);
  assert.equal(review(['--auth-token', 'simple']).refusal, null);
});

test('a refusal also comes from the environment and the config file', () => {
  assert.match(review([], { CAIRN_ENABLE_PPROF: 'true' }).refusal!, /^--enable-pprof is not supported: /);
  const loaded = loadFile('discovery-srv: example.com\n');
  assert.equal(loaded.kind, 'config');
  if (loaded.kind !== 'config') return;
  assert.equal(reviewSettings(loaded.config, loaded.explicit).refusal, '--discovery-srv is not supported: discovery is not supported: list the founding members with --initial-cluster');
});

test('--cors and --host-whitelist are refused until the HTTP listener applies them; \'*\' is fine', () => {
  assert.match(review(['--cors', 'http://a.example:8080']).refusal!, /^--cors is not supported yet: /);
  assert.match(review(['--host-whitelist', 'a.example']).refusal!, /^--host-whitelist is not supported yet: /);
  assert.equal(review(['--cors', '*', '--host-whitelist', '*']).refusal, null);
});

test('honoured flags refuse only the values cairn cannot honour', () => {
  assert.match(review(['--max-wals', '0']).refusal!, /^--max-wals 0 \(keep every WAL file\) is not supported/);
  assert.equal(review(['--max-wals', '10']).refusal, null);
  assert.equal(review(['--metrics', 'extensive']).refusal, null);
  assert.equal(review(['--metrics', 'basic']).refusal, null);
  assert.match(review(['--metrics', 'everything']).refusal!, /^--metrics must be 'basic' or 'extensive'/);
  assert.equal(review(['--listen-metrics-urls', 'http://127.0.0.1:2382']).refusal, null);
});

test('a no-op flag set to another value than its default is warned about; etcd\'s obsolete flags get etcd\'s warning', () => {
  const { refusal, warnings } = review(['--experimental-backend-bbolt-freelist-type', 'map', '--max-snapshots', '5', '--snapshot', '--v=3']);
  assert.equal(refusal, null);
  assert.deepEqual(warnings, [
    '--experimental-backend-bbolt-freelist-type has no effect in cairn: bbolt\'s freelist: cairn\'s store is LMDB, which has none',
    'flag "-snapshot" is no longer supported - ignoring.',
    'flag "-v" is no longer supported - ignoring.',
  ]);
});

test('every honoured flag reaches the config', () => {
  const loaded = loadServerConfig([
    '--wal-dir', '/wal', '--pre-vote=false', '--strict-reconfig-check=false', '--initial-election-tick-advance=false',
    '--grpc-keepalive-min-time', '1s', '--grpc-keepalive-interval', '30s', '--grpc-keepalive-timeout', '3s',
    '--max-concurrent-streams', '0x100', '--cors', 'http://a.example:8080,*', '--host-whitelist', 'a.example,b.example',
    '--experimental-warning-apply-duration', '250ms', '--enable-grpc-gateway=false', '--logger', 'capnslog',
    '--log-outputs', '/tmp/x.log', '--debug',
  ], {});
  assert.equal(loaded.kind, 'config');
  if (loaded.kind !== 'config') return;
  const config = loaded.config;
  assert.equal(config.walDir, '/wal');
  assert.equal(config.preVote, false);
  assert.equal(config.strictReconfigCheck, false);
  assert.equal(config.initialElectionTickAdvance, false);
  assert.deepEqual(config.grpcKeepAlive, { minTimeMs: 1000, intervalMs: 30_000, timeoutMs: 3000 });
  assert.equal(config.maxConcurrentStreams, 256);
  assert.deepEqual(config.cors, ['http://a.example:8080', '*']);
  assert.deepEqual(config.hostWhitelist, ['a.example', 'b.example']);
  assert.equal(config.warningApplyDurationMs, 250);
  assert.equal(config.enableGrpcGateway, false);
  assert.equal(config.logger, 'capnslog');
  assert.deepEqual(config.logOutputs, ['/tmp/x.log']);
  assert.equal(config.logLevel, 'debug', '--debug is --log-level debug');
});

test('etcd\'s messages for bad values of the new flags (probed on etcd 3.4.23)', () => {
  const errorOf = (argv: string[]): unknown => {
    const result = loadServerConfig(argv, {});
    return result.kind === 'error' ? [result.error, result.exitCode] : result.kind;
  };
  assert.deepEqual(errorOf(['--max-concurrent-streams', 'x']),
    ['invalid value "x" for flag -max-concurrent-streams: strconv.ParseUint: parsing "x": invalid syntax', 2]);
  assert.deepEqual(errorOf(['--max-concurrent-streams', '4294967296']),
    ['invalid value "4294967296" for flag -max-concurrent-streams: strconv.ParseUint: parsing "4294967296": value out of range', 2]);
  assert.deepEqual(errorOf(['--cors', 'http://example.com']),
    ['invalid value "http://example.com" for flag -cors: URL address does not have the form "host:port": http://example.com', 2]);
  assert.deepEqual(errorOf(['--grpc-keepalive-min-time', '5']), ['invalid value "5" for flag -grpc-keepalive-min-time: parse error', 2]);
  assert.deepEqual(errorOf(['--logger', 'foo']), ['error verifying flags, unknown logger option "foo". See \'cairn --help\'.', 1]);
  assert.deepEqual(errorOf(['--log-outputs', 'default,stderr']),
    ['error verifying flags, multi logoutput for "default" is not supported yet. See \'cairn --help\'.', 1]);
  assert.deepEqual(errorOf(['--logger', 'capnslog', '--log-outputs', 'stderr,stdout']),
    ['error verifying flags, --logger=capnslog supports only 1 value in \'--log-outputs\', got ["stderr" "stdout"]. See \'cairn --help\'.', 1]);
  assert.deepEqual(errorOf(['--snapshot', 'x']), ['error verifying flags, \'x\' is not a valid flag. See \'cairn --help\'.', 1]);
});

test('the config file holds durations as nanoseconds and lists as sequences, as etcd\'s JSON decoding does', () => {
  const loaded = loadFile('grpc-keepalive-min-time: 2000000000\nlog-outputs: [stdout]\nmax-concurrent-streams: 10\n' +
    'experimental-snapshot-catch-up-entries: 77\nsocket-options:\n  reuse-address: true\n');
  assert.equal(loaded.kind, 'config', JSON.stringify(loaded));
  if (loaded.kind !== 'config') return;
  assert.equal(loaded.config.grpcKeepAlive.minTimeMs, 2000);
  assert.deepEqual(loaded.config.logOutputs, ['stdout']);
  assert.equal(loaded.config.maxConcurrentStreams, 10);
  assert.equal(loaded.config.snapshotCatchUpEntries, 77);
  assert.equal(loaded.explicit.get('socket-reuse-address'), true);
  const verify = (detail: string): string => `error verifying flags, ${detail}. See 'cairn --help'.`;
  const DECODE = 'error unmarshaling JSON: while decoding JSON: json: cannot unmarshal';
  assert.deepEqual(loadFile('grpc-keepalive-min-time: 5s\n'), {
    kind: 'error', exitCode: 1, showUsage: false,
    error: verify(`${DECODE} string into Go struct field configYAML.grpc-keepalive-min-time of type time.Duration`),
  });
  assert.deepEqual(loadFile('log-outputs: stderr\n'), {
    kind: 'error', exitCode: 1, showUsage: false, error: verify(`${DECODE} string into Go struct field configYAML.log-outputs of type []string`),
  });
});

test('a config-file key no flag reads is accepted, as by etcd, but warned about', () => {
  const loaded = loadFile('name: a\nheartbeat-intreval: 50\nclient-transport-security:\n  cert-flie: /x\n');
  assert.equal(loaded.kind, 'config');
  if (loaded.kind !== 'config') return;
  assert.deepEqual(loaded.warnings, [
    'unrecognized config-file key "heartbeat-intreval" is ignored (etcd ignores it too)',
    'unrecognized config-file key "client-transport-security.cert-flie" is ignored (etcd ignores it too)',
  ]);
});
