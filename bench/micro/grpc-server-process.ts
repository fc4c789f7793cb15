/**
 * Server process for grpc.bench: a grpc-js server with etcd's KV service whose Put answers at once
 * (no storage), so what the bench measures is the gRPC termination alone: through grpc-js's own
 * unary call on grpc-js's own listener (argument 'grpc-js') or through cairn's raw unary route as
 * the member serves it (argument 'raw': the client listener, which tells HTTP/2 from HTTP/1.1, and
 * the authority gate in front of the same grpc-js server). A process of its own, so its CPU time (every thread: main, GC, libuv) can be
 * read apart from the client's; reports that and its event-loop busy time since the last mark.
 */
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { etcdService } from '../../net/grpc/protos.js';
import { ClientListener } from '../../net/client-listener.js';
import { gateAuthority } from '../../net/grpc/h2/authority-gate.js';
import { addRawRoutes, RAW_ROUTE_SERVER_OPTIONS } from '../../net/grpc/raw/raw-routes.js';
import { unaryRoutes } from '../../net/grpc/raw/unary-call.js';
import { GrpcServerMetrics } from '../../net/grpc/grpc-metrics.js';

const header = { cluster_id: '6841639068965178', member_id: '4276657743932975', revision: '98765', raft_term: '7' };
const server = new grpc.Server(RAW_ROUTE_SERVER_OPTIONS);
if (process.argv[2] === 'raw') {
  addRawRoutes(server, unaryRoutes(etcdService('KV'), { Put: () => ({ header }) }, 4 * 1024 * 1024, new GrpcServerMetrics(false)));
} else {
  server.addService(etcdService('KV'), {
    Put: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => callback(null, { header }),
  });
}
/** The raw mode's listener: closed on 'stop' with the server, or the process would not exit. */
let listener: ClientListener | null = null;
async function listen(): Promise<number> {
  if (process.argv[2] === 'raw') {
    const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    const serve = (connection: Duplex): void => injector.injectConnection(connection);
    listener = await ClientListener.listen('127.0.0.1', 0, { http2: (socket) => gateAuthority(socket, serve), other: serve });
    return listener.port;
  }
  return new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
}
const port = await listen();
let markLoop = performance.eventLoopUtilization();
let markCpu = process.cpuUsage();
process.on('message', (message: string) => {
  if (message === 'mark') {
    markLoop = performance.eventLoopUtilization();
    markCpu = process.cpuUsage();
    process.send!({ marked: true });
  } else if (message === 'busy') {
    const cpu = process.cpuUsage(markCpu);
    process.send!({ activeMs: performance.eventLoopUtilization(markLoop).active, cpuMs: (cpu.user + cpu.system) / 1000 });
  } else if (message === 'stop') {
    listener?.close();
    server.forceShutdown();
    process.disconnect();
  }
});
process.send!({ port });
