/**
 * CairnClient: the TypeScript client of cairn's native WebSocket protocol.
 *
 *   const client = new CairnClient({ endpoints: ['ws://127.0.0.1:2379/ws'], requestTimeoutMs: 5000 });
 *   await client.put('a', '1');
 *   const { kvs, header } = await client.get('a', { prefix: true });
 *
 * One connection at a time, to one endpoint; every call is pipelined on it. When the connection
 * drops or an endpoint refuses, the client moves to the next endpoint (round robin), backing off
 * between full rounds. Retries, all within the request timeout:
 * - reads (range, hash_kv, status) are retried on any UNAVAILABLE error (connection lost, no
 *   leader, server stopped...), since repeating a read is harmless;
 * - writes are retried only when they were never sent. A write in flight on a dropped connection
 *   rejects with ConnectionLostError (sent = true): it may have applied, so resending is the
 *   caller's call, as in etcd's clientv3.
 * Server errors are etcd's EtcdError values (engine/errors.ts), compared by identity or code.
 */
import { GrpcCode, EtcdError } from '../../engine/errors.js';
import type { WithHeader } from '../../engine/node/kv-server.js';
import type {
  CompactionResponse, DeleteRangeRequest, DeleteRangeResponse, HashKVResponse, PutRequest, PutResponse, RangeRequest,
  RangeResponse, TxnRequest, TxnResponse,
} from '../../engine/mvcc/rpc.js';
import type { StatusResponse } from '../../engine/node/maintenance.js';
import { WS_IN_FLIGHT_MAX_DEFAULT, type Op } from '../http/ws/protocol.js';
import { bytesDeep, prefixEnd, toBytes, type Bytes, type BytesInput } from './bytes.js';
import { clientClosed, ConnectionLostError, deadlineExceeded } from './client-errors.js';
import { ClientConnection } from './connection.js';

export interface CairnClientOptions {
  /** ws://host:port/ws URLs of the cluster's members. */
  endpoints: string[];
  /** How long a call may take, retries and reconnects included. */
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Requests on the wire at once (the server refuses more than its own bound). */
  inFlightMax?: number;
  /** Requests queued behind those; beyond, calls fail with "etcdserver: too many requests". */
  queuedMax?: number;
  /** Largest response frame accepted. */
  responseBytesMax?: number;
}

export type GetOptions = Omit<RangeRequest, 'key' | 'range_end'> & {
  range_end?: Bytes;
  /** Every key starting with the key (sets range_end). */
  prefix?: boolean;
};
export type PutOptions = Omit<PutRequest, 'key' | 'value'>;
export type DeleteOptions = Omit<DeleteRangeRequest, 'key' | 'range_end'> & { range_end?: Bytes; prefix?: boolean };
/** A TxnRequest whose keys and values may be strings. */
export type TxnInput = BytesInput<TxnRequest>;

export const REQUEST_TIMEOUT_MS_DEFAULT = 10_000;
export const CONNECT_TIMEOUT_MS_DEFAULT = 2_000;
const QUEUED_MAX_DEFAULT = 100_000;
const RESPONSE_BYTES_MAX_DEFAULT = 256 * 1024 * 1024;
/** Back-off between retries and between full rounds of endpoints: doubling from BASE up to MAX. */
const BACKOFF_MS_BASE = 25;
const BACKOFF_MS_MAX = 1_000;

const READ_OPS: ReadonlySet<Op> = new Set<Op>(['range', 'hash_kv', 'status']);

export class CairnClient {
  private readonly endpoints: string[];
  private readonly requestTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly inFlightMax: number;
  private readonly queuedMax: number;
  private readonly responseBytesMax: number;
  private endpointIndex = 0;
  private connection: ClientConnection | null = null;
  private connecting: Promise<ClientConnection> | null = null;
  /** Calls waiting for `connecting`; when none are left the connect loop gives up. */
  private connectWaiters = 0;
  private closed = false;

  constructor(options: CairnClientOptions) {
    if (options.endpoints.length === 0) throw new Error('CairnClient: at least one endpoint is required');
    this.endpoints = [...options.endpoints];
    this.requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS_DEFAULT;
    this.connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS_DEFAULT;
    this.inFlightMax = options.inFlightMax ?? WS_IN_FLIGHT_MAX_DEFAULT;
    this.queuedMax = options.queuedMax ?? QUEUED_MAX_DEFAULT;
    this.responseBytesMax = options.responseBytesMax ?? RESPONSE_BYTES_MAX_DEFAULT;
  }

  /** The endpoint the client is (or will next be) connected to. */
  get endpoint(): string {
    return this.endpoints[this.endpointIndex]!;
  }

  /** Range: one key, a range (range_end) or a prefix. */
  get(key: Bytes, options: GetOptions = {}): Promise<WithHeader<RangeResponse>> {
    const { prefix, range_end, ...rest } = options;
    const keyBytes = toBytes(key);
    const end = prefix === true ? prefixEnd(keyBytes) : range_end === undefined ? undefined : toBytes(range_end);
    return this.call('range', { ...rest, key: keyBytes, ...(end === undefined ? {} : { range_end: end }) });
  }

