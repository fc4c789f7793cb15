/**
 * /metrics on a real 3-member cairn cluster (separate processes): etcd's content type, every family
 * a member exports, values that move after writes, one leader; and, against a real etcd 3.4 when
 * it is installed, the same HELP and TYPE lines (and bucket bounds) for every etcd_* and process_*
 * family cairn shares with it.
 */
import { freePort } from '../free-port.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, ProcessCluster } from '../cluster/process-cluster.js';
import { waitFor } from '../node/cluster-harness.js';
import { parseExposition } from '../../bench/cluster/metrics-scrape.js';
import * as grpc from '@grpc/grpc-js';
import { etcdClient } from '../../net/grpc/protos.js';

const ETCD = '/usr/bin/etcd';

/**
 * etcd 3.4's families that cairn serves with etcd's meaning: a dashboard, an alert or
 * `etcdctl check` reading one of these must find it. The test fails when one is missing.
 */
const ETCD_FAMILIES = [
  'etcd_cluster_version', 'etcd_debugging_lease_granted_total', 'etcd_debugging_lease_renewed_total', 'etcd_debugging_lease_revoked_total',
  'etcd_debugging_mvcc_current_revision', 'etcd_debugging_mvcc_events_total', 'etcd_debugging_mvcc_keys_total',
  'etcd_debugging_mvcc_slow_watcher_total', 'etcd_debugging_mvcc_watch_stream_total', 'etcd_debugging_mvcc_watcher_total',
  'etcd_disk_backend_commit_duration_seconds', 'etcd_disk_wal_fsync_duration_seconds', 'etcd_disk_wal_write_bytes_total',
  'etcd_mvcc_db_total_size_in_bytes', 'etcd_mvcc_db_total_size_in_use_in_bytes', 'etcd_mvcc_delete_total', 'etcd_mvcc_put_total',
  'etcd_mvcc_range_total', 'etcd_mvcc_txn_total', 'etcd_network_active_peers', 'etcd_network_peer_received_bytes_total',
  'etcd_network_peer_round_trip_time_seconds', 'etcd_network_peer_sent_bytes_total', 'etcd_server_has_leader',
  'etcd_server_heartbeat_send_failures_total', 'etcd_server_id', 'etcd_server_is_leader', 'etcd_server_is_learner',
  'etcd_server_leader_changes_seen_total', 'etcd_server_proposals_applied_total', 'etcd_server_proposals_committed_total',
  'etcd_server_proposals_failed_total', 'etcd_server_proposals_pending', 'etcd_server_quota_backend_bytes', 'etcd_server_slow_apply_total',
  'etcd_server_version', 'etcd_snap_db_fsync_duration_seconds', 'etcd_snap_db_save_total_duration_seconds',
  'grpc_server_handled_total', 'grpc_server_msg_received_total', 'grpc_server_msg_sent_total', 'grpc_server_started_total',
  'process_cpu_seconds_total', 'process_open_fds', 'process_resident_memory_bytes', 'process_start_time_seconds',
];

/** etcd's peer families with their HELP and TYPE, copied from a real 3-member etcd 3.4's /metrics. */
const ETCD_PEER_FAMILIES = [
  ['etcd_network_active_peers', 'The current number of active peer connections.', 'gauge'],
  ['etcd_network_peer_received_bytes_total', 'The total number of bytes received from peers.', 'counter'],
  ['etcd_network_peer_round_trip_time_seconds', 'Round-Trip-Time histogram between peers', 'histogram'],
  ['etcd_network_peer_sent_bytes_total', 'The total number of bytes sent to peers.', 'counter'],
] as const;

/** cairn's own families: exactly these, no more. */
const CAIRN_FAMILIES = [
  'cairn_apply_busy_seconds', 'cairn_apply_ring_depth_records', 'cairn_lease_total', 'cairn_peer_connections_refused_total',
  'cairn_peer_messages_dropped_total', 'cairn_server_term', 'cairn_wal_batches_total', 'cairn_wal_busy_seconds',
  'cairn_wal_bytes_written_total', 'cairn_wal_entries_total', 'cairn_wal_fsyncs_total', 'cairn_wal_group_commit_entries',
  'cairn_wal_ring_depth_records', 'cairn_watch_slow_moved_total',
];

/**
 * Node's runtime in place of etcd's go_*: prom-client's default metrics. A family with no series
 * yet (GC durations before the first collection, requests when none is pending) is left out.
 */
