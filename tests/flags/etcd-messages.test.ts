/**
 * Every error text below was printed by real etcd 3.4.23 for the same arguments (probed with
 * `timeout 2 etcd --data-dir /tmp/... <args>; echo $?`), with the log prefix (timestamp, level,
 * package) removed and `etcd --help` read as `cairn --help`. The exit code is etcd's too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadServerConfig } from '../../bin/flags/server-config.js';

interface Case {
  argv: string[];
  env?: Record<string, string>;
  error: string;
  exitCode: 1 | 2;
}

const verify = (detail: string): string => `error verifying flags, ${detail}. See 'cairn --help'.`;

const ADVERTISE_REQUIRED = `${verify('--advertise-client-urls is required when --listen-client-urls is set explicitly')}\n` +
  'When listening on specific address(es), this cairn process must advertise accessible url(s) to each connected client.';

const ETCD_CASES: Case[] = [
  // Go's flag package (exit 2, usage follows).
  { argv: ['--heartbeat-interval', 'abc'], error: 'invalid value "abc" for flag -heartbeat-interval: parse error', exitCode: 2 },
  { argv: ['--heartbeat-interval', '-1'], error: 'invalid value "-1" for flag -heartbeat-interval: parse error', exitCode: 2 },
  { argv: ['--heartbeat-interval', '+5'], error: 'invalid value "+5" for flag -heartbeat-interval: parse error', exitCode: 2 },
  { argv: ['--heartbeat-interval', '1e2'], error: 'invalid value "1e2" for flag -heartbeat-interval: parse error', exitCode: 2 },
  { argv: ['--heartbeat-interval='], error: 'invalid value "" for flag -heartbeat-interval: parse error', exitCode: 2 },
  { argv: ['--heartbeat-interval', '99999999999999999999'], error: 'invalid value "99999999999999999999" for flag -heartbeat-interval: value out of range', exitCode: 2 },
  { argv: ['--quota-backend-bytes', '9223372036854775808'], error: 'invalid value "9223372036854775808" for flag -quota-backend-bytes: value out of range', exitCode: 2 },
  { argv: ['--quota-backend-bytes', '1.5'], error: 'invalid value "1.5" for flag -quota-backend-bytes: parse error', exitCode: 2 },
  { argv: ['--snapshot-count', 'abc'], error: 'invalid value "abc" for flag -snapshot-count: parse error', exitCode: 2 },
  { argv: ['--snapshot-count', '-1'], error: 'invalid value "-1" for flag -snapshot-count: parse error', exitCode: 2 },
  { argv: ['--max-request-bytes', '-5'], error: 'invalid value "-5" for flag -max-request-bytes: parse error', exitCode: 2 },
  { argv: ['--max-txn-ops', 'x'], error: 'invalid value "x" for flag -max-txn-ops: parse error', exitCode: 2 },
  { argv: ['--max-txn-ops', '_1'], error: 'invalid value "_1" for flag -max-txn-ops: parse error', exitCode: 2 },
  { argv: ['--client-cert-auth=maybe'], error: 'invalid boolean value "maybe" for -client-cert-auth: parse error', exitCode: 2 },
  { argv: ['--client-cert-auth='], error: 'invalid boolean value "" for -client-cert-auth: parse error', exitCode: 2 },
  { argv: ['--auto-tls=true', '--peer-auto-tls=maybe'], error: 'invalid boolean value "maybe" for -peer-auto-tls: parse error', exitCode: 2 },
  { argv: ['--foo'], error: 'flag provided but not defined: -foo', exitCode: 2 },
  { argv: ['-foo=1'], error: 'flag provided but not defined: -foo', exitCode: 2 },
  { argv: ['--name'], error: 'flag needs an argument: -name', exitCode: 2 },
  { argv: ['---name', 'x'], error: 'bad flag syntax: ---name', exitCode: 2 },
  { argv: ['--initial-cluster-state', 'bad'], error: 'invalid value "bad" for flag -initial-cluster-state: invalid value', exitCode: 2 },
  { argv: ['--listen-client-urls', 'foo'], error: 'invalid value "foo" for flag -listen-client-urls: URL scheme must be http, https, unix, or unixs: foo', exitCode: 2 },
  { argv: ['--listen-client-urls', 'localhost:2379'], error: 'invalid value "localhost:2379" for flag -listen-client-urls: URL scheme must be http, https, unix, or unixs: localhost:2379', exitCode: 2 },
  { argv: ['--listen-client-urls', 'http://localhost'], error: 'invalid value "http://localhost" for flag -listen-client-urls: URL address does not have the form "host:port": http://localhost', exitCode: 2 },
  { argv: ['--listen-client-urls', 'http://localhost:2379/path'], error: 'invalid value "http://localhost:2379/path" for flag -listen-client-urls: URL must not contain a path: http://localhost:2379/path', exitCode: 2 },
  { argv: ['--listen-client-urls', 'http://localhost:2379,ftp://x:1'], error: 'invalid value "http://localhost:2379,ftp://x:1" for flag -listen-client-urls: URL scheme must be http, https, unix, or unixs: ftp://x:1', exitCode: 2 },
  { argv: ['--listen-client-urls', ','], error: 'invalid value "," for flag -listen-client-urls: URL scheme must be http, https, unix, or unixs: ', exitCode: 2 },
  { argv: ['--listen-client-urls', 'http://localhost:2379,'], error: 'invalid value "http://localhost:2379," for flag -listen-client-urls: URL scheme must be http, https, unix, or unixs: ', exitCode: 2 },
  { argv: ['--listen-client-urls', 'http://a b:1'], error: 'invalid value "http://a b:1" for flag -listen-client-urls: parse "http://a b:1": invalid character " " in host name', exitCode: 2 },
  { argv: ['--listen-client-urls', 'http://localhost:abc'], error: 'invalid value "http://localhost:abc" for flag -listen-client-urls: parse "http://localhost:abc": invalid port ":abc" after host', exitCode: 2 },
  // "error verifying flags" (exit 1).
  { argv: ['foo'], error: verify("'foo' is not a valid flag"), exitCode: 1 },
  { argv: ['--', 'foo'], error: verify("'foo' is not a valid flag"), exitCode: 1 },
  { argv: ['-'], error: verify("'-' is not a valid flag"), exitCode: 1 },
  { argv: ['--client-cert-auth', 'false'], error: verify("'false' is not a valid flag"), exitCode: 1 },
  { argv: ['--election-timeout', '200'], error: verify('--election-timeout[200ms] should be at least as 5 times as --heartbeat-interval[100ms]'), exitCode: 1 },
  { argv: ['--heartbeat-interval', '18446744073709551615'], error: verify('--election-timeout[1000ms] should be at least as 5 times as --heartbeat-interval[18446744073709551615ms]'), exitCode: 1 },
  { argv: ['--heartbeat-interval', '0'], error: verify('--heartbeat-interval must be >0 (set to 0ms)'), exitCode: 1 },
  { argv: ['--election-timeout', '0'], error: verify('--election-timeout must be >0 (set to 0ms)'), exitCode: 1 },
  { argv: ['--election-timeout', '60000'], error: verify('--election-timeout[60000ms] is too long, and should be set less than 50000ms'), exitCode: 1 },
  { argv: ['--election-timeout', '50001', '--heartbeat-interval', '10000'], error: verify('--election-timeout[50001ms] is too long, and should be set less than 50000ms'), exitCode: 1 },
  { argv: ['--auto-compaction-mode', 'weird'], error: verify('unknown auto-compaction-mode "weird"'), exitCode: 1 },
  { argv: ['--listen-client-urls', 'http://127.0.0.1:2379'], error: ADVERTISE_REQUIRED, exitCode: 1 },
  { argv: ['--listen-client-urls', 'http://:2379', '--advertise-client-urls', 'http://localhost:2379'], error: verify('expected IP in URL for binding (http://:2379)'), exitCode: 1 },
  { argv: ['--listen-client-urls', 'http://example.com:2379', '--advertise-client-urls', 'http://localhost:2379'], error: verify('expected IP in URL for binding (http://example.com:2379)'), exitCode: 1 },
  { argv: ['--listen-peer-urls', 'http://example.com:2380'], error: verify('expected IP in URL for binding (http://example.com:2380)'), exitCode: 1 },
  { argv: [], env: { CAIRN_HEARTBEAT_INTERVAL: 'abc' }, error: verify('invalid value "abc" for CAIRN_HEARTBEAT_INTERVAL: parse error'), exitCode: 1 },
  { argv: [], env: { CAIRN_CLIENT_CERT_AUTH: 'maybe' }, error: verify('invalid value "maybe" for CAIRN_CLIENT_CERT_AUTH: parse error'), exitCode: 1 },
  { argv: [], env: { CAIRN_LISTEN_CLIENT_URLS: 'foo' }, error: verify('invalid value "foo" for CAIRN_LISTEN_CLIENT_URLS: URL scheme must be http, https, unix, or unixs: foo'), exitCode: 1 },
  // Set-up checks etcd logs as critical (exit 1).
  { argv: ['--name', 'x', '--initial-cluster', 'y=http://localhost:2380'], error: 'couldn\'t find local name "x" in the initial cluster configuration', exitCode: 1 },
  { argv: ['--initial-cluster', ''], error: 'couldn\'t find local name "default" in the initial cluster configuration', exitCode: 1 },
  { argv: ['--initial-cluster', '=http://localhost:2380'], error: 'couldn\'t find local name "default" in the initial cluster configuration', exitCode: 1 },
  { argv: ['--initial-cluster', 'foo'], error: 'error setting up initial cluster: URL scheme must be http, https, unix, or unixs: ', exitCode: 1 },
  { argv: ['--initial-cluster', 'default=foo'], error: 'error setting up initial cluster: URL scheme must be http, https, unix, or unixs: foo', exitCode: 1 },
  {
    argv: ['--initial-cluster', 'default=http://localhost:2380,default=http://localhost:2381'],
    error: '--initial-cluster has default=http://localhost:2381 but missing from --initial-advertise-peer-urls=http://localhost:2380 (len(["http://localhost:2380"]) != len(["http://localhost:2380" "http://localhost:2381"]))',
    exitCode: 1,
  },
  {
    argv: ['--initial-cluster', 'default=http://localhost:2391,default=http://localhost:2392'],
    error: '--initial-cluster has default=http://localhost:2391,default=http://localhost:2392 but missing from --initial-advertise-peer-urls=http://localhost:2380 (len(["http://localhost:2380"]) != len(["http://localhost:2391" "http://localhost:2392"]))',
    exitCode: 1,
  },
  {
    argv: ['--initial-cluster', 'default=http://localhost:2391,default=http://localhost:2392', '--initial-advertise-peer-urls', 'http://localhost:2392,http://localhost:2393'],
    error: '--initial-cluster has default=http://localhost:2391 but missing from --initial-advertise-peer-urls=http://localhost:2392,http://localhost:2393 (resolved urls: "http://localhost:2392" != "http://localhost:2391")',
    exitCode: 1,
  },
  {
    argv: ['--initial-advertise-peer-urls', 'http://localhost:2390'],
    error: '--initial-cluster has default=http://localhost:2380 but missing from --initial-advertise-peer-urls=http://localhost:2390 (resolved urls: "http://localhost:2390" != "http://localhost:2380")',
    exitCode: 1,
  },
  {
    argv: ['--name', 'x', '--initial-advertise-peer-urls', 'http://localhost:2390', '--initial-cluster', 'x=http://localhost:2391'],
    error: '--initial-cluster has x=http://localhost:2391 but missing from --initial-advertise-peer-urls=http://localhost:2390 (resolved urls: "http://localhost:2390" != "http://localhost:2391")',
    exitCode: 1,
  },
  {
    argv: ['--initial-advertise-peer-urls', 'http://localhost:2380,http://localhost:2390', '--initial-cluster', 'default=http://localhost:2380,other=http://localhost:2400'],
    error: '--initial-advertise-peer-urls has http://localhost:2390 but missing from --initial-cluster=default=http://localhost:2380,default=http://localhost:2390',
    exitCode: 1,
  },
  { argv: ['--auto-compaction-retention', 'abc'], error: 'error parsing CompactionRetention: time: invalid duration "abc"', exitCode: 1 },
  { argv: ['--auto-compaction-retention', '-1'], error: 'error parsing CompactionRetention: time: missing unit in duration "-1"', exitCode: 1 },
  { argv: ['--auto-compaction-retention', '1.5'], error: 'error parsing CompactionRetention: time: missing unit in duration "1.5"', exitCode: 1 },
  { argv: ['--auto-compaction-retention', '1.5', '--auto-compaction-mode', 'revision'], error: 'error parsing CompactionRetention: time: missing unit in duration "1.5"', exitCode: 1 },
  { argv: ['--auto-compaction-retention', '1h30x'], error: 'error parsing CompactionRetention: time: unknown unit "x" in duration "1h30x"', exitCode: 1 },
  {
    argv: ['--listen-client-urls', 'https://127.0.0.1:2379', '--advertise-client-urls', 'https://localhost:2379'],
    error: 'TLS key/cert (--cert-file, --key-file) must be provided for client url https://127.0.0.1:2379 with HTTPS scheme',
    exitCode: 1,
  },
  { argv: ['--listen-peer-urls', 'https://127.0.0.1:2380'], error: 'cannot listen on TLS for 127.0.0.1:2380: KeyFile and CertFile are not presented', exitCode: 1 },
  // etcd 3.4 panics on an unknown level; the panic exits 2.
  { argv: ['--log-level', 'verbose'], error: 'unknown level "verbose"', exitCode: 2 },
  { argv: ['--log-level', 'DEBUG'], error: 'unknown level "DEBUG"', exitCode: 2 },
  // Several faults at once: etcd reports the first in its own order of checks.
  { argv: ['foo'], env: { CAIRN_HEARTBEAT_INTERVAL: 'abc' }, error: verify("'foo' is not a valid flag"), exitCode: 1 },
  { argv: ['--log-level', 'bad', '--listen-client-urls', 'http://127.0.0.1:2379'], error: 'unknown level "bad"', exitCode: 2 },
  { argv: ['--log-level', 'bad', '--auto-compaction-retention', 'abc', '--election-timeout', '200'], error: 'unknown level "bad"', exitCode: 2 },
  { argv: ['--listen-client-urls', ''], error: ADVERTISE_REQUIRED, exitCode: 1 },
  { argv: ['--auto-compaction-mode', 'weird', '--listen-client-urls', 'http://127.0.0.1:2379'], error: ADVERTISE_REQUIRED, exitCode: 1 },
  { argv: ['--auto-compaction-mode', 'weird', '--election-timeout', '200'], error: verify('--election-timeout[200ms] should be at least as 5 times as --heartbeat-interval[100ms]'), exitCode: 1 },
  { argv: ['--listen-peer-urls', 'http://example.com:2380', '--election-timeout', '200'], error: verify('expected IP in URL for binding (http://example.com:2380)'), exitCode: 1 },
  {
    argv: ['--listen-client-urls', 'http://example.com:2379', '--listen-peer-urls', 'http://example.com:2380', '--advertise-client-urls', 'http://localhost:2379'],
    error: verify('expected IP in URL for binding (http://example.com:2380)'),
    exitCode: 1,
  },
  { argv: ['--listen-peer-urls', 'https://127.0.0.1:2380', '--initial-cluster', 'foo'], error: 'cannot listen on TLS for 127.0.0.1:2380: KeyFile and CertFile are not presented', exitCode: 1 },
  {
    argv: ['--listen-client-urls', 'https://127.0.0.1:2379', '--advertise-client-urls', 'https://localhost:2379', '--listen-peer-urls', 'https://127.0.0.1:2380'],
    error: 'cannot listen on TLS for 127.0.0.1:2380: KeyFile and CertFile are not presented',
    exitCode: 1,
  },
  {
    argv: ['--listen-client-urls', 'https://127.0.0.1:2379', '--advertise-client-urls', 'https://localhost:2379', '--initial-cluster', 'foo'],
    error: 'TLS key/cert (--cert-file, --key-file) must be provided for client url https://127.0.0.1:2379 with HTTPS scheme',
    exitCode: 1,
  },
  { argv: ['--auto-compaction-retention', 'abc', '--initial-cluster', 'foo'], error: 'error setting up initial cluster: URL scheme must be http, https, unix, or unixs: ', exitCode: 1 },
  { argv: ['--auto-compaction-retention', 'abc', '--name', 'x', '--initial-cluster', 'y=http://localhost:2380'], error: 'error parsing CompactionRetention: time: invalid duration "abc"', exitCode: 1 },
  { argv: ['--auto-compaction-retention', 'abc', '--initial-advertise-peer-urls', 'http://localhost:2390'], error: 'error parsing CompactionRetention: time: invalid duration "abc"', exitCode: 1 },
];

for (const { argv, env, error, exitCode } of ETCD_CASES) {
  test(`etcd's message for ${JSON.stringify(argv)}${env === undefined ? '' : ` with ${JSON.stringify(env)}`}`, () => {
    const result = loadServerConfig(argv, env ?? {});
    assert.equal(result.kind, 'error');
    if (result.kind !== 'error') return;
    assert.equal(result.error, error);
    assert.equal(result.exitCode, exitCode);
    assert.equal(result.showUsage, exitCode === 2 && !argv.includes('--log-level'), 'usage follows argv parse errors only');
  });
}

test('values etcd accepts are accepted: base prefixes, underscores, query strings, unix URLs', () => {
  const result = loadServerConfig([
    '--max-txn-ops', '1_000', '--heartbeat-interval', '0x10', '--election-timeout', '0b11111111111',
    '--snapshot-count', '0o17', '--quota-backend-bytes', '+5', '--listen-client-urls', 'unix://a:1',
    '--advertise-client-urls', 'http://localhost:2379?x=1', '--client-cert-auth=TRUE', '--auto-tls=t',
  ], {});
  assert.equal(result.kind, 'config');
  if (result.kind !== 'config') return;
  assert.equal(result.config.maxTxnOps, 1000);
  assert.equal(result.config.heartbeatIntervalMs, 16);
  assert.equal(result.config.electionTimeoutMs, 2047);
  assert.equal(result.config.snapshotCount, 15);
  assert.equal(result.config.quotaBackendBytes, 5);
  assert.deepEqual(result.config.listenClientUrls, [{ protocol: 'unix', host: 'a', port: 1, url: 'unix://a:1' }]);
  assert.equal(result.config.clientTls.clientCertAuth, true);
  assert.equal(result.config.clientTls.autoTls, true);
});

test('an election timeout of exactly 50000 ms is allowed, as in etcd', () => {
  assert.equal(loadServerConfig(['--election-timeout', '50000'], {}).kind, 'config');
});
