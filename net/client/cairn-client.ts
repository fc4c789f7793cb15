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
 * - reads (range, hash_kv, status, and the lease ops keep-alive, time-to-live, leases) are retried
 *   on any UNAVAILABLE error (connection lost, no leader, server stopped...), since repeating them
 *   is harmless;
 * - writes are retried only when they were never sent. A write in flight on a dropped connection
 *   rejects with ConnectionLostError (sent = true): it may have applied, so resending is the
 *   caller's call, as in etcd's clientv3.
 * Server errors are etcd's EtcdError values (engine/errors.ts), compared by identity or code.
 *
 * Watches (watch.ts) ride the same connection: the server keeps one watch stream per connection.
 * When the connection drops, every watch on it is created again on the next one, from the
 * revision after the last one it received, and keeps retrying (with back-off) for as long as it
 * takes, as clientv3's watches do.
 *
 * Leases (lease.ts): grant returns a Lease the client keeps alive (every TTL/3) until it is closed,
 * revoked or lost. Being retried like reads, keep-alives go on across failover.
 */
import { GrpcCode, EtcdError } from '../../engine/errors.js';
import type { WithHeader } from '../../engine/wire/response-header.js';
import type {
  CompactionResponse, DeleteRangeRequest, DeleteRangeResponse, HashKVResponse, PutRequest, PutResponse, RangeRequest,
  RangeResponse, TxnRequest, TxnResponse,
} from '../../engine/mvcc/rpc.js';
import type { StatusResponse } from '../../engine/server/maintenance.js';
import type { AlarmRequest, AlarmResponse } from '../../engine/alarm/alarm-rpc.js';
import type { LeaseGrantResponse, LeaseLeasesResponse } from '../../engine/lease/lease-rpc.js';
import { WS_IN_FLIGHT_MAX_DEFAULT, type Op } from '../http/ws/protocol.js';
import type { WireWatchResponse } from '../http/ws/protocol.js';
import { backoffMs, sleep } from './backoff.js';
import { bytesDeep, prefixEnd, toBytes, type Bytes, type BytesInput } from './bytes.js';
import { clientClosed, ConnectionLostError, deadlineExceeded } from './client-errors.js';
import { ClientConnection } from './connection.js';
import { Lease, type LeaseHost } from './lease.js';
import { Watch, type WatchCreateBody, type WatchHost, type WatchOptions } from './watch.js';

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
  /** Bytes of batches one watch holds for a slow consumer before it pauses (see watch.ts). */
  watchBufferBytesMax?: number;
}

export type GetOptions = Omit<RangeRequest, 'key' | 'range_end'> & {
  range_end?: Bytes;
  /** Every key starting with the key (sets range_end). */
  prefix?: boolean;
};
export type PutOptions = Omit<PutRequest, 'key' | 'value' | 'lease'> & {
  /** Attaches the key to a lease (a Lease or its id); the key is deleted when the lease ends. */
  lease?: number | Lease;
};
export interface GrantOptions {
  /** The lease id to grant; absent or 0 lets the server pick one. */
  id?: number;
  /** Renew the lease automatically every TTL/3 until it is closed (default true). */
  keepAlive?: boolean;
}
export type DeleteOptions = Omit<DeleteRangeRequest, 'key' | 'range_end'> & { range_end?: Bytes; prefix?: boolean };
/** A TxnRequest whose keys and values may be strings. */
export type TxnInput = BytesInput<TxnRequest>;

export const REQUEST_TIMEOUT_MS_DEFAULT = 10_000;
export const CONNECT_TIMEOUT_MS_DEFAULT = 2_000;
const QUEUED_MAX_DEFAULT = 100_000;
const RESPONSE_BYTES_MAX_DEFAULT = 256 * 1024 * 1024;
const WATCH_BUFFER_BYTES_MAX_DEFAULT = 16 * 1024 * 1024;

