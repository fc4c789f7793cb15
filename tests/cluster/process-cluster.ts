/**
 * Test harness: a cluster of real `cairn` processes (dist/bin/cairn.js) on 127.0.0.1, driven
 * through etcd's gRPC API. Peer ports are reserved up front (every member must know the others'
 * peer URLs at start, as with etcd's --initial-cluster); client ports are ephemeral (port 0) and
 * read back from what each process prints. Every process is ended by its PID in close().
 */
import { freePort } from '../free-port.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { etcdClient } from '../../net/grpc/protos.js';

const CAIRN = fileURLToPath(new URL('../../bin/cairn.js', import.meta.url));
const CLIENT_LINE = /serving client requests \(gRPC\) on 127\.0\.0\.1:(\d+)/;
const HTTP_LINE = /serving client requests \(HTTP[^)]*\) on 127\.0\.0\.1:(\d+)/;

/** A gRPC client of one member: KV and Maintenance. */
export interface EtcdClients {
  kv: grpc.Client & Record<string, Function>;
  maintenance: grpc.Client & Record<string, Function>;
}

export interface ClusterProcess {
  name: string;
  peerPort: number;
  dataDir: string;
  process: ChildProcess | null;
  clientPort: number;
  /** Where HTTP is served (JSON gateway, WebSocket /ws, /health, /metrics): the client port, as etcd. */
  httpPort: number;
  clients: EtcdClients | null;
  output: string[];
  /** Flags for this member only (e.g. --initial-cluster-state existing for one that joins). */
  extraArgs?: string[];
}


/** Calls a unary gRPC method as a promise, with a deadline. */
export function call<T>(client: grpc.Client & Record<string, Function>, method: string, request: object, timeoutMs = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    client[method]!(request, { deadline: Date.now() + timeoutMs }, (error: grpc.ServiceError | null, response: T) =>
      (error ? reject(error) : resolve(response)));
  });
}

export class ProcessCluster {
  readonly root = mkdtempSync(join(tmpdir(), 'cairn-proc-'));
  readonly members: ClusterProcess[] = [];

  /**
   * With `advertiseClientPorts`, client ports are reserved up front (free ports from the OS) so each
   * member can advertise its real client URL; otherwise they are picked by the process (port 0).
   */
  constructor(private readonly size: number, private readonly heartbeatMs = 20, private readonly electionMs = 200,
    private readonly advertiseClientPorts = false, private readonly extraArgs: readonly string[] = []) {}

  /** A free port on 127.0.0.1 (for a member added later). */
  static freePort(): Promise<number> {
    return freePort();
  }

  async start(): Promise<void> {
    for (let i = 1; i <= this.size; i++) {
      this.members.push({
        name: `m${i}`, peerPort: await freePort(), dataDir: join(this.root, `m${i}`),
        process: null, clientPort: this.advertiseClientPorts ? await freePort() : 0, httpPort: 0, clients: null, output: [],
      });
    }
    await Promise.all(this.members.map((member) => this.launch(member)));
  }

  /** Starts (or restarts) a member's process and waits until it serves clients. */
  async launch(member: ClusterProcess): Promise<void> {
    const initialCluster = this.members.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(',');
    const child = spawn(process.execPath, [
      CAIRN, '--name', member.name, '--data-dir', member.dataDir,
      '--listen-client-urls', `http://127.0.0.1:${member.clientPort}`, '--advertise-client-urls', `http://127.0.0.1:${member.clientPort}`,
      '--listen-peer-urls', `http://127.0.0.1:${member.peerPort}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${member.peerPort}`,
      '--initial-cluster', initialCluster, '--initial-cluster-token', 'process-cluster',
      '--heartbeat-interval', String(this.heartbeatMs), '--election-timeout', String(this.electionMs),
      ...this.extraArgs,
      ...(member.extraArgs ?? []),
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    member.process = child;
    member.output = [];
    [member.clientPort, member.httpPort] = await new Promise<[number, number]>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        member.output.push(chunk.toString());
        const printed = member.output.join('');
        const grpcPort = CLIENT_LINE.exec(printed);
        const httpPort = HTTP_LINE.exec(printed);
        if (grpcPort && httpPort) resolve([Number(grpcPort[1]), Number(httpPort[1])]);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (chunk: Buffer) => member.output.push(chunk.toString()));
      child.once('exit', (code) => reject(new Error(`${member.name} exited with ${code} before serving:\n${member.output.join('')}`)));
    });
    const address = `127.0.0.1:${member.clientPort}`;
    const credentials = grpc.credentials.createInsecure();
    const KV = etcdClient('KV');
    const Maintenance = etcdClient('Maintenance');
    member.clients = {
      kv: new KV(address, credentials) as unknown as EtcdClients['kv'],
      maintenance: new Maintenance(address, credentials) as unknown as EtcdClients['maintenance'],
    };
  }

  /** kill -9: no shutdown, no flush; whatever was not fsynced is gone. */
  async kill(member: ClusterProcess): Promise<void> {
    const child = member.process;
    if (child === null) return;
    member.clients?.kv.close();
    member.clients?.maintenance.close();
    member.clients = null;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    member.process = null;
  }

  /** The member every live member names as leader, once they agree. */
  async leader(timeoutMs = 10_000): Promise<ClusterProcess> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const live = this.members.filter((m) => m.clients !== null);
      const statuses = await Promise.all(live.map((m) =>
        call<{ leader: string; header: { member_id: string } }>(m.clients!.maintenance, 'Status', {}, 500).catch(() => null)));
      const leaders = new Set(statuses.map((s) => s?.leader));
      if (statuses.every((s) => s !== null) && leaders.size === 1 && !leaders.has('0')) {
        const leaderId = [...leaders][0];
        const leader = live.find((_, i) => statuses[i]!.header.member_id === leaderId);
        if (leader !== undefined) return leader;
      }
      if (Date.now() > deadline) throw new Error('the live members did not agree on a leader in time');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Stops every process (SIGTERM, then SIGKILL) and removes the data. */
  async close(): Promise<void> {
    await Promise.all(this.members.map(async (member) => {
      const child = member.process;
      member.clients?.kv.close();
      member.clients?.maintenance.close();
      // A member that already died (e.g. failed to start) has no exit left to wait for.
      if (child === null || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }));
    rmSync(this.root, { recursive: true, force: true });
  }
}