  put(key: Bytes, value: Bytes, options: PutOptions = {}): Promise<WithHeader<PutResponse>> {
    return this.call('put', { ...options, key: toBytes(key), value: toBytes(value) });
  }

  /** DeleteRange: one key, a range (range_end) or a prefix. */
  delete(key: Bytes, options: DeleteOptions = {}): Promise<WithHeader<DeleteRangeResponse>> {
    const { prefix, range_end, ...rest } = options;
    const keyBytes = toBytes(key);
    const end = prefix === true ? prefixEnd(keyBytes) : range_end === undefined ? undefined : toBytes(range_end);
    return this.call('delete_range', { ...rest, key: keyBytes, ...(end === undefined ? {} : { range_end: end }) });
  }

  txn(request: TxnInput): Promise<WithHeader<TxnResponse>> {
    return this.call('txn', bytesDeep<TxnRequest>(request));
  }

  compact(revision: number, options: { physical?: boolean } = {}): Promise<WithHeader<CompactionResponse>> {
    return this.call('compact', { revision, ...options });
  }

  hashKV(revision = 0): Promise<WithHeader<HashKVResponse>> {
    return this.call('hash_kv', { revision });
  }

  /** Maintenance.Status of the member the client is connected to. */
  status(): Promise<StatusResponse> {
    return this.call('status', {});
  }

  /** Closes the connection; calls still pending fail. */
  close(): void {
    this.closed = true;
    this.connection?.close();
    this.connection = null;
  }

  private call<T>(op: Op, body: unknown): Promise<T> {
    if (this.closed) return Promise.reject(clientClosed());
    return this.attempt(op, body, Date.now() + this.requestTimeoutMs, 0) as Promise<T>;
  }

  private attempt(op: Op, body: unknown, deadlineMs: number, attempt: number): Promise<unknown> {
    const connection = this.connection;
    const answer = connection !== null && connection.isOpen
      ? connection.request(op, body, deadlineMs)
      : this.connect(deadlineMs).then((opened) => opened.request(op, body, deadlineMs));
    return answer.catch(async (error: unknown) => {
      if (this.closed || !this.retryable(op, error)) throw error;
      const delayMs = Math.min(backoffMs(attempt), deadlineMs - Date.now());
      if (delayMs <= 0) throw error;
      await sleep(delayMs);
      return this.attempt(op, body, deadlineMs, attempt + 1);
    });
  }

  private retryable(op: Op, error: unknown): boolean {
    if (error instanceof ConnectionLostError) return READ_OPS.has(op) || !error.sent;
    return error instanceof EtcdError && error.code === GrpcCode.UNAVAILABLE && READ_OPS.has(op);
  }

  /** A connection to some endpoint, shared by every caller waiting for one; fails at `deadlineMs`. */
  private connect(deadlineMs: number): Promise<ClientConnection> {
    this.connecting ??= this.connectLoop().finally(() => { this.connecting = null; });
    this.connectWaiters++;
    const connecting = this.connecting;
    return new Promise<ClientConnection>((resolve, reject) => {
      const timer = setTimeout(() => reject(deadlineExceeded()), Math.max(0, deadlineMs - Date.now()));
      connecting.then(resolve, reject).finally(() => clearTimeout(timer));
    }).finally(() => { this.connectWaiters--; });
  }

  /** Tries each endpoint in turn from the current one; backs off after each full round. */
  private async connectLoop(): Promise<ClientConnection> {
    let lastError: Error = new ConnectionLostError(this.endpoint, 'not connected', false);
    for (let round = 0; ; round++) {
      for (let tried = 0; tried < this.endpoints.length; tried++) {
        if (this.closed) throw clientClosed();
        const url = this.endpoint;
        try {
          const connection = await ClientConnection.open(url, {
            connectTimeoutMs: this.connectTimeoutMs, inFlightMax: this.inFlightMax, queuedMax: this.queuedMax,
            responseBytesMax: this.responseBytesMax, onClose: (closed) => this.onConnectionClosed(closed),
          });
          if (this.closed) {
            connection.close();
            throw clientClosed();
          }
          this.connection = connection;
          return connection;
        } catch (error) {
          if (this.closed) throw error;
          lastError = error as Error;
          this.endpointIndex = (this.endpointIndex + 1) % this.endpoints.length;
        }
      }
      if (this.connectWaiters === 0) throw lastError;
      await sleep(backoffMs(round));
    }
  }

  /** A dropped connection: the next call connects to the next endpoint. */
  private onConnectionClosed(connection: ClientConnection): void {
    if (this.connection !== connection) return;
    this.connection = null;
    this.endpointIndex = (this.endpointIndex + 1) % this.endpoints.length;
  }
}

function backoffMs(attempt: number): number {
  return Math.min(BACKOFF_MS_BASE * 2 ** Math.min(attempt, 16), BACKOFF_MS_MAX);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
