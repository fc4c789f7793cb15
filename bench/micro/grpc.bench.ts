/**
 * gRPC termination cost: etcd's PutRequest decoded and PutResponse encoded with the protobuf
 * (de)serializers grpc-js uses for the etcd3 package's protos, and a grpc-js server (its own
 * worker thread, a Put handler that answers at once) measured by its event-loop busy time per
 * call under pipelined clients: that is the ceiling one thread of grpc-js puts on cairn's gRPC
 * API before any Raft or storage work.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { Bench } from 'tinybench';
import * as grpc from '@grpc/grpc-js';
import { etcdClient, etcdService } from '../../net/grpc/protos.js';
import { figuresFromBench, writeMicroReport, type Figure } from './report.js';

const put = etcdService('KV').Put!;
const request = { key: Buffer.from('key00042'), value: Buffer.alloc(256, 7) };
const requestBytes = put.requestSerialize(request);
const response = { header: { cluster_id: '6841639068965178', member_id: '4276657743932975', revision: '98765', raft_term: '7' } };

const bench = new Bench({ time: 1500, warmup: true });
bench.add('PutRequest decode (8 B key, 256 B value)', () => { put.requestDeserialize(requestBytes); });
bench.add('PutResponse encode (header)', () => { put.responseSerialize(response); });
await bench.run();
const figures: Figure[] = figuresFromBench(bench, 'messages/s');

// The server under pipelined unary calls: 8 channels x 64 calls in flight for 3 s.
const worker = new Worker(new URL('./grpc-server-worker.js', import.meta.url));
const [{ port }] = await once(worker, 'message') as [{ port: number }];
const KV = etcdClient('KV');
const clients = Array.from({ length: 8 }, (_, i) =>
  new KV(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.channel_id': i }) as unknown as
    grpc.Client & { Put(r: object, cb: (e: grpc.ServiceError | null) => void): void });
const call = (client: (typeof clients)[number]) => new Promise<void>((resolve, reject) => client.Put(request, (e) => (e ? reject(e) : resolve())));
for (const client of clients) await call(client);
const ask = async <T>(message: string): Promise<T> => { worker.postMessage(message); return (await once(worker, 'message'))[0] as T; };
await ask('mark');
let calls = 0;
const started = performance.now();
const deadline = started + 3000;
await Promise.all(clients.flatMap((client) => Array.from({ length: 64 }, async () => {
  while (performance.now() < deadline) {
    await call(client);
    calls++;
  }
})));
const seconds = (performance.now() - started) / 1000;
const { activeMs } = await ask<{ activeMs: number }>('busy');
const busyUsPerCall = (activeMs * 1000) / calls;
figures.push({ name: 'grpc-js server: unary Put calls/s observed (client on the other thread)', value: calls / seconds, unit: 'calls/s' });
figures.push({ name: 'grpc-js server: event-loop busy time per unary Put', value: busyUsPerCall, unit: 'us/call' });
figures.push({ name: 'grpc-js server: one-thread ceiling (1 s / busy time per call)', value: 1e6 / busyUsPerCall, unit: 'calls/s' });
worker.postMessage('stop');
for (const client of clients) client.close();
writeMicroReport('grpc', figures, [
  'The observed rate is bounded by the grpc-js client on the main thread; the ceiling is what the server thread alone could serve.',
  'cairn terminates gRPC on its main thread, which also drives Raft: every call costs the main thread at least this busy time.',
]);
