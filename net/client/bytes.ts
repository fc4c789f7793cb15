/**
 * Keys and values as the client API accepts them (a string is UTF-8 encoded) and the prefix
 * range etcdctl's --prefix uses.
 */

/** A key or value: bytes, or a string sent as its UTF-8 bytes. */
export type Bytes = string | Uint8Array;

/** `T` with every bytes field also accepting a string (enums and numbers are unchanged). */
export type BytesInput<T> = T extends Uint8Array ? Bytes
  : T extends readonly (infer U)[] ? BytesInput<U>[]
  : T extends object ? { [K in keyof T]: BytesInput<T[K]> }
  : T;

const encoder = new TextEncoder();

export function toBytes(value: Bytes): Uint8Array {
  return typeof value === 'string' ? encoder.encode(value) : value;
}

/**
 * Converts every string in a request tree to bytes. In the KV requests strings only ever appear in
 * bytes fields (enums are numbers), so this is exact for them.
 */
export function bytesDeep<T>(value: BytesInput<T>): T {
  if (typeof value === 'string') return encoder.encode(value) as T;
  if (value instanceof Uint8Array || typeof value !== 'object' || value === null) return value as T;
  if (Array.isArray(value)) return value.map((item) => bytesDeep(item)) as T;
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value)) out[name] = bytesDeep(field as BytesInput<unknown>);
  return out as T;
}

/** The range end that covers every key starting with `key` (etcd's GetPrefixRangeEnd). */
export function prefixEnd(key: Uint8Array): Uint8Array {
  for (let i = key.length - 1; i >= 0; i--) {
    if (key[i]! < 0xff) {
      const end = key.slice(0, i + 1);
      end[i] = key[i]! + 1;
      return end;
    }
  }
  // Every byte is 0xff: "\0" means "all keys >= key".
  return new Uint8Array([0]);
}
