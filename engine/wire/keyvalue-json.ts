/**
 * mvccpb.KeyValue as etcd's gateway writes it (jsonpb-write.ts): the gateway writes kvs with it,
 * and the apply worker the kvs of a range's JSON pages (range-pages.ts), so both write the same.
 */
import type { KeyValue } from '../mvcc/rpc.js';
import { bytesJson, int64Json, jsonObject } from './jsonpb-write.js';

export function keyValueJson(kv: KeyValue): string {
  return jsonObject([
    ['key', bytesJson(kv.key)],
    ['create_revision', int64Json(kv.create_revision)],
    ['mod_revision', int64Json(kv.mod_revision)],
    ['version', int64Json(kv.version)],
    ['value', bytesJson(kv.value)],
    ['lease', int64Json(kv.lease)],
  ]);
}
