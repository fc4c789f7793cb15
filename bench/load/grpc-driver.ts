/**
 * The load driver for etcd's gRPC API (cairn's or real etcd's): @grpc/grpc-js with etcd's protos
 * (net/grpc/protos.ts), one channel per connection. grpc-js shares one subchannel between clients
 * of the same target unless told otherwise, so each client gets a local subchannel pool: N
 * connections are N TCP connections, as with etcd's benchmark tool's --conns.
 */
import * as grpc from '@grpc/grpc-js';
import { CompareResult, CompareTarget } from '../../engine/mvcc/rpc.js';
import { etcdClient } from '../../net/grpc/protos.js';
import type { Completion, LoadDriver } from './load-driver.js';
import type { LoadRequest } from './workload.js';

type UnaryMethod = (request: object, callback: (error: grpc.ServiceError | null) => void) => void;
type KvClient = grpc.Client & Record<'Put' | 'Range' | 'Txn' | 'DeleteRange', UnaryMethod>;

/** How long a connection may take to become ready. */
const CONNECT_TIMEOUT_MS = 10_000;

/** The KV method and request message of a load request. */
export function grpcRequestOf(request: LoadRequest): { method: 'Put' | 'Range' | 'Txn' | 'DeleteRange'; message: object } {
  const { key, value } = request;
  switch (request.operation) {
    case 'put': return { method: 'Put', message: { key, value } };
    case 'range': return { method: 'Range', message: { key } };
    case 'range-serializable': return { method: 'Range', message: { key, serializable: true } };
    case 'delete': return { method: 'DeleteRange', message: { key } };
    case 'txn': return {
      method: 'Txn',
      message: {
        compare: [{ result: CompareResult.EQUAL, target: CompareTarget.VALUE, key, value }],
        success: [{ request_put: { key, value } }],
        failure: [{ request_range: { key } }],
      },
    };
  }
}

export class GrpcDriver implements LoadDriver {
  private readonly clients: KvClient[] = [];

  /** `targets[i % targets.length]` (host:port) serves connection i. */
  constructor(private readonly targets: readonly string[], readonly connectionCount: number, private readonly firstTarget = 0) {}

  async connect(): Promise<void> {
    const KV = etcdClient('KV');
    for (let i = 0; i < this.connectionCount; i++) {
      const target = this.targets[(this.firstTarget + i) % this.targets.length]!;
      const client = new KV(target, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }) as unknown as KvClient;
      await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + CONNECT_TIMEOUT_MS,
        (error) => (error ? reject(new Error(`cannot connect to ${target}: ${error.message}`)) : resolve())));
      this.clients.push(client);
    }
  }

  send(connection: number, request: LoadRequest, done: Completion): void {
    const { method, message } = grpcRequestOf(request);
    this.clients[connection]![method](message, (error) => done(error === null ? null : error.details || error.message));
  }

  close(): void {
    for (const client of this.clients) client.close();
  }
}
