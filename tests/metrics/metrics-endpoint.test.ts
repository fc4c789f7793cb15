/**
 * /metrics on a real 3-member cairn cluster (separate processes): etcd's content type, every family
 * a member exports, values that move after writes, one leader; and, against a real etcd 3.4 when
 * it is installed, the same HELP and TYPE lines for every etcd_* and process_* family cairn shares
 * with it.
 */
import { freePort } from '../free-port.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, ProcessCluster } from '../cluster/process-cluster.js';
import { waitFor } from '../node/cluster-harness.js';
import { parseExposition } from '../../bench/cluster/metrics-scrape.js';
import * as grpc from '@grpc/grpc-js';
import { etcdClient } from '../../net/grpc/protos.js';

const ETCD = '/usr/bin/etcd';

const EXPECTED_FAMILIES = [
  'cairn_lease_total', 'cairn_peer_connections_refused_total', 'cairn_peer_messages_dropped_total', 'cairn_server_term', 'cairn_wal_batches_total', 'cairn_wal_bytes_written_total', 'cairn_wal_entries_total', 'cairn_wal_fsyncs_total',
  'cairn_watch_slow_moved_total', 'etcd_debugging_lease_granted_total', 'etcd_debugging_lease_renewed_total',
  'etcd_debugging_lease_revoked_total', 'etcd_debugging_mvcc_current_revision', 'etcd_debugging_mvcc_events_total',
  'etcd_debugging_mvcc_slow_watcher_total', 'etcd_debugging_mvcc_watch_stream_total', 'etcd_debugging_mvcc_watcher_total',
  'etcd_disk_wal_write_bytes_total', 'etcd_mvcc_db_total_size_in_bytes',
  'etcd_mvcc_db_total_size_in_use_in_bytes', 'etcd_server_has_leader', 'etcd_server_id', 'etcd_server_is_leader',
  'etcd_server_is_learner', 'etcd_server_leader_changes_seen_total', 'etcd_server_proposals_applied_total',
  'etcd_server_proposals_committed_total', 'etcd_server_version', 'process_cpu_seconds_total', 'process_open_fds',
  'process_resident_memory_bytes', 'process_start_time_seconds',
];

async function scrape(port: number): Promise<{ contentType: string | null; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(response.status, 200);
  return { contentType: response.headers.get('content-type'), text: await response.text() };
}

/** `# HELP` and `# TYPE` lines by family name. */
function headers(text: string): Map<string, string> {
  const byName = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^# (HELP|TYPE) (\S+) /.exec(line);
    if (match !== null) byName.set(match[2]!, `${byName.get(match[2]!) ?? ''}${line}\n`);
  }
  return byName;
}


