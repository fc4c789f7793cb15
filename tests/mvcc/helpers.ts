/** Shared helpers for the MVCC tests: temporary stores and byte/string conversions. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MvccStore, type StoreOptions } from '../../engine/mvcc/store.js';
import type { KeyValue } from '../../engine/mvcc/rpc.js';

/** A fresh directory under /tmp/mvcc-*. */
export function tempDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'mvcc-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Runs `body` against a fresh store and removes it afterwards. */
export async function withStore(body: (store: MvccStore, path: string) => void | Promise<void>, options: StoreOptions = {}): Promise<void> {
  const dir = tempDir();
  const store = new MvccStore(dir.path, options);
  try {
    await body(store, dir.path);
  } finally {
    await store.close();
    dir.remove();
  }
}

/** Bytes of a string. */
export function b(text: string): Buffer {
  return Buffer.from(text);
}

/** The string of some bytes. */
export function s(bytes: Uint8Array | undefined): string {
  return bytes === undefined ? '<none>' : Buffer.from(bytes).toString();
}

/** The keys of a list of kvs, as strings. */
export function keysOf(kvs: KeyValue[]): string[] {
  return kvs.map((kv) => s(kv.key));
}

/** Puts key=value and returns the revision it created. */
export function put(store: MvccStore, key: string, value: string, lease = 0): number {
  return store.write({ put: { key: b(key), value: b(value), lease } }).revision;
}
