/**
 * Writing JSON as etcd's gateway does (here, not in net/, because the apply worker also writes the
 * kvs of a range's pages this way: keyvalue-json.ts) (jsonpb with OrigName, EmitDefaults off): fields in proto
 * order, fields holding their default value (0, false, empty bytes or string, empty list)
 * left out, 64-bit integers as decimal strings, 32-bit ones as numbers, bytes as padded standard
 * base64, strings escaped as Go's encoding/json does. No spaces.
 */
import { goJsonString } from './go-json-string.js';

/** One field: its name and its JSON text, or undefined to leave it out. */
export type JsonField = readonly [name: string, json: string | undefined];

/** An object of the fields that have a value, in the order given. */
export function jsonObject(fields: readonly JsonField[]): string {
  const parts: string[] = [];
  for (const [name, json] of fields) if (json !== undefined) parts.push(`"${name}":${json}`);
  return `{${parts.join(',')}}`;
}

/** int64 / uint64: a decimal string; 0 is left out. */
export function int64Json(value: number | bigint | undefined): string | undefined {
  return value === undefined || value === 0 || value === 0n ? undefined : `"${BigInt(value).toString()}"`;
}

/** int32 / uint32: a JSON number; 0 is left out. */
export function int32Json(value: number | undefined): string | undefined {
  return value === undefined || value === 0 ? undefined : String(value);
}

/** bool: only true is written. */
export function boolJson(value: boolean | undefined): string | undefined {
  return value === true ? 'true' : undefined;
}

/** bytes: padded standard base64 (Go's base64.StdEncoding, as Node writes it); empty is left out. */
export function bytesJson(value: Uint8Array | undefined): string | undefined {
  if (value === undefined || value.length === 0) return undefined;
  return `"${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}"`;
}

/** string: Go-escaped; empty is left out. */
export function stringJson(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : goJsonString(value);
}

/** A repeated field from its elements' JSON; an empty list is left out. */
export function repeatedJson(items: readonly string[] | undefined): string | undefined {
  return items === undefined || items.length === 0 ? undefined : `[${items.join(',')}]`;
}
