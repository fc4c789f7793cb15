/**
 * The KV API as every transport offers it, behind one small interface, so one conformance suite
 * runs unchanged over gRPC (@grpc/grpc-js with etcd's protos), the JSON gateway (HTTP + base64 +
 * int64 strings) and the native WebSocket protocol (the TypeScript client). Answers are
 * normalised to plain strings and numbers; errors to their etcd message.
 */
import { CairnClient } from '../../net/client/cairn-client.js';
import { call, type ClusterProcess } from '../cluster/process-cluster.js';

export interface Kv {
  key: string;
  value: string;
  version: number;
  create_revision: number;
  mod_revision: number;
}

export interface RangeOptions {
  prefix?: boolean;
  limit?: number;
  revision?: number;
}

export interface KvTransport {
  readonly name: string;
  put(key: string, value: string, prevKv?: boolean): Promise<{ revision: number; prevValue: string | null }>;
  range(key: string, options?: RangeOptions): Promise<{ revision: number; kvs: Kv[]; count: number; more: boolean }>;
  delete(key: string, prevKv?: boolean): Promise<{ revision: number; deleted: number; prevValues: string[] }>;
  /** If key holds `expected`, put `value`. */
  compareAndSwap(key: string, expected: string, value: string): Promise<{ revision: number; succeeded: boolean }>;
  compact(revision: number): Promise<void>;
  close(): void;
}

/** The exclusive end of the range of keys starting with `prefix` (etcd's GetPrefixRangeEnd). */
function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

const text = (bytes: Uint8Array | string | undefined): string =>
  bytes === undefined ? '' : typeof bytes === 'string' ? Buffer.from(bytes, 'base64').toString() : Buffer.from(bytes).toString();

interface WireKv { key: Uint8Array | string; value?: Uint8Array | string; version: number | string; create_revision: number | string; mod_revision: number | string }

function kvOf(kv: WireKv): Kv {
  return {
    key: text(kv.key), value: text(kv.value), version: Number(kv.version),
    create_revision: Number(kv.create_revision), mod_revision: Number(kv.mod_revision),
  };
}

/** Rethrows any transport's failure as an Error whose message is etcd's. */
function etcdMessage(error: unknown): never {
  const details = (error as { details?: string }).details;
  throw new Error(details ?? (error as Error).message);
}

export function grpcTransport(member: ClusterProcess): KvTransport {
  const kv = member.clients!.kv;
  return {
    name: 'gRPC',
    async put(key, value, prevKv = false) {
      const r = await call<{ header: { revision: string }; prev_kv: WireKv | null }>(kv, 'Put',
        { key: Buffer.from(key), value: Buffer.from(value), prev_kv: prevKv }).catch(etcdMessage);
      return { revision: Number(r.header.revision), prevValue: r.prev_kv ? text(r.prev_kv.value) : null };
    },
    async range(key, options = {}) {
      const r = await call<{ header: { revision: string }; kvs: WireKv[]; count: string; more: boolean }>(kv, 'Range', {
        key: Buffer.from(key), range_end: options.prefix ? prefixEnd(key) : undefined,
        limit: options.limit ?? 0, revision: options.revision ?? 0,
      }).catch(etcdMessage);
      return { revision: Number(r.header.revision), kvs: r.kvs.map(kvOf), count: Number(r.count), more: r.more };
    },
    async delete(key, prevKv = false) {
      const r = await call<{ header: { revision: string }; deleted: string; prev_kvs: WireKv[] }>(kv, 'DeleteRange',
        { key: Buffer.from(key), prev_kv: prevKv }).catch(etcdMessage);
      return { revision: Number(r.header.revision), deleted: Number(r.deleted), prevValues: r.prev_kvs.map((p) => text(p.value)) };
    },
    async compareAndSwap(key, expected, value) {
      const r = await call<{ header: { revision: string }; succeeded: boolean }>(kv, 'Txn', {
        compare: [{ key: Buffer.from(key), target: 3 /* VALUE */, result: 0 /* EQUAL */, value: Buffer.from(expected) }],
        success: [{ request_put: { key: Buffer.from(key), value: Buffer.from(value) } }],
      }).catch(etcdMessage);
      return { revision: Number(r.header.revision), succeeded: r.succeeded };
    },
    async compact(revision) {
      await call(kv, 'Compact', { revision }).catch(etcdMessage);
    },
    close() {},
  };
}