const NODE_FAMILIES = [
  'nodejs_active_handles', 'nodejs_active_handles_total', 'nodejs_active_requests', 'nodejs_active_requests_total',
  'nodejs_active_resources', 'nodejs_active_resources_total', 'nodejs_eventloop_lag_max_seconds', 'nodejs_eventloop_lag_mean_seconds',
  'nodejs_eventloop_lag_min_seconds', 'nodejs_eventloop_lag_p50_seconds', 'nodejs_eventloop_lag_p90_seconds',
  'nodejs_eventloop_lag_p99_seconds', 'nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_stddev_seconds',
  'nodejs_external_memory_bytes', 'nodejs_gc_duration_seconds', 'nodejs_heap_size_total_bytes', 'nodejs_heap_size_used_bytes',
  'nodejs_heap_space_size_available_bytes', 'nodejs_heap_space_size_total_bytes', 'nodejs_heap_space_size_used_bytes',
  'nodejs_version_info',
];
/** What the dashboard and the alert rules read of them: always there. */
const NODE_FAMILIES_ALWAYS = ['nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_version_info'];
/** prom-client's process_* families that etcd's client_golang does not have. */
const NODE_PROCESS_FAMILIES = ['process_cpu_system_seconds_total', 'process_cpu_user_seconds_total', 'process_heap_bytes'];

/** `promtool check metrics`' exit status when the text parses but lint rules flag names. */
const PROMTOOL_LINT_PROBLEMS = 3;

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

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

/** The `le` labels of a histogram family without other labels, as written. */
function bucketBounds(text: string, name: string): string[] {
  return [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} `, 'gm'))].map((match) => match[1]!);
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
      if (text !== null && text.includes('etcd_server_has_leader 1') && text.includes('etcd_cluster_version{')) return text;
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
      const families = [...headers(text).keys()];
      assert.deepEqual(families, [...families].sort(), `${member.name}'s families come sorted`);
      for (const name of ETCD_FAMILIES) assert.ok(families.includes(name), `${member.name} serves etcd's ${name}`);
      assert.deepEqual(families.filter((name) => name.startsWith('cairn_')), CAIRN_FAMILIES, `${member.name}'s own families`);
      const node = families.filter((name) => !/^(etcd|grpc|process|cairn)_/.test(name));
      assert.deepEqual(node.filter((name) => !NODE_FAMILIES.includes(name)), [], `${member.name}: only prom-client's runtime families`);
      for (const name of NODE_FAMILIES_ALWAYS) assert.ok(node.includes(name), `${member.name} serves ${name}`);
      // Two peers each, named by id; every member probed both when it connected.
      assert.equal(text.match(/^etcd_network_active_peers\{Local="[0-9a-f]{16}",Remote="[0-9a-f]{16}"\} 1$/gm)?.length, 2, member.name);
      assert.equal(text.match(/^etcd_network_peer_round_trip_time_seconds_count\{To="[0-9a-f]{16}"\} [1-9]/gm)?.length, 2, member.name);
      // Followers send each other nothing (etcd's do not either), so only the series is sure to be there.
      assert.equal(text.match(/^etcd_network_peer_sent_bytes_total\{To="[0-9a-f]{16}"\} \d+$/gm)?.length, 2, member.name);
      const series = parseExposition(text);
      assert.equal(series.get('etcd_server_has_leader'), 1, member.name);
      assert.ok(series.get('etcd_server_leader_changes_seen_total')! >= 1, member.name);
      assert.ok(series.get('process_resident_memory_bytes')! > 0, member.name);
      assert.match(text, /^cairn_peer_connections_refused_total\{reason="not_a_member"\} 0$/m, member.name);
      leaders += series.get('etcd_server_is_leader')!;
    }
    assert.equal(leaders, 1);
    const leaderText = (await scrape(leader.httpPort)).text;
    // Only a cluster of several has these; their lines as a real 3-member etcd 3.4 writes them.
    for (const [name, help, type] of ETCD_PEER_FAMILIES) {
      assert.equal(headers(leaderText).get(name), `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`);
    }
    assert.equal(leaderText.match(/^etcd_network_peer_sent_bytes_total\{To="[0-9a-f]{16}"\} [1-9]/gm)?.length, 2, 'the leader sent to both');
    if (onPath('promtool')) {
      // Prometheus' own parser reads the whole body; what it lints (gauges named *_total) is etcd's naming, kept as etcd has it.
      const check = spawnSync('promtool', ['check', 'metrics'], { input: leaderText, encoding: 'utf8' });
      assert.ok(check.status === 0 || check.status === PROMTOOL_LINT_PROBLEMS, `${check.status}: ${check.stdout}${check.stderr}`);
      assert.doesNotMatch(`${check.stdout}${check.stderr}`, /parsing error|error while linting/);
    }
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
      'cairn_wal_fsyncs_total', 'cairn_wal_bytes_written_total', 'etcd_disk_wal_write_bytes_total',
      'etcd_disk_wal_fsync_duration_seconds_count', 'etcd_disk_wal_fsync_duration_seconds_sum',
      'etcd_disk_wal_fsync_duration_seconds_bucket{le="+Inf"}', 'etcd_disk_backend_commit_duration_seconds_count',
      'cairn_wal_group_commit_entries_count', 'cairn_wal_busy_seconds_count', 'cairn_apply_busy_seconds_count',
      'cairn_apply_ring_depth_records_count', 'etcd_debugging_mvcc_keys_total']) {
      assert.ok(after.get(name)! > before.get(name)!, `${name} moved: ${before.get(name)} -> ${after.get(name)}`);
    }
    // Counted as etcd counts them: 5 puts, each one RPC answered OK with one message each way.
    const put = 'grpc_method="Put",grpc_service="etcdserverpb.KV",grpc_type="unary"';
    const moved = (series: string): number => after.get(series)! - before.get(series)!;
    assert.equal(moved('etcd_mvcc_put_total'), 5);
    assert.equal(moved(`grpc_server_started_total{${put}}`), 5);
    assert.equal(moved(`grpc_server_handled_total{grpc_code="OK",${put}}`), 5);
    assert.equal(moved(`grpc_server_msg_received_total{${put}}`), 5);
    assert.equal(moved(`grpc_server_msg_sent_total{${put}}`), 5);
    assert.equal(after.get(`grpc_server_handled_total{grpc_code="Unavailable",${put}}`), 0);
    assert.equal(after.get('etcd_server_quota_backend_bytes'), 2 * 1024 ** 3);
    assert.equal(after.get('etcd_cluster_version{cluster_version="3.4"}'), 1);
    // Without --metrics extensive there is no handling-time histogram.
    assert.equal(after.has(`grpc_server_handling_seconds_count{${put}}`), false);
  } finally {
    await cluster.close();
  }
});