/** Ops that may run twice without harm: retried whenever they fail as unavailable. */
const IDEMPOTENT_OPS: ReadonlySet<Op> = new Set<Op>(['range', 'hash_kv', 'status', 'lease_keep_alive', 'lease_time_to_live', 'lease_leases']);

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
  /** Every watch not yet ended, and the current incarnations' watch ids (unique per client). */
  private readonly watches = new Set<Watch>();
  private readonly watchesById = new Map<number, Watch>();
  private nextWatchId = 1;
  private readonly watchHost: WatchHost;
  /** Every lease the client keeps alive. */
  private readonly leasesAlive = new Set<Lease>();
  private readonly leaseHost: LeaseHost;

  constructor(options: CairnClientOptions) {
    if (options.endpoints.length === 0) throw new Error('CairnClient: at least one endpoint is required');
    this.endpoints = [...options.endpoints];
    this.requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS_DEFAULT;
    this.connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS_DEFAULT;
    this.inFlightMax = options.inFlightMax ?? WS_IN_FLIGHT_MAX_DEFAULT;
    this.queuedMax = options.queuedMax ?? QUEUED_MAX_DEFAULT;
    this.responseBytesMax = options.responseBytesMax ?? RESPONSE_BYTES_MAX_DEFAULT;
    this.watchHost = {
      requestTimeoutMs: this.requestTimeoutMs,
      watchBufferBytesMax: options.watchBufferBytesMax ?? WATCH_BUFFER_BYTES_MAX_DEFAULT,
      connection: () => this.watchConnection(),
      bind: (watch) => {
        const watchId = this.nextWatchId++;
        this.watchesById.set(watchId, watch);
        return watchId;
      },
      unbind: (watchId) => { this.watchesById.delete(watchId); },
      forget: (watch) => { this.watches.delete(watch); },
    };
    this.leaseHost = {
      requestTimeoutMs: this.requestTimeoutMs,
      call: (op, body, deadlineMs) => this.call(op, body, deadlineMs),
      forget: (lease) => { this.leasesAlive.delete(lease); },
    };
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
    const { lease, ...rest } = options;
    const leaseId = lease === undefined ? {} : { lease: typeof lease === 'number' ? lease : lease.id };
    return this.call('put', { ...rest, ...leaseId, key: toBytes(key), value: toBytes(value) });
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

  /** Maintenance.Alarm: lists (GET), raises (ACTIVATE) or clears (DEACTIVATE) alarms; no header, as etcd 3.4. */
  alarm(request: AlarmRequest): Promise<AlarmResponse> {
    return this.call('alarm', request);
  }

  /**
   * Watches a key, a range or a prefix: an async iterator of event batches (watch.ts), which
   * resumes on another endpoint when the connection fails and ends with WatchCompactedError when
   * the revision it needs is compacted.
   */
  watch(key: Bytes, options: WatchOptions = {}): Watch {
    const keyBytes = toBytes(key);
    const end = options.prefix === true ? prefixEnd(keyBytes) : options.rangeEnd === undefined ? undefined : toBytes(options.rangeEnd);
    const request: WatchCreateBody = {
      key: keyBytes,
      ...(end === undefined ? {} : { range_end: end }),
      ...(options.prevKv === true ? { prev_kv: true } : {}),
      ...(options.filters !== undefined && options.filters.length > 0 ? { filters: options.filters } : {}),
      ...(options.progressNotify === true ? { progress_notify: true } : {}),
    };
    const watch = new Watch(this.watchHost, request, options.startRevision);
    this.watches.add(watch);
    return watch;
  }

  /**
   * Grants a lease of `ttlSeconds` (raised to the server's minimum) and, unless keepAlive is false,
   * keeps it alive until it is closed, revoked or lost (lease.ts).
   */
  async grant(ttlSeconds: number, options: GrantOptions = {}): Promise<Lease> {
    const sentAtMs = Date.now();
    const granted = await this.call<WithHeader<LeaseGrantResponse>>('lease_grant', { TTL: ttlSeconds, ID: options.id ?? 0 });
    const lease = new Lease(this.leaseHost, granted.ID, granted.TTL, sentAtMs, options.keepAlive !== false);
    this.leasesAlive.add(lease);
    if (this.closed) lease.close();
    return lease;
  }

  /** Every lease of the cluster (LeaseLeases). */
  leases(): Promise<WithHeader<LeaseLeasesResponse>> {
    return this.call('lease_leases', {});
  }

  /**
   * Closes the connection; calls still pending fail, and watches end with the same error. Leases
   * stop their keep-alives (they expire on the server after their TTL).
   */
  close(): void {
    this.closed = true;
    for (const lease of [...this.leasesAlive]) lease.close();
    for (const watch of [...this.watches]) watch.fail(clientClosed());
    this.connection?.close();
    this.connection = null;
  }

  private call<T>(op: Op, body: unknown, deadlineMs = Date.now() + this.requestTimeoutMs): Promise<T> {
    if (this.closed) return Promise.reject(clientClosed());
    return this.attempt(op, body, deadlineMs, 0) as Promise<T>;
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
    if (error instanceof ConnectionLostError) return IDEMPOTENT_OPS.has(op) || !error.sent;
    return error instanceof EtcdError && error.code === GrpcCode.UNAVAILABLE && IDEMPOTENT_OPS.has(op);
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
            onWatch: (from, response) => this.onWatchResponse(from, response),
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

  /** A dropped connection: the next call connects to the next endpoint, and its watches resume there. */
  private onConnectionClosed(connection: ClientConnection): void {
    if (this.connection === connection) {
      this.connection = null;
      this.endpointIndex = (this.endpointIndex + 1) % this.endpoints.length;
    }
    for (const watch of [...this.watches]) watch.connectionClosed(connection);
  }

  private onWatchResponse(connection: ClientConnection, response: WireWatchResponse): void {
    this.watchesById.get(response.watch_id)?.onResponse(connection, response);
  }

  /** The open connection, connecting (to each endpoint in turn, with back-off) until the client closes. */
  private async watchConnection(): Promise<ClientConnection> {
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw clientClosed();
      const connection = this.connection;
      if (connection !== null && connection.isOpen) return connection;
      try {
        return await this.connect(Date.now() + this.requestTimeoutMs);
      } catch {
        if (this.closed) throw clientClosed();
        await sleep(backoffMs(attempt));
      }
    }
  }
}
