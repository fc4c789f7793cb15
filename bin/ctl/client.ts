/**
 * gRPC clients for etcd's KV, Maintenance and Cluster services on one endpoint, and the two ways
 * etcdctl picks endpoints: the first reachable one (most commands) or each one (endpoint
 * health/status). Every call carries the --command-timeout deadline and waits for the connection
 * within it, so an unreachable endpoint ends in "context deadline exceeded" as with etcdctl.
 */
import * as grpc from '@grpc/grpc-js';
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

type Service = 'KV' | 'Maintenance' | 'Cluster';

const DEADLINE_EXCEEDED = 'context deadline exceeded';

/** grpc-go's names for status codes, as etcdctl prints them in "rpc error: code = ..." texts. */
const GO_CODE_NAMES = [
  'OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists',
  'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented',
  'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated',
];

/** The error text etcdctl prints for a failed call: etcd's own message when the server sent one. */
function callErrorMessage(error: grpc.ServiceError): string {
  if (error.code === grpc.status.DEADLINE_EXCEEDED) return DEADLINE_EXCEEDED;
  if (error.code === grpc.status.CANCELLED) return 'context canceled';
  if (error.details.startsWith('etcdserver: ')) return error.details;
  return `rpc error: code = ${GO_CODE_NAMES[error.code] ?? String(error.code)} desc = ${error.details}`;
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
    };
  }

  /** One unary call within the command timeout; rejects with a CtlError carrying etcdctl's text. */
  call<Response>(service: Service, method: string, request: object): Promise<Response> {
    const client = this.clients[service] as unknown as Record<string, (request: object, metadata: grpc.Metadata,
      options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response: Response) => void) => void>;
    // Waiting for the connection (not failing at once) is what clientv3 does: an unreachable
    // endpoint then fails at the deadline, with etcdctl's message.
    const metadata = new grpc.Metadata({ waitForReady: true });
    const options: grpc.CallOptions = { deadline: Date.now() + this.commandTimeoutMs };
    return new Promise((resolve, reject) => {
      client[method]!.call(client, request, metadata, options, (error, response) => {
        if (error) reject(new CtlError(EXIT_ERROR, callErrorMessage(error)));
        else resolve(response);
      });
    });
  }

  /** Resolves once connected; rejects at `deadline` (ms since the epoch). */
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
export async function connectFirstReachable(options: GlobalOptions): Promise<EtcdConnection> {
  const connections = options.endpoints.map((endpoint) => new EtcdConnection(endpoint, options.commandTimeoutMs));
  const deadline = Date.now() + Math.min(options.dialTimeoutMs, options.commandTimeoutMs);
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
