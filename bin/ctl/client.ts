/**
 * gRPC clients for etcd's KV, Maintenance, Cluster, Watch and Lease services on one endpoint, and the
 * ways etcdctl picks endpoints: the first reachable one (most commands; watch waits for it however
 * long that takes), or each one (endpoint health/status). Every unary call carries the
 * --command-timeout deadline (unless etcdctl makes it without one) and waits for the connection
 * within it, so an unreachable endpoint ends in "context deadline exceeded" as with etcdctl.
 */
import * as grpc from '@grpc/grpc-js';
import { etcdErrorFrom } from '../../engine/errors.js';
import { etcdClient } from '../../net/grpc/protos.js';
import { CtlError, EXIT_ERROR } from './exit.js';

/** The global flags every command shares. */
export interface GlobalOptions {
  endpoints: string[];
  writeOut: string;
  commandTimeoutMs: number;
  dialTimeoutMs: number;
  hex: boolean;
}

type Service = 'KV' | 'Maintenance' | 'Cluster' | 'Watch' | 'Lease';

const DEADLINE_EXCEEDED = 'context deadline exceeded';

/** grpc-go's names for status codes, as etcdctl prints them in "rpc error: code = ..." texts. */
const GO_CODE_NAMES = [
  'OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists',
  'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented',
  'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated',
];

/**
 * A gRPC status as clientv3's rpctypes.Error prints it: etcd's own message when the server sent
 * one, grpc-go's "rpc error: ..." text otherwise.
 */
export function rpcErrorMessage(code: number, details: string): string {
  if (details.startsWith('etcdserver: ')) return details;
  return `rpc error: code = ${GO_CODE_NAMES[code] ?? String(code)} desc = ${details}`;
}

/** The error text etcdctl prints for a call that failed with this status. */
export function callErrorMessage(code: number, details: string): string {
  if (code === grpc.status.DEADLINE_EXCEEDED) return DEADLINE_EXCEEDED;
  if (code === grpc.status.CANCELLED) return 'context canceled';
  return rpcErrorMessage(code, details);
}

/** host:port of an --endpoints entry, which may carry an http:// or https:// scheme. */
function addressOf(endpoint: string): string {
  return endpoint.replace(/^https?:\/\//, '');
}

/** One endpoint's clients. */
export class EtcdConnection {
  private readonly clients: Record<Service, grpc.Client>;

  constructor(readonly endpoint: string, private readonly commandTimeoutMs: number) {
    const address = addressOf(endpoint);
    const credentials = grpc.credentials.createInsecure();
    this.clients = {
      KV: new (etcdClient('KV'))(address, credentials),
      Maintenance: new (etcdClient('Maintenance'))(address, credentials),
      Cluster: new (etcdClient('Cluster'))(address, credentials),
      Watch: new (etcdClient('Watch'))(address, credentials),
      Lease: new (etcdClient('Lease'))(address, credentials),
    };
  }

  /**
   * One unary call within `timeoutMs` (the command timeout; Infinity for the calls etcdctl makes
   * with no deadline); rejects with a CtlError carrying etcdctl's text.
   */
  call<Response>(service: Service, method: string, request: object, timeoutMs = this.commandTimeoutMs): Promise<Response> {
    const client = this.clients[service] as unknown as Record<string, (request: object, metadata: grpc.Metadata,
      options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response: Response) => void) => void>;
    // Waiting for the connection (not failing at once) is what clientv3 does: an unreachable
    // endpoint then fails at the deadline, with etcdctl's message.
    const metadata = new grpc.Metadata({ waitForReady: true });
    const options: grpc.CallOptions = { deadline: Date.now() + timeoutMs };
    return new Promise((resolve, reject) => {
      client[method]!.call(client, request, metadata, options, (error, response) => {
        if (error) reject(new CtlError(EXIT_ERROR, callErrorMessage(error.code, error.details), etcdErrorFrom(error.code, error.details)));
        else resolve(response);
      });
    });
  }

  /**
   * Opens a Watch stream. Like clientv3's watches it waits for the connection however long that
   * takes, and asks the server to end it when the member has no leader (etcd's "hasleader").
   */
  watch<Request, Response>(): grpc.ClientDuplexStream<Request, Response> {
    const metadata = new grpc.Metadata({ waitForReady: true });
    metadata.set('hasleader', 'true');
    const client = this.clients.Watch as unknown as { Watch(metadata: grpc.Metadata): grpc.ClientDuplexStream<Request, Response> };
    return client.Watch(metadata);
  }

  /** Opens a LeaseKeepAlive stream; like clientv3's it waits for the connection however long that takes. */
  leaseKeepAlive<Request, Response>(): grpc.ClientDuplexStream<Request, Response> {
    const metadata = new grpc.Metadata({ waitForReady: true });
    const client = this.clients.Lease as unknown as { LeaseKeepAlive(metadata: grpc.Metadata): grpc.ClientDuplexStream<Request, Response> };
    return client.LeaseKeepAlive(metadata);
  }

  /** Resolves once connected; rejects at `deadline` (ms since the epoch; Infinity: never). */
  ready(deadline: number): Promise<this> {
    return new Promise((resolve, reject) => {
      this.clients.KV.waitForReady(deadline, (error) => (error ? reject(error) : resolve(this)));
    });
  }

  close(): void {
    for (const client of Object.values(this.clients)) client.close();
  }
}

/**
 * Connects to every endpoint at once and keeps the first that answers, within --dial-timeout
 * (and never past --command-timeout); the others are closed.
 */
export function connectFirstReachable(options: GlobalOptions): Promise<EtcdConnection> {
  return firstConnected(connectEach(options), Date.now() + Math.min(options.dialTimeoutMs, options.commandTimeoutMs));
}

/**
 * The first of `connections` to connect by `deadline` (ms since the epoch; Infinity: however
 * long it takes, as etcdctl's watch waits); the others are closed. Rejects when none connects
 * (in time, or before it is closed).
 */
export async function firstConnected(connections: EtcdConnection[], deadline: number): Promise<EtcdConnection> {
  try {
    const chosen = await Promise.any(connections.map((connection) => connection.ready(deadline)));
    for (const connection of connections) if (connection !== chosen) connection.close();
    return chosen;
  } catch {
    for (const connection of connections) connection.close();
    throw new CtlError(EXIT_ERROR, DEADLINE_EXCEEDED);
  }
}

/** One connection per endpoint, in --endpoints order (endpoint health/status report each). */
export function connectEach(options: GlobalOptions): EtcdConnection[] {
  return options.endpoints.map((endpoint) => new EtcdConnection(endpoint, options.commandTimeoutMs));
}

/** Runs `use` on the first reachable endpoint, then closes the connection. */
export async function withConnection<T>(options: GlobalOptions, use: (connection: EtcdConnection) => Promise<T>): Promise<T> {
  const connection = await connectFirstReachable(options);
  try {
    return await use(connection);
  } finally {
    connection.close();
  }
}