async function postJson<T>(member: ClusterProcess, path: string, body: object): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${member.httpPort}${path}`, { method: 'POST', body: JSON.stringify(body) });
  const json = await response.json() as T & { message?: string };
  if (response.status !== 200) throw new Error(json.message ?? `HTTP ${response.status}`);
  return json;
}

const b64 = (value: string | Buffer): string => Buffer.from(value).toString('base64');

export function jsonGatewayTransport(member: ClusterProcess): KvTransport {
  return {
    name: 'JSON gateway',
    async put(key, value, prevKv = false) {
      const r = await postJson<{ header: { revision: string }; prev_kv?: WireKv }>(member, '/v3/kv/put', { key: b64(key), value: b64(value), prev_kv: prevKv });
      return { revision: Number(r.header.revision), prevValue: r.prev_kv ? text(r.prev_kv.value) : null };
    },
    async range(key, options = {}) {
      const r = await postJson<{ header: { revision: string }; kvs?: WireKv[]; count?: string; more?: boolean }>(member, '/v3/kv/range', {
        key: b64(key), ...(options.prefix ? { range_end: b64(prefixEnd(key)) } : {}),
        ...(options.limit ? { limit: String(options.limit) } : {}), ...(options.revision ? { revision: String(options.revision) } : {}),
      });
      return { revision: Number(r.header.revision), kvs: (r.kvs ?? []).map(kvOf), count: Number(r.count ?? 0), more: r.more ?? false };
    },
    async delete(key, prevKv = false) {
      const r = await postJson<{ header: { revision: string }; deleted?: string; prev_kvs?: WireKv[] }>(member, '/v3/kv/deleterange', { key: b64(key), prev_kv: prevKv });
      return { revision: Number(r.header.revision), deleted: Number(r.deleted ?? 0), prevValues: (r.prev_kvs ?? []).map((p) => text(p.value)) };
    },
    async compareAndSwap(key, expected, value) {
      const r = await postJson<{ header: { revision: string }; succeeded?: boolean }>(member, '/v3/kv/txn', {
        compare: [{ key: b64(key), target: 'VALUE', result: 'EQUAL', value: b64(expected) }],
        success: [{ request_put: { key: b64(key), value: b64(value) } }],
      });
      return { revision: Number(r.header.revision), succeeded: r.succeeded ?? false };
    },
    async compact(revision) {
      await postJson(member, '/v3/kv/compaction', { revision: String(revision) });
    },
    close() {},
  };
}

export function webSocketTransport(member: ClusterProcess): KvTransport {
  const client = new CairnClient({ endpoints: [`ws://127.0.0.1:${member.httpPort}/ws`] });
  return {
    name: 'WebSocket',
    async put(key, value, prevKv = false) {
      const r = await client.put(key, value, { prev_kv: prevKv }).catch(etcdMessage);
      return { revision: r.header.revision, prevValue: r.prev_kv ? text(r.prev_kv.value) : null };
    },
    async range(key, options = {}) {
      const r = await client.get(key, {
        ...(options.prefix ? { prefix: true } : {}), limit: options.limit ?? 0, revision: options.revision ?? 0,
      }).catch(etcdMessage);
      return { revision: r.header.revision, kvs: r.kvs.map((kv) => kvOf(kv)), count: r.count, more: r.more };
    },
    async delete(key, prevKv = false) {
      const r = await client.delete(key, { prev_kv: prevKv }).catch(etcdMessage);
      return { revision: r.header.revision, deleted: r.deleted, prevValues: r.prev_kvs.map((p) => text(p.value)) };
    },
    async compareAndSwap(key, expected, value) {
      const r = await client.txn({
        compare: [{ key, target: 3, result: 0, value: expected }],
        success: [{ request_put: { key, value } }],
      }).catch(etcdMessage);
      return { revision: r.header.revision, succeeded: r.succeeded };
    },
    async compact(revision) {
      await client.compact(revision).catch(etcdMessage);
    },
    close() {
      client.close();
    },
  };
}
