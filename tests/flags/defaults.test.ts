import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_QUOTA_BACKEND_BYTES, loadServerConfig, type ServerConfig } from '../../bin/flags/server-config.js';

function configOf(argv: string[], env: Record<string, string> = {}): ServerConfig {
  const result = loadServerConfig(argv, env);
  assert.equal(result.kind, 'config', JSON.stringify(result));
  if (result.kind !== 'config') throw new Error('unreachable');
  return result.config;
}

test('no flags gives etcd\'s defaults, a ./default.cairn data dir and HTTP on the client URL (no --listen-client-http-urls)', () => {
  assert.deepEqual(configOf([]), {
    name: 'default',
    dataDir: 'default.cairn',
    listenClientUrls: [{ protocol: 'http', host: 'localhost', port: 2379, url: 'http://localhost:2379' }],
    listenClientHttpUrls: [],
    listenMetricsUrls: [],
    metrics: 'basic',
    advertiseClientUrls: ['http://localhost:2379'],
    listenPeerUrls: [{ protocol: 'http', host: 'localhost', port: 2380, url: 'http://localhost:2380' }],
    initialAdvertisePeerUrls: ['http://localhost:2380'],
    initialCluster: new Map([['default', ['http://localhost:2380']]]),
    initialClusterState: 'new',
    clusterToken: 'etcd-cluster',
    heartbeatIntervalMs: 100,
    electionTimeoutMs: 1000,
    snapshotCount: 100000,
    snapshotCatchUpEntries: 5000,
    initialCorruptCheck: false,
    corruptCheckIntervalMs: 0,
    watchProgressNotifyIntervalMs: 600_000,
    quotaBackendBytes: DEFAULT_QUOTA_BACKEND_BYTES,
    maxRequestBytes: 1572864,
    maxTxnOps: 128,
    autoCompaction: { mode: 'off' },
    clientTls: { certFile: '', keyFile: '', trustedCaFile: '', clientCertAuth: false, autoTls: false },
    peerTls: { certFile: '', keyFile: '', trustedCaFile: '', clientCertAuth: false, autoTls: false },
    logLevel: 'info',
    logger: 'zap',
    logOutputs: ['default'],
    walDir: '',
    initialElectionTickAdvance: true,
    preVote: true,
    strictReconfigCheck: true,
    grpcKeepAlive: { minTimeMs: 5000, intervalMs: 7_200_000, timeoutMs: 20_000 },
    maxConcurrentStreams: 4294967295,
    cors: ['*'],
    hostWhitelist: ['*'],
    warningApplyDurationMs: 100,
    enableGrpcGateway: true,
    configFile: null,
  });
  assert.equal(DEFAULT_QUOTA_BACKEND_BYTES, 2 * 1024 * 1024 * 1024);
});

test('--listen-metrics-urls takes URLs as etcd; --metrics is basic or extensive', () => {
  const config = configOf(['--listen-metrics-urls', 'http://127.0.0.1:2382,http://10.0.0.1:2382', '--metrics', 'extensive']);
  assert.deepEqual(config.listenMetricsUrls.map((address) => address.url), ['http://127.0.0.1:2382', 'http://10.0.0.1:2382']);
  assert.equal(config.metrics, 'extensive');
});

test('a named member without --initial-cluster founds a cluster of itself at its advertised peer URLs', () => {
  const config = configOf(['--name', 'x', '--initial-advertise-peer-urls', 'http://localhost:2390']);
  assert.deepEqual([...config.initialCluster], [['x', ['http://localhost:2390']]]);
  assert.equal(config.dataDir, 'x.cairn');
});

test('a name may appear several times in --initial-cluster, once per peer URL', () => {
  const config = configOf([
    '--name', 'a', '--initial-advertise-peer-urls', 'http://10.0.0.1:2380,http://10.0.0.2:2380',
    '--initial-cluster', 'a=http://10.0.0.1:2380,b=http://10.0.0.3:2380,a=http://10.0.0.2:2380,,',
    '--listen-peer-urls', 'http://10.0.0.1:2380,https://[::1]:2380', '--peer-auto-tls',
  ]);
  assert.deepEqual([...config.initialCluster], [
    ['a', ['http://10.0.0.1:2380', 'http://10.0.0.2:2380']],
    ['b', ['http://10.0.0.3:2380']],
  ]);
  assert.deepEqual(config.listenPeerUrls[1], { protocol: 'https', host: '::1', port: 2380, url: 'https://[::1]:2380' });
  assert.equal(config.peerTls.autoTls, true);
});

test('every flag type reaches the config: strings, uints, int64, bools, URL lists, choices', () => {
  const config = configOf([
    '-data-dir=/d', '--snapshot-count', '5000', '--quota-backend-bytes=-1', '--max-request-bytes', '10',
    '--max-txn-ops', '7', '--listen-client-http-urls', 'http://127.0.0.1:8080,http://127.0.0.1:8081',
    '--advertise-client-urls', 'http://a:1,http://b:2', '--initial-cluster-state=existing',
    '--initial-cluster-token', 'tok', '--cert-file', '/c', '--key-file', '/k', '--trusted-ca-file', '/ca',
    '--client-cert-auth', '--peer-cert-file=/pc', '--peer-key-file=/pk', '--peer-trusted-ca-file=/pca',
    '--peer-client-cert-auth=1', '--log-level', 'debug',
  ]);
  assert.equal(config.dataDir, '/d');
  assert.equal(config.snapshotCount, 5000);
  assert.equal(config.quotaBackendBytes, null, 'a negative quota disables it, as in etcd');
  assert.equal(config.maxRequestBytes, 10);
  assert.equal(config.maxTxnOps, 7);
  assert.deepEqual(config.listenClientHttpUrls.map((address) => address.port), [8080, 8081]);
  assert.deepEqual(config.advertiseClientUrls, ['http://a:1', 'http://b:2']);
  assert.equal(config.initialClusterState, 'existing');
  assert.equal(config.clusterToken, 'tok');
  assert.deepEqual(config.clientTls, { certFile: '/c', keyFile: '/k', trustedCaFile: '/ca', clientCertAuth: true, autoTls: false });
  assert.deepEqual(config.peerTls, { certFile: '/pc', keyFile: '/pk', trustedCaFile: '/pca', clientCertAuth: true, autoTls: false });
  assert.equal(config.logLevel, 'debug');
});

