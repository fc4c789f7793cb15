/**
 * The Go clientv3 load generator end to end against a real one-member cairn process: its own Go
 * unit tests, the build, a preload, a 1-second put workload, and a few linearizable ranges and
 * compare-and-swap Txns. Checks that etcd's own client gets answers from cairn, never how fast.
 * Skipped, with the reason, where the Go toolchain or etcd's Go sources are not installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchCluster } from '../../bench/cluster/bench-cluster.js';
import { startCairnCluster } from '../../bench/cluster/cairn-launcher.js';
import { buildClientV3Load, goToolchainMissing, testClientV3Load } from '../../bench/clientv3/go-build.js';
import { preloadArgs, rowArgs, runGo, type GoLoadResult, type GoPreloadResult } from '../../bench/clientv3/go-load.js';
import { MATRIX } from '../../bench/clientv3/clientv3-matrix.js';

const missing = goToolchainMissing();

test('etcd\'s Go client puts, reads and compare-and-swaps on a one-member cairn', { skip: missing ?? false, timeout: 600_000 }, async () => {
  assert.match(await testClientV3Load(), /^ok\s/m);
  const { binary } = await buildClientV3Load();
  const root = mkdtempSync(join(tmpdir(), 'cairn-clientv3-'));
  let cluster: BenchCluster | null = null;
  try {
    cluster = await startCairnCluster(1, root, () => {});
    const shape = { endpoints: [cluster.members[0]!.grpcTarget], keySpace: 1000, keySize: 8, valueSize: 256, durationSeconds: 1, warmupSeconds: 0 };
    const preload = await runGo<GoPreloadResult>(binary, preloadArgs(shape, 4), 30_000);
    assert.deepEqual([preload.keys, preload.txns, preload.errors], [1000, 8, 0]);

    const put = await runGo<GoLoadResult>(binary, rowArgs(MATRIX.find((row) => row.name === 'put-8')!, shape), 1000);
    assert.equal(put.errors, 0, JSON.stringify(put.error_kinds));
    assert.ok(put.ops > 0);
    assert.equal(put.latency.count, put.ops);
    assert.equal(put.measured_s, 1);
    assert.equal(put.ops_per_sec, put.ops);

    // Counted runs (--total), so the check never depends on how fast the machine is.
    const counted = (args: string[]): string[] => [...args.slice(0, args.indexOf('--duration')), '--total', '50'];
    const range = await runGo<GoLoadResult>(binary, counted(rowArgs(MATRIX.find((row) => row.name === 'range-8')!, shape)), 1000);
    assert.deepEqual([range.ops, range.errors, range.empty_ranges, range.consistency], [50, 0, 0, 'l']);
    const txn = await runGo<GoLoadResult>(binary, counted(rowArgs(MATRIX.find((row) => row.name === 'txn-8')!, shape)), 1000);
    assert.deepEqual([txn.ops, txn.errors], [50, 0], JSON.stringify(txn.error_kinds));
  } finally {
    await cluster?.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