test('the etcd_* and process_* families cairn exports have a real etcd 3.4\'s HELP and TYPE lines and bucket bounds', async (t) => {
  const etcd = await realEtcdMetrics();
  if (etcd === null) return t.skip(`${ETCD} is not installed`);
  const cluster = new ProcessCluster(1);
  try {
    await cluster.start();
    await cluster.leader();
    const cairnText = (await scrape(cluster.members[0]!.httpPort)).text;
    const ours = headers(cairnText);
    const theirs = headers(etcd);
    for (const [name, lines] of ours) {
      if (!name.startsWith('etcd_') && !name.startsWith('process_')) continue;
      if (NODE_PROCESS_FAMILIES.includes(name)) {
        assert.equal(theirs.has(name), false, `${name} is prom-client's own`);
        continue;
      }
      assert.equal(lines, theirs.get(name), `${name} as etcd writes it`);
      // A histogram's bucket bounds read as etcd's (prom-client spells numbers as JavaScript does, etcd as Go does).
      if (lines.endsWith(' histogram\n')) {
        assert.ok(bucketBounds(etcd, name).length > 0, name);
        assert.deepEqual(bucketBounds(cairnText, name), bucketBounds(etcd, name), `${name}'s le labels`);
      }
    }
  } finally {
    await cluster.close();
  }
});

test('--listen-metrics-urls serves /metrics and /health on its own port, and --metrics extensive times gRPC calls', async () => {
  const metricsPort = await freePort();
  const cluster = new ProcessCluster(1, 100, 1000, false, ['--listen-metrics-urls', `http://127.0.0.1:${metricsPort}`, '--metrics', 'extensive']);
  try {
    await cluster.start();
    const leader = await cluster.leader();
    await call(leader.clients!.kv, 'Put', { key: Buffer.from('timed'), value: Buffer.from('v') });
    const health = await fetch(`http://127.0.0.1:${metricsPort}/health`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), '{"health":"true"}');
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const series = parseExposition(await response.text());
    const put = 'grpc_method="Put",grpc_service="etcdserverpb.KV",grpc_type="unary"';
    assert.equal(series.get(`grpc_server_handling_seconds_count{${put}}`), 1);
    assert.equal(series.get(`grpc_server_handling_seconds_bucket{${put},le="+Inf"}`), 1);
    assert.equal(series.get('etcd_server_has_leader'), 1);
    // Only those two paths: the gateway and the other endpoints stay on the client ports.
    assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/version`)).status, 404);
  } finally {
    await cluster.close();
  }
});
