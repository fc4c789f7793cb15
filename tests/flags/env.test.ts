import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envName } from '../../bin/flags/env.js';
import { loadServerConfig } from '../../bin/flags/server-config.js';

test('CAIRN_<FLAG> names a flag in upper case with underscores', () => {
  assert.equal(envName('name'), 'CAIRN_NAME');
  assert.equal(envName('peer-client-cert-auth'), 'CAIRN_PEER_CLIENT_CERT_AUTH');
});

test('the environment sets flags that argv leaves unset', () => {
  const result = loadServerConfig(['--snapshot-count', '7'], {
    CAIRN_NAME: 'envname', CAIRN_HEARTBEAT_INTERVAL: '50', CAIRN_CLIENT_CERT_AUTH: 'true',
    CAIRN_INITIAL_CLUSTER: 'envname=http://localhost:2380', ETCD_NAME: 'not-ours', PATH: '/bin',
  });
  assert.equal(result.kind, 'config');
  if (result.kind !== 'config') return;
  assert.equal(result.config.name, 'envname');
  assert.equal(result.config.heartbeatIntervalMs, 50);
  assert.equal(result.config.snapshotCount, 7);
  assert.equal(result.config.clientTls.clientCertAuth, true);
  assert.deepEqual(result.warnings, []);
});

test('a flag beats its variable, with etcd\'s warning about the shadowed variable', () => {
  const result = loadServerConfig(['--name', 'flagname'], { CAIRN_NAME: 'envname' });
  assert.equal(result.kind, 'config');
  if (result.kind !== 'config') return;
  assert.equal(result.config.name, 'flagname');
  assert.deepEqual(result.warnings, [
    'conflicting environment variable "CAIRN_NAME" is shadowed by corresponding command-line flag (either unset environment variable or disable flag)',
  ]);
});

test('a CAIRN_ variable that names no flag is reported as etcd reports it', () => {
  const result = loadServerConfig([], { CAIRN_FOO: '1' });
  assert.deepEqual(result.kind === 'config' && result.warnings, ['unrecognized environment variable CAIRN_FOO=1']);
});

test('an explicit --listen-client-urls is satisfied by CAIRN_ADVERTISE_CLIENT_URLS', () => {
  const result = loadServerConfig(['--listen-client-urls', 'http://127.0.0.1:2379'], { CAIRN_ADVERTISE_CLIENT_URLS: 'http://127.0.0.1:2379' });
  assert.equal(result.kind, 'config');
});

test('of several bad variables, the first in flag-name order is reported', () => {
  const result = loadServerConfig([], { CAIRN_SNAPSHOT_COUNT: 'x', CAIRN_ELECTION_TIMEOUT: 'y' });
  assert.equal(result.kind === 'error' && result.error,
    'error verifying flags, invalid value "y" for CAIRN_ELECTION_TIMEOUT: parse error. See \'cairn --help\'.');
});

test('an empty variable counts as unset, as in etcd', () => {
  const result = loadServerConfig([], { CAIRN_HEARTBEAT_INTERVAL: '' });
  assert.equal(result.kind === 'config' && result.config.heartbeatIntervalMs, 100);
});
