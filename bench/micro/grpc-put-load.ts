/**
 * The unary Put load of the gRPC micro-benchmark, shared by grpc.bench.ts (CPU per call) and
 * flamegraphs/profile-grpc-unary.ts (where that CPU goes): a server process answering Put at once
 * (grpc-server-process.ts, through grpc-js's unary call or cairn's raw route), and 8 grpc-js
 * channels x 64 pipelined calls driven at it from this process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { etcdClient } from '../../net/grpc/protos.js';

export type PutServerMode = 'grpc-js' | 'raw';

export const PUT_REQUEST = { key: Buffer.from('key00042'), value: Buffer.alloc(256, 7) };
const CHANNELS = 8;
const IN_FLIGHT_PER_CHANNEL = 64;

type PutClient = grpc.Client & { Put(r: object, cb: (e: grpc.ServiceError | null) => void): void };

export interface PutServer {
  process: ChildProcess;
  port: number;
}

/** Starts the server process (`execArgv`: node flags for it, e.g. --cpu-prof) and waits for its port. */
export async function startPutServer(mode: PutServerMode, execArgv: string[] = []): Promise<PutServer> {
  const child = fork(new URL('./grpc-server-process.js', import.meta.url), [mode], { execArgv });
  const [{ port }] = await once(child, 'message') as [{ port: number }];
  return { process: child, port };
}

/** Sends `message` to the server process and returns its answer. */
export async function askPutServer<T>(server: PutServer, message: 'mark' | 'busy'): Promise<T> {
  server.process.send(message);
  return (await once(server.process, 'message'))[0] as T;
}

/** Stops the server process and waits for it to exit (a profiled one writes its profile then). */
export async function stopPutServer(server: PutServer): Promise<void> {
  const exited = once(server.process, 'exit');
  server.process.send('stop');
  await exited;
}

/**
 * Pipelined unary Puts against `port` for `durationMs` after one warm-up call per channel, with
 * `onStart` run between the warm-up and the measured calls; returns the calls answered and their seconds.
 */
export async function drivePuts(port: number, durationMs: number, onStart: () => Promise<void>): Promise<{ calls: number; seconds: number }> {
  const KV = etcdClient('KV');
  const clients = Array.from({ length: CHANNELS }, (_, i) =>
    new KV(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.channel_id': i }) as unknown as PutClient);
  const call = (client: PutClient) => new Promise<void>((resolve, reject) => client.Put(PUT_REQUEST, (e) => (e ? reject(e) : resolve())));
  try {
    for (const client of clients) await call(client);
    await onStart();
    let calls = 0;
    const started = performance.now();
    const deadline = started + durationMs;
    await Promise.all(clients.flatMap((client) => Array.from({ length: IN_FLIGHT_PER_CHANNEL }, async () => {
      while (performance.now() < deadline) {
        await call(client);
        calls++;
      }
    })));
    return { calls, seconds: (performance.now() - started) / 1000 };
  } finally {
    for (const client of clients) client.close();
  }
}
