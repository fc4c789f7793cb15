/**
 * Fills a fresh cluster with the storm's keyspace through gRPC: keys `key/000001` .. `key/<N>`
 * (zero-padded so they sort as numbers), each with a `valueSize`-byte value, written as Txns of
 * TXN_PUTS puts (etcd's --max-txn-ops default) with `inFlight` Txns outstanding. 100k keys of 512 B
 * are ~800 Txns of ~66 KB, well under the 1.5 MiB request limit of both servers.
 */
import * as grpc from '@grpc/grpc-js';
import { etcdClient } from '../../net/grpc/protos.js';

/** Every key of the storm starts with this; a Range over the prefix is the full keyspace. */
export const KEY_PREFIX = 'key/';
/** The prefix's range end: the prefix with its last byte incremented ('/' + 1 = '0'). */
export const KEY_RANGE_END = 'key0';
/** etcd refuses a Txn with more operations (--max-txn-ops). */
const TXN_PUTS = 128;
const KEY_DIGITS_MIN = 6;
const CONNECT_TIMEOUT_MS = 10_000;
/** One Txn of the load may take this long (a fresh cluster's first writes included). */
const TXN_DEADLINE_MS = 30_000;

type TxnClient = grpc.Client & { Txn(request: object, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null) => void): void };

/** Key number `index` (1-based) of a keyspace of `keys`. */
export function keyOf(index: number, keys: number): string {
  return `${KEY_PREFIX}${String(index).padStart(Math.max(KEY_DIGITS_MIN, String(keys).length), '0')}`;
}

/** Puts every key on `target` (host:port); resolves with the seconds it took, rejects on the first failed Txn. */
export async function loadKeys(target: string, keys: number, valueSize: number, inFlight: number): Promise<number> {
  const KV = etcdClient('KV');
  const client = new KV(target, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }) as unknown as TxnClient;
  const startMs = performance.now();
  try {
    await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + CONNECT_TIMEOUT_MS,
      (error) => (error ? reject(new Error(`cannot connect to ${target}: ${error.message}`)) : resolve())));
    const value = Buffer.alloc(valueSize, 'v');
    let next = 1;
    const batch = (): object[] => {
      const puts = [];
      for (const end = Math.min(keys, next + TXN_PUTS - 1); next <= end; next++) puts.push({ request_put: { key: Buffer.from(keyOf(next, keys)), value } });
      return puts;
    };
    const worker = async (): Promise<void> => {
      while (next <= keys) {
        const success = batch();
        await new Promise<void>((resolve, reject) => client.Txn({ compare: [], success, failure: [] }, { deadline: Date.now() + TXN_DEADLINE_MS },
          (error) => (error === null ? resolve() : reject(new Error(`loading keys: ${error.details || error.message}`)))));
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    return (performance.now() - startMs) / 1000;
  } finally {
    client.close();
  }
}
