/**
 * cairn-cluster: a local 3-member cluster on 127.0.0.1 for trying cairn, like etcd's Procfile
 * (same ports: clients on 2379/22379/32379, gRPC and HTTP (JSON gateway, WebSocket protocol,
 * /health, /metrics) alike; peers on 2380/22380/32380). With --http-ports, HTTP moves to ports of
 * its own, 2381/22381/32381 (--listen-client-http-urls), where the WebSocket protocol runs at
 * uWS's full speed instead of through the client port. Data lives in ./infra1.cairn,
 * ./infra2.cairn, ./infra3.cairn, so a restart keeps it. Ctrl-C (SIGINT) or SIGTERM stops every
 * member cleanly and waits for them.
 *
 *   cairn-cluster [--data-root DIR] [--http-ports]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MEMBERS = [
  { name: 'infra1', client: 2379, peer: 2380, http: 2381 },
  { name: 'infra2', client: 22379, peer: 22380, http: 22381 },
  { name: 'infra3', client: 32379, peer: 32380, http: 32381 },
];
const STOP_TIMEOUT_MS = 10_000;

const dataRootAt = process.argv.indexOf('--data-root');
const dataRoot = dataRootAt >= 0 ? process.argv[dataRootAt + 1] ?? '.' : '.';
const httpPorts = process.argv.includes('--http-ports');
const cairn = fileURLToPath(new URL('./cairn.js', import.meta.url));
const initialCluster = MEMBERS.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(',');

const children: ChildProcess[] = MEMBERS.map((m) => {
  const child = spawn(process.execPath, [
    cairn,
    '--name', m.name,
    '--data-dir', join(dataRoot, `${m.name}.cairn`),
    '--listen-client-urls', `http://127.0.0.1:${m.client}`,
    '--advertise-client-urls', `http://127.0.0.1:${m.client}`,
    ...(httpPorts ? ['--listen-client-http-urls', `http://127.0.0.1:${m.http}`] : []),
    '--listen-peer-urls', `http://127.0.0.1:${m.peer}`,
    '--initial-advertise-peer-urls', `http://127.0.0.1:${m.peer}`,
    '--initial-cluster-token', 'cairn-cluster-1',
    '--initial-cluster', initialCluster,
    '--initial-cluster-state', 'new',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `${m.name} | `;
  for (const stream of [child.stdout!, child.stderr!]) {
    let partial = '';
    stream.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(prefix + line + '\n');
    });
  }
  return child;
});

let stopping = false;
const exited = children.map((child) => new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1))));

async function stopAll(): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stdout.write('stopping all members...\n');
  for (const child of children) child.kill('SIGTERM');
  const timer = setTimeout(() => { for (const child of children) child.kill('SIGKILL'); }, STOP_TIMEOUT_MS);
  await Promise.all(exited);
  clearTimeout(timer);
  process.exit(0);
}

process.on('SIGINT', () => void stopAll());
process.on('SIGTERM', () => void stopAll());
process.stdout.write(`cairn local cluster: ${MEMBERS.length} members\n` +
  `  endpoints (gRPC, etcdctl): ${MEMBERS.map((m) => `127.0.0.1:${m.client}`).join(',')}\n` +
  `  HTTP (JSON gateway, WebSocket /ws, /health): ${MEMBERS.map((m) => `http://127.0.0.1:${m.http}`).join(' ')}\n` +
  `  try: ETCDCTL_API=3 etcdctl --endpoints=${MEMBERS.map((m) => `127.0.0.1:${m.client}`).join(',')} put foo bar\n` +
  '  Ctrl-C stops the cluster.\n');
// A member that dies on its own (say, kill -9 to watch a failover) leaves the others running, as
// goreman does; the launcher ends once every member has exited.
children.forEach((child, i) => child.on('exit', (code, signal) => {
  if (!stopping) process.stdout.write(`${MEMBERS[i]!.name} exited (${signal ?? `code ${code}`}); the others keep running\n`);
}));
void Promise.all(exited).then(() => process.exit(0));
