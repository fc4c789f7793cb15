/**
 * Test harness: one real etcd 3.4 member (Debian's etcd-server, /usr/bin/etcd) on 127.0.0.1 with
 * free ports and a temporary data dir, so a test can run etcdctl against real etcd and cairn alike.
 * The process is ended by its PID in close(), and its data dir removed.
 */
import { freePort } from '../free-port.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ETCD = '/usr/bin/etcd';
export const ETCDCTL = '/usr/bin/etcdctl';
/** etcd 3.4 logs this (capnslog or zap) once it accepts client requests. */
const READY_LINE = /ready to serve client requests/;
const START_TIMEOUT_MS = 15_000;

export { freePort };

/** Throws (never skips) when a binary the comparison needs is not installed. */
export function requireBinaries(): void {
  for (const binary of [ETCD, ETCDCTL]) {
    if (!existsSync(binary)) throw new Error(`${binary} is missing: install Debian's etcd-server and etcd-client`);
  }
}

export class EtcdProcess {
  readonly output: string[] = [];

  private constructor(readonly clientPort: number, readonly peerUrl: string, private readonly dataRoot: string,
    private readonly child: ChildProcess) {}

  /** Starts a single member and waits until it serves clients. */
  static async start(): Promise<EtcdProcess> {
    requireBinaries();
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const dataRoot = mkdtempSync(join(tmpdir(), 'cairn-etcd-'));
    const client = `http://127.0.0.1:${clientPort}`;
    const peer = `http://127.0.0.1:${peerPort}`;
    const child = spawn(ETCD, [
      '--name', 'e', '--data-dir', join(dataRoot, 'e'),
      '--listen-client-urls', client, '--advertise-client-urls', client,
      '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `e=${peer}`,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const etcd = new EtcdProcess(clientPort, peer, dataRoot, child);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`etcd did not serve clients in time:\n${etcd.output.join('')}`)), START_TIMEOUT_MS);
      const onData = (chunk: Buffer): void => {
        etcd.output.push(chunk.toString());
        if (READY_LINE.test(etcd.output.join(''))) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`etcd exited with ${code} before serving:\n${etcd.output.join('')}`));
      });
    }).catch(async (error: unknown) => {
      await etcd.close();
      throw error;
    });
    return etcd;
  }

  get address(): string {
    return `127.0.0.1:${this.clientPort}`;
  }

  /** Ends the process by its PID (SIGTERM, then SIGKILL) and removes the data dir. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      process.kill(this.child.pid!, 'SIGTERM');
      const timer = setTimeout(() => process.kill(this.child.pid!, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dataRoot, { recursive: true, force: true });
  }
}