test('auto compaction retention: bare hours or a duration when periodic, revisions when revision', () => {
  assert.deepEqual(configOf(['--auto-compaction-retention', '2']).autoCompaction, { mode: 'periodic', retentionMs: 7_200_000 });
  assert.deepEqual(configOf(['--auto-compaction-retention', '1h30m']).autoCompaction, { mode: 'periodic', retentionMs: 5_400_000 });
  assert.deepEqual(configOf(['--auto-compaction-retention', '500ms']).autoCompaction, { mode: 'periodic', retentionMs: 500 });
  assert.deepEqual(configOf(['--auto-compaction-mode', 'revision', '--auto-compaction-retention', '1000']).autoCompaction, { mode: 'revision', retentionRevisions: 1000 });
  assert.deepEqual(configOf(['--auto-compaction-retention', '0s']).autoCompaction, { mode: 'off' });
});

test('a duration in revision mode is refused (etcd would count its nanoseconds as revisions)', () => {
  const result = loadServerConfig(['--auto-compaction-mode', 'revision', '--auto-compaction-retention', '1h30m'], {});
  assert.deepEqual(result, {
    kind: 'error', exitCode: 1, showUsage: false,
    error: 'error parsing CompactionRetention: revision mode needs a whole number of revisions, not "1h30m"',
  });
});

test('https client listeners are fine with a cert/key pair or auto-tls', () => {
  const https = ['--listen-client-urls', 'https://127.0.0.1:2379', '--advertise-client-urls', 'https://127.0.0.1:2379'];
  assert.equal(configOf([...https, '--cert-file', '/c', '--key-file', '/k']).listenClientUrls[0]!.protocol, 'https');
  assert.equal(configOf([...https, '--auto-tls']).clientTls.autoTls, true);
  assert.equal(loadServerConfig([...https, '--cert-file', '/c'], {}).kind, 'error', 'a cert without its key is not enough');
});

test('an https HTTP-port listener needs a client certificate as the gRPC one does', () => {
  const result = loadServerConfig(['--listen-client-http-urls', 'https://127.0.0.1:2381'], {});
  assert.equal(result.kind === 'error' && result.error,
    'TLS key/cert (--cert-file, --key-file) must be provided for client url https://127.0.0.1:2381 with HTTPS scheme');
});

test('--version and --help are answered before anything else is checked', () => {
  assert.deepEqual(loadServerConfig(['--version', '--heartbeat-interval', '0'], {}), { kind: 'version' });
  assert.equal(loadServerConfig(['--version=false'], {}).kind, 'config');
  assert.equal(loadServerConfig(['-h', '--heartbeat-interval', 'abc'], {}).kind, 'help');
  assert.equal(loadServerConfig(['--help'], {}).kind, 'help');
  assert.equal(loadServerConfig(['-help=1'], {}).kind, 'help');
});

test('--experimental-watch-progress-notify-interval takes a Go duration and refuses anything else in etcd\'s words', () => {
  assert.equal(configOf(['--experimental-watch-progress-notify-interval', '1m30s']).watchProgressNotifyIntervalMs, 90_000);
  const result = loadServerConfig(['--experimental-watch-progress-notify-interval', '10'], {});
  assert.equal(result.kind === 'error' && result.error,
    'invalid value "10" for flag -experimental-watch-progress-notify-interval: parse error');
});

test('--experimental-initial-corrupt-check is a bool and --experimental-corrupt-check-time a Go duration, off by default as in etcd', () => {
  assert.equal(configOf(['--experimental-initial-corrupt-check']).initialCorruptCheck, true);
  assert.equal(configOf(['--experimental-initial-corrupt-check=false']).initialCorruptCheck, false);
  assert.equal(configOf([], { CAIRN_EXPERIMENTAL_INITIAL_CORRUPT_CHECK: 'true' }).initialCorruptCheck, true);
  assert.equal(configOf(['--experimental-corrupt-check-time', '2m30s']).corruptCheckIntervalMs, 150_000);
  assert.equal(configOf(['--experimental-corrupt-check-time=500ms']).corruptCheckIntervalMs, 500);
  const result = loadServerConfig(['--experimental-corrupt-check-time', '10'], {});
  assert.equal(result.kind === 'error' && result.error, 'invalid value "10" for flag -experimental-corrupt-check-time: parse error');
  const notBool = loadServerConfig(['--experimental-initial-corrupt-check=maybe'], {});
  assert.equal(notBool.kind === 'error' && notBool.error,
    'invalid boolean value "maybe" for -experimental-initial-corrupt-check: parse error');
});
