/**
 * Watch and Lease as every transport offers them, behind one small interface (as transports.ts does
 * for KV): gRPC (@grpc/grpc-js with etcd's protos), the JSON gateway (streaming /v3/watch and the
 * /v3/lease routes) and the WebSocket protocol (the TypeScript client). Answers are normalised to
 * plain strings and numbers, errors to their etcd message.
 */
import * as grpc from '@grpc/grpc-js';
import { CairnClient } from '../../net/client/cairn-client.js';
import { WatchCompactedError } from '../../net/client/client-errors.js';
import type { Event } from '../../engine/mvcc/rpc.js';
import { etcdClient } from '../../net/grpc/protos.js';
import { call, type ClusterProcess } from '../cluster/process-cluster.js';

export interface WatchedEvent {
  type: 'PUT' | 'DELETE';
  key: string;
  value: string;
  mod_revision: number;
  /** The previous value, when the watch asked for prev_kv and the key had one. */
  prev?: string;
}

/** A watch in progress: `created` resolves with the created response's revision. */
export interface OpenWatch {
  created: Promise<number>;
  /** Resolves once `count` events arrived (bounded: rejects after 10 s). */
  events(count: number): Promise<WatchedEvent[]>;
  close(): void;
}

export interface WatchLeaseTransport {
  readonly name: string;
  watch(prefix: string, options?: { startRevision?: number; prevKv?: boolean }): OpenWatch;
  /** Watches from a compacted revision: resolves with the compact revision the cancel carried. */
  watchCompacted(key: string, startRevision: number): Promise<number>;
  grant(ttl: number): Promise<{ id: number; ttl: number }>;
  put(key: string, value: string, lease: number): Promise<number>;
  keepAlive(id: number): Promise<number>;
  timeToLive(id: number): Promise<{ ttl: number; granted: number; keys: string[] }>;
  revoke(id: number): Promise<void>;
  leases(): Promise<number[]>;
  close(): void;
}

const WAIT_MS = 10_000;
const text = (bytes: Uint8Array | string | undefined): string =>
  bytes === undefined ? '' : typeof bytes === 'string' ? Buffer.from(bytes, 'base64').toString() : Buffer.from(bytes).toString();
const b64 = (value: string): string => Buffer.from(value).toString('base64');

function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  end[end.length - 1]! += 1;
  return end;
}

function etcdMessage(error: unknown): never {
  throw new Error((error as { details?: string }).details ?? (error as Error).message);
}

/** Collects events as a transport pushes them; `events(n)` waits for n. */
class EventLog {
  readonly list: WatchedEvent[] = [];
  private waiters: (() => void)[] = [];
  createdRevision!: (revision: number) => void;
  readonly created = new Promise<number>((resolve) => { this.createdRevision = resolve; });

  push(event: WatchedEvent): void {
    this.list.push(event);
    for (const wake of this.waiters.splice(0)) wake();
  }

  async events(count: number): Promise<WatchedEvent[]> {
    const deadline = Date.now() + WAIT_MS;
    while (this.list.length < count) {
      if (Date.now() > deadline) throw new Error(`${this.list.length} of ${count} events in ${WAIT_MS} ms`);
      await new Promise<void>((resolve) => { this.waiters.push(resolve); setTimeout(resolve, 50); });
    }
    return this.list.slice(0, count);
  }
}

interface WireKv { key: Uint8Array | string; value?: Uint8Array | string; mod_revision: number | string }
interface WireEvent { type?: number | string; kv: WireKv; prev_kv?: WireKv | null }

function eventOf(e: WireEvent): WatchedEvent {
  const deleted = e.type === 1 || e.type === 'DELETE';
  return {
    type: deleted ? 'DELETE' : 'PUT', key: text(e.kv.key), value: text(e.kv.value), mod_revision: Number(e.kv.mod_revision),
    ...(e.prev_kv ? { prev: text(e.prev_kv.value) } : {}),
  };
}

type GrpcClient = grpc.Client & Record<string, Function>;