/** A one-member real etcd's /metrics text, or null when etcd is not installed. */
async function realEtcdMetrics(): Promise<string | null> {
  if (!existsSync(ETCD)) return null;
  const dir = mkdtempSync(join(tmpdir(), 'etcd-metrics-'));
  const [client, peer] = [await freePort(), await freePort()];
  const child = spawn(ETCD, ['--name', 'm', '--data-dir', join(dir, 'data'),
    '--listen-client-urls', `http://127.0.0.1:${client}`, '--advertise-client-urls', `http://127.0.0.1:${client}`,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-cluster', `m=http://127.0.0.1:${peer}`], { stdio: 'ignore' });
  try {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const text = await fetch(`http://127.0.0.1:${client}/metrics`).then((response) => response.text(), () => null);
      if (text !== null && text.includes('etcd_server_has_leader 1')) return text;
      if (Date.now() > deadline) throw new Error('etcd did not serve /metrics with a leader in time');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

test('every member serves /metrics in text format 0.0.4; counters move after puts and one member leads', async () => {
  // etcd's default timings: a loaded machine must not hold an election mid-test (one leader, counts).
  const cluster = new ProcessCluster(3, 100, 1000);
  try {
    await cluster.start();
    const leader = await cluster.leader();
    const before = parseExposition((await scrape(leader.httpPort)).text);
    const Watch = etcdClient('Watch');
    const watchClient = new Watch(`127.0.0.1:${leader.clientPort}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, Function>;
    const watch = watchClient['Watch']!() as grpc.ClientDuplexStream<object, { created: boolean; events: unknown[] }>;
    let events = 0;
    let created = false;
    watch.on('data', (response) => { created ||= response.created; events += response.events.length; });
    watch.on('error', () => {});
    watch.write({ create_request: { key: Buffer.from('metrics-'), range_end: Buffer.from('metrics.') } });
    await waitFor('the watch to be created', () => created);
    const Lease = etcdClient('Lease');
    const leaseClient = new Lease(`127.0.0.1:${leader.clientPort}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, Function>;
    await call(leaseClient, 'LeaseGrant', { TTL: 60, ID: 0 });
    for (let i = 0; i < 5; i++) {
      await call(leader.clients!.kv, 'Put', { key: Buffer.from(`metrics-${i}`), value: Buffer.from('v') });
    }
    let leaders = 0;
    for (const member of cluster.members) {
      const { contentType, text } = await scrape(member.httpPort);
      assert.equal(contentType, 'text/plain; version=0.0.4; charset=utf-8');
      assert.deepEqual([...headers(text).keys()], EXPECTED_FAMILIES, `${member.name}'s families, sorted`);
      const series = parseExposition(text);
      assert.equal(series.get('etcd_server_has_leader'), 1, member.name);
      assert.ok(series.get('etcd_server_leader_changes_seen_total')! >= 1, member.name);
      assert.ok(series.get('process_resident_memory_bytes')! > 0, member.name);
      assert.match(text, /^cairn_peer_connections_refused_total\{reason="not_a_member"\} 0$/m, member.name);
      leaders += series.get('etcd_server_is_leader')!;
    }
    assert.equal(leaders, 1);
    await waitFor('the 5 events to reach the watch', () => events >= 5);
    const after = parseExposition((await scrape(leader.httpPort)).text);
    assert.equal(after.get('etcd_debugging_mvcc_watch_stream_total'), 1);
    assert.equal(after.get('etcd_debugging_mvcc_watcher_total'), 1);
    assert.equal(after.get('etcd_debugging_mvcc_events_total'), 5);
    assert.equal(after.get('etcd_debugging_lease_granted_total'), 1);
    assert.equal(after.get('cairn_lease_total'), 1);
    watch.cancel();
    watchClient.close();
    leaseClient.close();
    assert.ok(after.get('etcd_debugging_mvcc_current_revision')! >= before.get('etcd_debugging_mvcc_current_revision')! + 5);
    for (const name of ['etcd_server_proposals_committed_total', 'etcd_server_proposals_applied_total', 'cairn_wal_entries_total',
      'cairn_wal_fsyncs_total', 'cairn_wal_bytes_written_total', 'etcd_disk_wal_write_bytes_total']) {
      assert.ok(after.get(name)! > before.get(name)!, `${name} moved: ${before.get(name)} -> ${after.get(name)}`);
    }
  } finally {
    await cluster.close();
  }
});

test('the etcd_* and process_* families cairn exports have a real etcd 3.4\'s HELP and TYPE lines', async (t) => {
  const etcd = await realEtcdMetrics();
  if (etcd === null) return t.skip(`${ETCD} is not installed`);
  const cluster = new ProcessCluster(1);
  try {
    await cluster.start();
    await cluster.leader();
    const ours = headers((await scrape(cluster.members[0]!.httpPort)).text);
    const theirs = headers(etcd);
    for (const [name, lines] of ours) {
      if (!name.startsWith('etcd_') && !name.startsWith('process_')) continue;
      assert.equal(lines, theirs.get(name), `${name} as etcd writes it`);
    }
  } finally {
    await cluster.close();
  }
});
