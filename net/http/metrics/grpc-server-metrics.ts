/**
 * go-grpc-prometheus' server families from the gRPC endpoint's per-method counters
 * (net/grpc/grpc-metrics.ts), with its HELP texts and labels; grpc_server_handling_seconds only
 * with --metrics extensive, as etcd.
 */
import { GRPC_CODE_NAMES, type GrpcServerMetrics } from '../../grpc/grpc-metrics.js';
import type { GrpcCode } from '../../../engine/errors.js';
import type { LabeledHistogram, LabeledValue, MetricRegistry } from './registry.js';

export function registerGrpcServerMetrics(registry: MetricRegistry, grpc: GrpcServerMetrics): void {
  const perMethod = (read: (method: ReturnType<GrpcServerMetrics['all']>[number]) => number) => (): LabeledValue[] =>
    grpc.all().map((method) => ({ labels: method.labels, value: read(method) }));
  registry.counterVecFunc('grpc_server_started_total', 'Total number of RPCs started on the server.', perMethod((m) => m.started));
  registry.counterVecFunc('grpc_server_msg_received_total', 'Total number of RPC stream messages received on the server.',
    perMethod((m) => m.messagesReceived));
  registry.counterVecFunc('grpc_server_msg_sent_total', 'Total number of gRPC stream messages sent by the server.',
    perMethod((m) => m.messagesSent));
  registry.counterVecFunc('grpc_server_handled_total',
    'Total number of RPCs completed on the server, regardless of success or failure.', () => grpc.all().flatMap((method) =>
      method.handled.map((count, code) => ({ labels: [['grpc_code', GRPC_CODE_NAMES[code as GrpcCode]], ...method.labels], value: count }))));
  if (!grpc.extensive) return;
  registry.histogramVecFunc('grpc_server_handling_seconds',
    'Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.',
    () => grpc.all().map((method): LabeledHistogram => ({ labels: method.labels, histogram: method.handlingSeconds!.snapshot() })));
}