export function grpcWatchLease(member: ClusterProcess): WatchLeaseTransport {
  const address = `127.0.0.1:${member.clientPort}`;
  const watchClient = new (etcdClient('Watch'))(address, grpc.credentials.createInsecure()) as GrpcClient;
  const lease = new (etcdClient('Lease'))(address, grpc.credentials.createInsecure()) as GrpcClient;
  const kv = member.clients!.kv;
  const open = (create: object, onResponse: (r: { created: boolean; compact_revision: string; header: { revision: string }; events: WireEvent[] }) => void) => {
    const stream = watchClient['Watch']!() as grpc.ClientDuplexStream<object, Parameters<typeof onResponse>[0]>;
    stream.on('data', onResponse);
    stream.on('error', () => {});
    stream.write({ create_request: create });
    return stream;
  };
  return {
    name: 'gRPC',
    watch(prefix, options = {}) {
      const log = new EventLog();
      const stream = open({ key: Buffer.from(prefix), range_end: prefixEnd(prefix), start_revision: options.startRevision ?? 0, prev_kv: options.prevKv ?? false },
        (r) => {
          if (r.created) log.createdRevision(Number(r.header.revision));
          for (const e of r.events) log.push(eventOf(e));
        });
      return { created: log.created, events: (n) => log.events(n), close: () => stream.cancel() };
    },
    watchCompacted(key, startRevision) {
      return new Promise((resolve) => {
        const stream = open({ key: Buffer.from(key), start_revision: startRevision }, (r) => {
          if (r.compact_revision !== '0') { resolve(Number(r.compact_revision)); stream.cancel(); }
        });
      });
    },
    async grant(ttl) {
      const r = await call<{ ID: string; TTL: string }>(lease, 'LeaseGrant', { TTL: ttl, ID: 0 }).catch(etcdMessage);
      return { id: Number(r.ID), ttl: Number(r.TTL) };
    },
    async put(key, value, leaseId) {
      const r = await call<{ header: { revision: string } }>(kv, 'Put', { key: Buffer.from(key), value: Buffer.from(value), lease: leaseId }).catch(etcdMessage);
      return Number(r.header.revision);
    },
    keepAlive(id) {
      return new Promise((resolve, reject) => {
        const stream = lease['LeaseKeepAlive']!() as grpc.ClientDuplexStream<object, { TTL: string }>;
        stream.on('data', (r) => { resolve(Number(r.TTL)); stream.cancel(); });
        stream.on('error', (error: grpc.ServiceError) => { if (error.code !== grpc.status.CANCELLED) reject(new Error(error.details)); });
        stream.write({ ID: id });
      });
    },
    async timeToLive(id) {
      const r = await call<{ TTL: string; grantedTTL: string; keys: Buffer[] }>(lease, 'LeaseTimeToLive', { ID: id, keys: true }).catch(etcdMessage);
      return { ttl: Number(r.TTL), granted: Number(r.grantedTTL), keys: r.keys.map((k) => text(k)).sort() };
    },
    async revoke(id) {
      await call(lease, 'LeaseRevoke', { ID: id }).catch(etcdMessage);
    },
    async leases() {
      const r = await call<{ leases: { ID: string }[] }>(lease, 'LeaseLeases', {}).catch(etcdMessage);
      return r.leases.map((l) => Number(l.ID));
    },
    close() {
      watchClient.close();
      lease.close();
    },
  };
}

async function postJson<T>(member: ClusterProcess, path: string, body: object): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${member.httpPort}${path}`, { method: 'POST', body: JSON.stringify(body) });
  const json = await response.json() as T & { message?: string };
  if (response.status !== 200) throw new Error(json.message ?? `HTTP ${response.status}`);
  return json;
}

/** POSTs to a streaming gateway route and hands each `{"result":...}` line to `onResult`. */
function postStream(member: ClusterProcess, path: string, body: object, onResult: (result: Record<string, unknown>) => void): AbortController {
  const abort = new AbortController();
  void (async () => {
    const response = await fetch(`http://127.0.0.1:${member.httpPort}${path}`, { method: 'POST', body: JSON.stringify(body), signal: abort.signal });
    const reader = response.body!.getReader();
    let pending = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      pending += Buffer.from(value).toString();
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line.trim() !== '') onResult((JSON.parse(line) as { result: Record<string, unknown> }).result);
      }
    }
  })().catch(() => {});
  return abort;
}

