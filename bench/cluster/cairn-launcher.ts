/**
 * A fresh cairn cluster of real processes (dist/bin/cairn.js) on 127.0.0.1 for a benchmark: peer
 * and gRPC ports reserved up front (every member must know its peers' URLs, and advertises its
 * real client URL), the HTTP port picked by the process and read back from what it prints, data in
 * a new directory under `dataRoot`. Heartbeat and election timeouts are etcd's defaults, as the
 * etcd cluster it is compared with runs them.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newBenchCluster, waitHealthy, type BenchCluster, type BenchMember } from './bench-cluster.js';
import { freePort } from './free-port.js';

const CAIRN = fileURLToPath(new URL('../../bin/cairn.js', import.meta.url));
const HTTP_LINE = /serving client requests \(HTTP[^)]*\) on 127\.0\.0\.1:(\d+)/;
const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
/** How long a member may take to print its HTTP port. */
const START_TIMEOUT_MS = 20_000;

/**
 * How a member's node process is started: by default `node <args>`; a profiler wraps it (e.g.
 * `clinic flame -- node <args>`, or `node --cpu-prof <args>`).
 */
export type MemberLauncher = (name: string, nodeArgs: string[]) => { command: string; args: string[]; env?: NodeJS.ProcessEnv };

const plainNode: MemberLauncher = (_name, nodeArgs) => ({ command: process.execPath, args: nodeArgs });

/** `track` is given the cluster before any member starts, so an interrupted start can still be stopped. */
export async function startCairnCluster(size: number, dataRoot: string, track: (cluster: BenchCluster) => void,
  launcher: MemberLauncher = plainNode): Promise<BenchCluster> {
  const root = mkdtempSync(join(dataRoot, 'cairn-bench-'));
  const ports = [];
  for (let i = 0; i < size; i++) ports.push({ name: `m${i + 1}`, peer: await freePort(), client: await freePort() });
  const initialCluster = ports.map((p) => `${p.name}=http://127.0.0.1:${p.peer}`).join(',');
  const members: BenchMember[] = [];
  const cluster = newBenchCluster('cairn', PACKAGE_VERSION, members, root);
  track(cluster);
  try {
    await Promise.all(ports.map(async (p) => {
      const dataDir = join(root, p.name);
      const launch = launcher(p.name, [
        CAIRN, '--name', p.name, '--data-dir', dataDir,
        '--listen-client-urls', `http://127.0.0.1:${p.client}`, '--advertise-client-urls', `http://127.0.0.1:${p.client}`,
        '--listen-client-http-urls', 'http://127.0.0.1:0',
        '--listen-peer-urls', `http://127.0.0.1:${p.peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${p.peer}`,
        '--initial-cluster', initialCluster, '--initial-cluster-token', 'cairn-bench', '--initial-cluster-state', 'new',
      ]);
      const child = spawn(launch.command, launch.args, { stdio: ['ignore', 'pipe', 'pipe'], env: launch.env ?? process.env });
      const member: BenchMember = {
        name: p.name, process: child, dataDir, grpcTarget: `127.0.0.1:${p.client}`,
        nativeUrl: '', metricsUrl: '', healthUrl: '',
      };
      members.push(member);
      const httpPort = await new Promise<number>((resolve, reject) => {
        let printed = '';
        const timer = setTimeout(() => reject(new Error(`${p.name} did not report its HTTP port:\n${printed}`)), START_TIMEOUT_MS);
        const onData = (chunk: Buffer): void => {
          // Only the start-up lines are kept; later output is drained and dropped.
          if (printed.length < 64 * 1024) printed += chunk.toString();
          const match = HTTP_LINE.exec(printed);
          if (match !== null) { clearTimeout(timer); resolve(Number(match[1])); }
        };
        child.stdout!.on('data', onData);
        child.stderr!.on('data', onData);
        child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${p.name} exited with ${code}:\n${printed}`)); });
      });
      member.nativeUrl = `ws://127.0.0.1:${httpPort}/ws`;
      member.metricsUrl = `http://127.0.0.1:${httpPort}/metrics`;
      member.healthUrl = `http://127.0.0.1:${httpPort}/health`;
    }));
    await waitHealthy(members);
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}
