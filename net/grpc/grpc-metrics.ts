/**
 * go-grpc-prometheus' server metrics, which etcd exports: grpc_server_started_total,
 * grpc_server_handled_total (by grpc_code), grpc_server_msg_received_total and
 * grpc_server_msg_sent_total, labelled grpc_type, grpc_service, grpc_method as that library labels
 * them, every method of etcd's six services present from the start with zeros (its
 * InitializeMetrics); with `--metrics extensive`, grpc_server_handling_seconds too.
 *
 * Each method's counters are one object the call holds from its start, so counting is a field
 * increment: no lookup, no label string, no allocation per call or per message.
 */
import type * as grpc from '@grpc/grpc-js';
import { GrpcCode } from '../../engine/errors.js';
import { Histogram } from '../../engine/metrics/histogram.js';
import { PROMETHEUS_DEFAULT_BUCKETS_SECONDS } from '../../engine/metrics/buckets.js';
import { etcdService } from './protos.js';

/** go-grpc-prometheus' names of the method kinds. */
export type GrpcType = 'unary' | 'client_stream' | 'server_stream' | 'bidi_stream';

/** The codes as Go's codes.Code.String() spells them (the grpc_code label). */
export const GRPC_CODE_NAMES: Readonly<Record<GrpcCode, string>> = {
  [GrpcCode.OK]: 'OK', [GrpcCode.CANCELLED]: 'Canceled', [GrpcCode.UNKNOWN]: 'Unknown',
  [GrpcCode.INVALID_ARGUMENT]: 'InvalidArgument', [GrpcCode.DEADLINE_EXCEEDED]: 'DeadlineExceeded',
  [GrpcCode.NOT_FOUND]: 'NotFound', [GrpcCode.ALREADY_EXISTS]: 'AlreadyExists', [GrpcCode.PERMISSION_DENIED]: 'PermissionDenied',
  [GrpcCode.RESOURCE_EXHAUSTED]: 'ResourceExhausted', [GrpcCode.FAILED_PRECONDITION]: 'FailedPrecondition',
  [GrpcCode.ABORTED]: 'Aborted', [GrpcCode.OUT_OF_RANGE]: 'OutOfRange', [GrpcCode.UNIMPLEMENTED]: 'Unimplemented',
  [GrpcCode.INTERNAL]: 'Internal', [GrpcCode.UNAVAILABLE]: 'Unavailable', [GrpcCode.DATA_LOSS]: 'DataLoss',
  [GrpcCode.UNAUTHENTICATED]: 'Unauthenticated',
};

const CODES = Object.keys(GRPC_CODE_NAMES).map(Number) as GrpcCode[];

/** The counters of one method. */
export class GrpcMethodMetrics {
  started = 0;
  messagesReceived = 0;
  messagesSent = 0;
  /** Calls ended, by code (indexed by GrpcCode). */
  readonly handled: number[] = new Array<number>(CODES.length).fill(0);
  /** Call durations, with --metrics extensive only. */
  readonly handlingSeconds: Histogram | null;
  /** The grpc_method, grpc_service and grpc_type labels of its series, in name order. */
  readonly labels: Readonly<{ grpc_method: string; grpc_service: string; grpc_type: GrpcType }>;

  constructor(readonly type: GrpcType, readonly service: string, readonly method: string, extensive: boolean) {
    this.handlingSeconds = extensive ? new Histogram(PROMETHEUS_DEFAULT_BUCKETS_SECONDS) : null;
    this.labels = { grpc_method: method, grpc_service: service, grpc_type: type };
  }

}

function grpcType(method: grpc.MethodDefinition<unknown, unknown>): GrpcType {
  if (method.requestStream) return method.responseStream ? 'bidi_stream' : 'client_stream';
  return method.responseStream ? 'server_stream' : 'unary';
}

/** The server's per-method metrics, by gRPC path (/etcdserverpb.KV/Range). */
export class GrpcServerMetrics {
  private readonly byPath = new Map<string, GrpcMethodMetrics>();

  /** `extensive`: also time each call (etcd's --metrics extensive). */
  constructor(readonly extensive: boolean) {
    for (const name of ['KV', 'Watch', 'Lease', 'Cluster', 'Maintenance', 'Auth'] as const) {
      const service = etcdService(name);
      for (const method of Object.values(service) as grpc.MethodDefinition<unknown, unknown>[]) {
        const [, serviceName, methodName] = method.path.split('/') as [string, string, string];
        this.byPath.set(method.path, new GrpcMethodMetrics(grpcType(method), serviceName, methodName, extensive));
      }
    }
  }

  /** The metrics of the method at `path`; every etcd method has them. */
  method(path: string): GrpcMethodMetrics {
    const metrics = this.byPath.get(path);
    if (metrics === undefined) throw new Error(`cairn: ${path} is not a method of etcd's v3 API`);
    return metrics;
  }

  /** Every method, in path order (for /metrics). */
  all(): GrpcMethodMetrics[] {
    return [...this.byPath.keys()].sort().map((path) => this.byPath.get(path)!);
  }
}

/** Counts one call of a method: started at construction, handled once with its code. */
export class GrpcCallMetrics {
  private readonly startedAt: number;
  private done = false;

  constructor(private readonly metrics: GrpcMethodMetrics) {
    metrics.started++;
    this.startedAt = metrics.handlingSeconds === null ? 0 : performance.now();
  }

  received(count = 1): void {
    this.metrics.messagesReceived += count;
  }

  sent(count = 1): void {
    this.metrics.messagesSent += count;
  }

  /** The call ended with `code` (a client that went away ends it Canceled, as Go's context does). */
  handled(code: GrpcCode): void {
    if (this.done) return;
    this.done = true;
    this.metrics.handled[code]!++;
    this.metrics.handlingSeconds?.observe((performance.now() - this.startedAt) / 1000);
  }
}