export function gatewayWatchLease(member: ClusterProcess): WatchLeaseTransport {
  const aborts = new Set<AbortController>();
  const watchStream = (create: object, onResult: (result: Record<string, unknown>) => void): AbortController => {
    const abort = postStream(member, '/v3/watch', { create_request: create }, onResult);
    aborts.add(abort);
    return abort;
  };
  return {
    name: 'JSON gateway',
    watch(prefix, options = {}) {
      const log = new EventLog();
      const abort = watchStream({
        key: b64(prefix), range_end: prefixEnd(prefix).toString('base64'),
        ...(options.startRevision ? { start_revision: String(options.startRevision) } : {}), ...(options.prevKv ? { prev_kv: true } : {}),
      }, (result) => {
        if (result.created === true) log.createdRevision(Number((result.header as { revision: string }).revision));
        for (const e of (result.events ?? []) as WireEvent[]) log.push(eventOf(e));
      });
      return { created: log.created, events: (n) => log.events(n), close: () => abort.abort() };
    },
    watchCompacted(key, startRevision) {
      return new Promise((resolve) => {
        const abort = watchStream({ key: b64(key), start_revision: String(startRevision) }, (result) => {
          if (result.compact_revision !== undefined) { resolve(Number(result.compact_revision)); abort.abort(); }
        });
      });
    },
    async grant(ttl) {
      const r = await postJson<{ ID: string; TTL: string }>(member, '/v3/lease/grant', { TTL: String(ttl) });
      return { id: Number(r.ID), ttl: Number(r.TTL) };
    },
    async put(key, value, lease) {
      const r = await postJson<{ header: { revision: string } }>(member, '/v3/kv/put', { key: b64(key), value: b64(value), lease: String(lease) });
      return Number(r.header.revision);
    },
    keepAlive(id) {
      return new Promise((resolve) => {
        const abort = postStream(member, '/v3/lease/keepalive', { ID: String(id) }, (result) => {
          resolve(Number(result.TTL ?? 0));
          abort.abort();
        });
      });
    },
    async timeToLive(id) {
      const r = await postJson<{ TTL: string; grantedTTL?: string; keys?: string[] }>(member, '/v3/lease/timetolive', { ID: String(id), keys: true });
      return { ttl: Number(r.TTL), granted: Number(r.grantedTTL ?? 0), keys: (r.keys ?? []).map((k) => text(k)).sort() };
    },
    async revoke(id) {
      await postJson(member, '/v3/lease/revoke', { ID: String(id) });
    },
    async leases() {
      const r = await postJson<{ leases?: { ID: string }[] }>(member, '/v3/lease/leases', {});
      return (r.leases ?? []).map((l) => Number(l.ID));
    },
    close() {
      for (const abort of aborts) abort.abort();
    },
  };
}

/** The protocol's request/response call, for lease ops by id (the client's Lease objects wrap them). */
type RawCall = <T>(op: string, body: unknown) => Promise<T>;

export function webSocketWatchLease(member: ClusterProcess): WatchLeaseTransport {
  const client = new CairnClient({ endpoints: [`ws://127.0.0.1:${member.httpPort}/ws`] });
  const raw = client as unknown as { call: RawCall };
  const callOp = <T>(op: string, body: unknown): Promise<T> => raw.call.call(client, op, body) as Promise<T>;
  const eventOfClient = (e: Event): WatchedEvent => ({
    type: e.type === 1 ? 'DELETE' : 'PUT', key: text(e.kv.key), value: text(e.kv.value), mod_revision: e.kv.mod_revision,
    ...(e.prev_kv ? { prev: text(e.prev_kv.value) } : {}),
  });
  return {
    name: 'WebSocket',
    watch(prefix, options = {}) {
      const log = new EventLog();
      const watch = client.watch(prefix, { prefix: true, ...(options.startRevision ? { startRevision: options.startRevision } : {}), ...(options.prevKv ? { prevKv: true } : {}) });
      void watch.created.then((revision) => log.createdRevision(revision), () => {});
      void (async () => {
        for await (const batch of watch) for (const e of batch.events) log.push(eventOfClient(e));
      })().catch(() => {});
      return { created: log.created, events: (n) => log.events(n), close: () => watch.cancel() };
    },
    async watchCompacted(key, startRevision) {
      const watch = client.watch(key, { startRevision });
      try {
        for await (const batch of watch) void batch;
      } catch (error) {
        if (error instanceof WatchCompactedError) return error.compactRevision;
        throw error;
      }
      throw new Error('the watch ended without a compaction');
    },
    async grant(ttl) {
      const lease = await client.grant(ttl, { keepAlive: false }).catch(etcdMessage);
      lease.close();
      return { id: lease.id, ttl: lease.ttl };
    },
    async put(key, value, lease) {
      return (await client.put(key, value, { lease }).catch(etcdMessage)).header.revision;
    },
    async keepAlive(id) {
      return (await callOp<{ TTL: number }>('lease_keep_alive', { ID: id }).catch(etcdMessage)).TTL;
    },
    async timeToLive(id) {
      const r = await callOp<{ TTL: number; grantedTTL: number; keys: Uint8Array[] }>('lease_time_to_live', { ID: id, keys: true }).catch(etcdMessage);
      return { ttl: r.TTL, granted: r.grantedTTL, keys: r.keys.map((k) => text(k)).sort() };
    },
    async revoke(id) {
      await callOp('lease_revoke', { ID: id }).catch(etcdMessage);
    },
    async leases() {
      return (await client.leases().catch(etcdMessage)).leases.map((l) => l.ID);
    },
    close() {
      client.close();
    },
  };
}
