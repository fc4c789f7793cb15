/**
 * go-grpc-prometheus' server families from the gRPC endpoint's per-method counters
 * (net/grpc/grpc-metrics.ts), with its HELP texts and labels; grpc_server_handling_seconds only
 * with --metrics extensive, as etcd. The calls count in plain fields; a scrape copies them in.
 */
import type { Registry } from 'prom-client';
import { GRPC_CODE_NAMES, type GrpcMethodMetrics, type GrpcServerMetrics } from '../../grpc/grpc-metrics.js';
import type { GrpcCode } from '../../../engine/errors.js';
import { counterVecFunc, type LabeledValue } from './collected-metrics.js';
import { SnapshotHistogram } from './snapshot-histogram.js';

const METHOD_LABELS = ['grpc_method', 'grpc_service', 'grpc_type'];

export function registerGrpcServerMetrics(registry: Registry, grpc: GrpcServerMetrics): void {
  const methods = grpc.all();
  // The label objects of every series, made once: a scrape only reads the counts.
  const handledLabels = methods.map((method) => method.handled.map((_, code) => ({ grpc_code: GRPC_CODE_NAMES[code as GrpcCode], ...method.labels })));
  const perMethod = (read: (method: GrpcMethodMetrics) => number) => (): LabeledValue[] =>
    methods.map((method) => ({ labels: method.labels, value: read(method) }));
  counterVecFunc(registry, 'grpc_server_started_total', 'Total number of RPCs started on the server.', METHOD_LABELS,
    perMethod((m) => m.started));
  counterVecFunc(registry, 'grpc_server_msg_received_total', 'Total number of RPC stream messages received on the server.', METHOD_LABELS,
    perMethod((m) => m.messagesReceived));
  counterVecFunc(registry, 'grpc_server_msg_sent_total', 'Total number of gRPC stream messages sent by the server.', METHOD_LABELS,
    perMethod((m) => m.messagesSent));
  counterVecFunc(registry, 'grpc_server_handled_total', 'Total number of RPCs completed on the server, regardless of success or failure.',
    ['grpc_code', ...METHOD_LABELS],
    () => methods.flatMap((method, i) => method.handled.map((count, code) => ({ labels: handledLabels[i]![code]!, value: count }))));
  if (!grpc.extensive) return;
  SnapshotHistogram.register(registry, 'grpc_server_handling_seconds',
    'Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.',
    () => methods.map((method) => ({ labels: method.labels, histogram: method.handlingSeconds!.snapshot() })));
}
