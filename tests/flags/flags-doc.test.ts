/**
 * docs/flags.md is the flag table, rendered: it must match what the code does, and the table must
 * hold every flag etcd 3.4 and 3.5 define (their etcdmain/config.go, read at v3.4.23 and v3.5.21),
 * each with a status. With etcd 3.4 installed, its own --help is checked too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { FLAG_TABLE, flagSpec } from '../../bin/flags/flag-table.js';
import { flagsDocument } from '../../bin/flags/flags-doc.js';

const ETCD_34_FLAGS = `advertise-client-urls auth-token auth-token-ttl auto-compaction-mode auto-compaction-retention auto-tls
  backend-batch-interval backend-batch-limit bcrypt-cost cert-file cipher-suites client-cert-allowed-hostname client-cert-auth
  client-crl-file config-file cors data-dir debug discovery discovery-fallback discovery-proxy discovery-srv discovery-srv-name
  election-timeout enable-grpc-gateway enable-pprof enable-v2 experimental-backend-bbolt-freelist-type
  experimental-compaction-batch-limit experimental-corrupt-check-time experimental-enable-lease-checkpoint
  experimental-enable-lease-checkpoint-persist experimental-enable-v2v3 experimental-initial-corrupt-check
  experimental-peer-skip-client-san-verification experimental-warning-apply-duration experimental-watch-progress-notify-interval
  force-new-cluster grpc-keepalive-interval grpc-keepalive-min-time grpc-keepalive-timeout heartbeat-interval host-whitelist
  initial-advertise-peer-urls initial-cluster initial-cluster-state initial-cluster-token initial-election-tick-advance key-file
  listen-client-urls listen-metrics-urls listen-peer-urls log-level log-output log-outputs log-package-levels logger
  max-concurrent-streams max-request-bytes max-snapshots max-txn-ops max-wals metrics name peer-auto-tls peer-cert-allowed-cn
  peer-cert-allowed-hostname peer-cert-file peer-client-cert-auth peer-crl-file peer-key-file peer-trusted-ca-file pre-vote proxy
  proxy-dial-timeout proxy-failure-wait proxy-read-timeout proxy-refresh-interval proxy-write-timeout quota-backend-bytes
  snapshot-count strict-reconfig-check trusted-ca-file unsafe-no-fsync version wal-dir
  cluster-active-size cluster-remove-delay cluster-sync-interval config force max-result-buffer max-retry-attempts
  peer-heartbeat-interval peer-election-timeout retry-interval snapshot v vv`.split(/\s+/);
const ETCD_35_ADDED = `backend-bbolt-freelist-type client-cert-file client-key-file enable-log-rotation
  experimental-bootstrap-defrag-threshold-megabytes experimental-compact-hash-check-enabled experimental-compact-hash-check-time
  experimental-compaction-sleep-interval experimental-distributed-tracing-address experimental-distributed-tracing-instance-id
  experimental-distributed-tracing-sampling-rate experimental-distributed-tracing-service-name experimental-downgrade-check-time
  experimental-enable-distributed-tracing experimental-memory-mlock experimental-snapshot-catchup-entries
  experimental-stop-grpc-service-on-defrag experimental-txn-mode-write-with-shared-buffer listen-client-http-urls
  log-rotation-config-json peer-client-cert-file peer-client-key-file raft-read-timeout raft-write-timeout
  self-signed-cert-validity socket-reuse-address socket-reuse-port tls-max-version tls-min-version v2-deprecation`.split(/\s+/);

test('docs/flags.md is the flag table rendered (regenerate: node dist/bin/flags/flags-doc.js > docs/flags.md)', () => {
  const committed = readFileSync(new URL('../../../docs/flags.md', import.meta.url), 'utf8');
  assert.equal(committed, flagsDocument());
});

test('every flag of etcd 3.4 and 3.5 is in the table, and the table holds nothing else', () => {
  for (const name of ETCD_34_FLAGS) assert.ok(flagSpec(name) !== undefined, `--${name} (etcd 3.4)`);
  for (const name of ETCD_35_ADDED) assert.equal(flagSpec(name)?.since, '3.5', `--${name} (etcd 3.5)`);
  assert.deepEqual(FLAG_TABLE.map((spec) => spec.name).sort(), [...ETCD_34_FLAGS, ...ETCD_35_ADDED].sort());
});

test('every flag in the page has a status and every refusal says why', () => {
  const page = flagsDocument();
  for (const spec of FLAG_TABLE) {
    const row = page.split('\n').find((line) => line.startsWith(`| \`--${spec.name}\` |`));
    assert.ok(row !== undefined, `--${spec.name} has a row`);
    assert.match(row, /\| (honoured|refused|no effect|ignored, as by etcd)/);
    if (spec.support.status === 'refused' || spec.support.status === 'no-op') assert.ok(spec.support.why.length > 10, spec.name);
  }
});

test('every flag etcd 3.4\'s --help lists is in the table with the same default', { skip: !existsSync('/usr/bin/etcd') }, () => {
  const help = execFileSync('/usr/bin/etcd', ['--help']).toString();
  const listed = [...help.matchAll(/^ {2}--([a-z0-9-]+) '?([^'\n]*)'?$/gm)];
  assert.ok(listed.length > 70);
  // Where cairn's default differs from etcd 3.4's on purpose (see each flag's note).
  const differs = new Set(['data-dir', 'logger', 'pre-vote', 'grpc-keepalive-interval', 'experimental-watch-progress-notify-interval', 'backend-batch-interval']);
  for (const [, name, etcdDefault] of listed) {
    const spec = flagSpec(name!);
    assert.ok(spec !== undefined, `--${name}`);
    if (!differs.has(name!)) assert.equal(spec.helpDefault ?? spec.defaultValue, etcdDefault, `--${name}'s default`);
  }
});
