/** Rounds of the clientv3 benchmark merge into one row per workload: figures in round order, ratios of the means. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerKind } from '../../bench/cluster/bench-cluster.js';
import { MATRIX } from '../../bench/clientv3/clientv3-matrix.js';
import { clientV3Markdown, summarizeRows, type ClientV3Result, type RoundRun, type RowRun } from '../../bench/clientv3/clientv3-result.js';
import type { GoLoadResult } from '../../bench/clientv3/go-load.js';

const PUT_1 = MATRIX[0]!;
const TXN_8 = MATRIX.find((row) => row.name === 'txn-8')!;

function rowRun(row: string, opsPerSec: number, p50Ms: number, p99Ms: number, errors = 0): RowRun {
  const result: GoLoadResult = {
    workload: 'put', endpoints: ['127.0.0.1:1'], clients: 1, conns: 1, key_size: 8, value_size: 256, key_space: 100_000, warmup_s: 2,
    measured_s: 10, ops: opsPerSec * 10, ops_per_sec: opsPerSec, errors, error_kinds: errors > 0 ? { 'etcdserver: request timed out': errors } : {},
    latency: { count: opsPerSec * 10, mean_ms: p50Ms, p50_ms: p50Ms, p90_ms: p99Ms, p99_ms: p99Ms, p999_ms: p99Ms, max_ms: p99Ms },
    per_second: [opsPerSec], empty_ranges: 0, cas_retries: 0, prime_s: 0, client_cores: 0.5,
  };
  return {
    row, load_average_at_start: 1.5, result,
    members: { m1: { leader: true, cpu_percent_avg: 80, cpu_percent_max: 90, rss_bytes_max: 1, fsyncs_per_sec_avg: 1, entries_per_fsync_avg: 1 } },
  };
}

function round(server: ServerKind, index: number, rows: RowRun[]): RoundRun {
  return {
    server, round: index, server_version: server === 'etcd' ? '3.4.23' : '0.1.0', load_average_at_start: 2,
    preload: { workload: 'preload', keys: 100_000, txns: 782, seconds: 3, errors: 0 }, rows,
  };
}

const ROUNDS = [
  round('cairn', 1, [rowRun('put-1', 200, 5, 12), rowRun('txn-8', 800, 9, 20, 1)]),
  round('etcd', 1, [rowRun('put-1', 800, 1, 6), rowRun('txn-8', 1800, 4, 13)]),
  round('cairn', 2, [rowRun('put-1', 160, 5.2, 14), rowRun('txn-8', 700, 10, 26, 2)]),
  round('etcd', 2, [rowRun('put-1', 600, 1.2, 6), rowRun('txn-8', 1600, 4.5, 14)]),
];

test('each row lists every round\'s figures per server in the order the rounds ran, and adds up errors', () => {
  const [put] = summarizeRows([PUT_1, TXN_8], ROUNDS);
  assert.deepEqual(put!.servers.cairn, { ops_per_sec: [200, 160], p50_ms: [5, 5.2], p99_ms: [12, 14], errors: 0 });
  assert.deepEqual(put!.servers.etcd!.ops_per_sec, [800, 600]);
  const txn = summarizeRows([TXN_8], ROUNDS)[0]!;
  assert.equal(txn.servers.cairn!.errors, 3);
  assert.equal(txn.label, 'txn (compare + put), 8 clients');
});

test('the ratios are cairn\'s mean over etcd\'s mean: ops/s above 1 and p99 below 1 favour cairn', () => {
  const [put, txn] = summarizeRows([PUT_1, TXN_8], ROUNDS);
  assert.equal(put!.ratio_ops_per_sec, 180 / 700);
  assert.equal(put!.ratio_p99, 13 / 6);
  assert.equal(txn!.ratio_ops_per_sec, 750 / 1700);
});

test('with one server alone, or a row no round ran, there is no ratio', () => {
  const cairnOnly = summarizeRows([PUT_1], ROUNDS.filter((r) => r.server === 'cairn'))[0]!;
  assert.equal(cairnOnly.ratio_ops_per_sec, null);
  assert.equal(cairnOnly.ratio_p99, null);
  assert.equal(cairnOnly.servers.etcd, undefined);
  const notRun = summarizeRows([MATRIX.find((row) => row.name === 'range-8')!], ROUNDS)[0]!;
  assert.deepEqual(notRun.servers, {});
  assert.equal(notRun.ratio_ops_per_sec, null);
});

test('the markdown shows each row\'s rounds side by side with the ratio, every run, and every error message', () => {
  const result: ClientV3Result = {
    name: 'clientv3-compare', date: '2026-12-07', started_at: '', finished_at: '', command: 'node dist/bench/clientv3/run-clientv3.js',
    source: { commit: '0123456789abcdef', modified: [] }, machine: { cpu_count: 2, cpu_model: 'AMD EPYC', memory_bytes: 2 ** 34, kernel: '6', node: 'v20' },
    workload: { members: 3, key_space: 100_000, key_size: 8, value_size: 256, duration_s: 10, warmup_s: 2, preload_clients: 16, rounds: 2, servers: ['cairn', 'etcd'] },
    generator: { source_hash: 'abc', go_version: 'go version go1.19.8 linux/amd64' },
    rows: summarizeRows([PUT_1, TXN_8], ROUNDS), rounds: ROUNDS,
  };
  const markdown = clientV3Markdown(result);
  assert.match(markdown, /\| put, 1 client \| 200, 160 \| 800, 600 \| \*\*0\.26\*\* \| 5\.0, 5\.2 \| 1\.0, 1\.2 \| 12, 14 \| 6\.0, 6\.0 \| 2\.17 \| cairn 0, etcd 0 \|/);
  assert.match(markdown, /\| 2 \| etcd \| txn-8 \| 1,600 \|/);
  assert.match(markdown, /cairn round 2, txn-8: 2 x `etcdserver: request timed out`/);
  assert.match(markdown, /Rounds alternate servers: cairn 1, etcd 1, cairn 2, etcd 2\./);
  assert.match(markdown, /cairn 1 2\.00, etcd 1 2\.00, cairn 2 2\.00, etcd 2 2\.00; from 1\.50 to 1\.50 when the rows began/);
});
