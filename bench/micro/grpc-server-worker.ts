/**
 * Worker for grpc.bench: a grpc-js server with etcd's KV service whose Put answers at once (no
 * storage), so what the bench measures is grpc-js and protobuf alone. Reports the event-loop time
 * it was busy when asked, so the bench can divide it by the calls served.
 */
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import { etcdService } from '../../net/grpc/protos.js';

const header = { cluster_id: '6841639068965178', member_id: '4276657743932975', revision: '98765', raft_term: '7' };
const server = new grpc.Server();
server.addService(etcdService('KV'), {
  Put: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => callback(null, { header }),
});
const port = await new Promise<number>((resolve, reject) =>
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
let mark = performance.eventLoopUtilization();
parentPort!.on('message', (message: string) => {
  if (message === 'mark') {
    mark = performance.eventLoopUtilization();
    parentPort!.postMessage({ marked: true });
  } else if (message === 'busy') {
    const since = performance.eventLoopUtilization(mark);
    parentPort!.postMessage({ activeMs: since.active });
  } else if (message === 'stop') {
    server.forceShutdown();
    parentPort!.close();
  }
});
parentPort!.postMessage({ port });
