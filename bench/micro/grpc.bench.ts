/**
 * gRPC termination cost: etcd's PutRequest decoded and PutResponse encoded with the protobuf
 * (de)serializers grpc-js uses for the etcd3 package's protos, and a server (its own process, a
 * Put handler that answers at once; grpc-put-load.ts) measured by its CPU and event-loop busy time
 * per call under pipelined clients, served by grpc-js's unary call and by cairn's raw unary route:
 * the ceiling one thread's gRPC termination puts on cairn's API before any Raft or storage work.
 */
import { Bench } from 'tinybench';
import { etcdService } from '../../net/grpc/protos.js';
import { askPutServer, drivePuts, PUT_REQUEST, startPutServer, stopPutServer, type PutServerMode } from './grpc-put-load.js';
import { figuresFromBench, writeMicroReport, type Figure } from './report.js';

const put = etcdService('KV').Put!;
const requestBytes = put.requestSerialize(PUT_REQUEST);
const response = { header: { cluster_id: '6841639068965178', member_id: '4276657743932975', revision: '98765', raft_term: '7' } };

const bench = new Bench({ time: 1500, warmup: true });
bench.add('PutRequest decode (8 B key, 256 B value)', () => { put.requestDeserialize(requestBytes); });
bench.add('PutResponse encode (header)', () => { put.responseSerialize(response); });
await bench.run();
const figures: Figure[] = figuresFromBench(bench, 'messages/s');

// The server under pipelined unary calls: 8 channels x 64 calls in flight for 3 s, once through
// grpc-js's unary call and once through cairn's raw route (what the member serves).
async function serverCost(mode: PutServerMode): Promise<{ callsPerSecond: number; busyUsPerCall: number; cpuUsPerCall: number }> {
  const server = await startPutServer(mode);
  const { calls, seconds } = await drivePuts(server.port, 3000, async () => { await askPutServer(server, 'mark'); });
  const { activeMs, cpuMs } = await askPutServer<{ activeMs: number; cpuMs: number }>(server, 'busy');
  await stopPutServer(server);
  return { callsPerSecond: calls / seconds, busyUsPerCall: (activeMs * 1000) / calls, cpuUsPerCall: (cpuMs * 1000) / calls };
}

for (const [mode, label] of [['grpc-js', 'grpc-js server'], ['raw', 'raw unary route']] as const) {
  const { callsPerSecond, busyUsPerCall, cpuUsPerCall } = await serverCost(mode);
  figures.push({ name: `${label}: unary Put calls/s observed (client in the bench process)`, value: callsPerSecond, unit: 'calls/s' });
  figures.push({ name: `${label}: server CPU time per unary Put (all its threads)`, value: cpuUsPerCall, unit: 'us/call' });
  figures.push({ name: `${label}: event-loop busy time per unary Put`, value: busyUsPerCall, unit: 'us/call' });
  figures.push({ name: `${label}: one-thread ceiling (1 s / busy time per call)`, value: 1e6 / busyUsPerCall, unit: 'calls/s' });
}
writeMicroReport('grpc', figures, [
  'The observed rate is bounded by the grpc-js client in the bench process; the ceiling is what the server\'s event loop alone could serve.',
  'Event-loop busy time counts wall time in callbacks, so on a loaded machine it includes time the thread waited for a core; CPU time does not.',
  'cairn terminates gRPC on its main thread, which also drives Raft: every call costs the main thread at least this busy time.',
  'Both servers run with channelz off, as the member does; the raw unary route (net/grpc/raw/unary-call.ts) is what cairn serves its unary calls with.',
]);
