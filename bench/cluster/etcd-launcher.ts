/**
 * A fresh real etcd cluster (Debian's etcd-server, /usr/bin/etcd 3.4) on 127.0.0.1, configured
 * like the cairn cluster it races: same member count, etcd's default heartbeat/election and
 * fsync behaviour, data in a new directory under `dataRoot`. Its /metrics and /health live on its
 * client URL. Output goes to a log file in the data root (etcd 3.4 logs every election).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { newBenchCluster, waitHealthy, type BenchCluster, type BenchMember } from './bench-cluster.js';
import { freePort } from './free-port.js';

export const ETCD_BINARY_DEFAULT = '/usr/bin/etcd';

/** "3.4.23" from `etcd --version`. */
export function etcdVersion(binary: string): string {
  const printed = execFileSync(binary, ['--version'], { encoding: 'utf8' });
  return /etcd Version: (\S+)/.exec(printed)?.[1] ?? 'unknown';
}

/** `track` is given the cluster as soon as its members are spawned, so an interrupted start can still be stopped. */
export async function startEtcdCluster(size: number, dataRoot: string, track: (cluster: BenchCluster) => void,
  binary = ETCD_BINARY_DEFAULT): Promise<BenchCluster> {
  const version = etcdVersion(binary);
  const root = mkdtempSync(join(dataRoot, 'etcd-bench-'));
  const ports = [];
  for (let i = 0; i < size; i++) ports.push({ name: `m${i + 1}`, peer: await freePort(), client: await freePort() });
  const initialCluster = ports.map((p) => `${p.name}=http://127.0.0.1:${p.peer}`).join(',');
  const members: BenchMember[] = ports.map((p) => {
    const dataDir = join(root, p.name);
    const log = openSync(join(root, `${p.name}.log`), 'a');
    const child = spawn(binary, [
      '--name', p.name, '--data-dir', dataDir,
      '--listen-client-urls', `http://127.0.0.1:${p.client}`, '--advertise-client-urls', `http://127.0.0.1:${p.client}`,
      '--listen-peer-urls', `http://127.0.0.1:${p.peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${p.peer}`,
      '--initial-cluster', initialCluster, '--initial-cluster-token', 'etcd-bench', '--initial-cluster-state', 'new',
    ], { stdio: ['ignore', log, log] });
    closeSync(log);
    const client = `http://127.0.0.1:${p.client}`;
    return {
      name: p.name, process: child, dataDir, grpcTarget: `127.0.0.1:${p.client}`, nativeUrl: null,
      metricsUrl: `${client}/metrics`, healthUrl: `${client}/health`,
    };
  });
  const cluster = newBenchCluster('etcd', version, members, root);
  track(cluster);
  try {
    await waitHealthy(members);
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}
