/**
 * Checks the shape of a decoded request body before it reaches KvServer, which trusts its types:
 * every field must have its proto type (bytes as msgpack bin, int64 as a safe integer, bool, enum
 * number in range), unknown fields are refused (a misspelt option must not be silently ignored),
 * and a missing key is etcd's "key is not provided". Failures are INVALID_ARGUMENT errors naming
 * the field. Absent (undefined or nil) optional fields read as unset.
 */
import { AlarmAction, AlarmType, type AlarmRequest } from '../../../engine/alarm/alarm-rpc.js';
import { ErrEmptyKey, EtcdError, GrpcCode } from '../../../engine/errors.js';
import {
  CompareResult, CompareTarget, type CompactionRequest, type Compare, type DeleteRangeRequest, type HashKVRequest,
  type PutRequest, type RangeRequest, type RequestOp, type TxnRequest,
} from '../../../engine/mvcc/rpc.js';
import type { LeaseGrantRequest, LeaseRevokeRequest, LeaseTimeToLiveRequest } from '../../../engine/lease/lease-rpc.js';
import { FilterType, type WatchCreateRequest } from '../../../engine/watch/watch-types.js';

type Fields = Record<string, unknown>;

/** An INVALID_ARGUMENT error for a malformed request. */
export function invalidRequest(message: string): EtcdError {
  return new EtcdError(GrpcCode.INVALID_ARGUMENT, `cairn: invalid request: ${message}`);
}

function fieldsOf(value: unknown, where: string, allowed: readonly string[]): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw invalidRequest(`${where} must be a map`);
  }
  for (const name of Object.keys(value)) {
    if (!allowed.includes(name)) throw invalidRequest(`${where} has unknown field "${name}"`);
  }
  return value as Fields;
}

const absent = (value: unknown): value is undefined | null => value === undefined || value === null;

function bytesField(fields: Fields, name: string, where: string): Uint8Array | undefined {
  const value = fields[name];
  if (absent(value)) return undefined;
  if (!(value instanceof Uint8Array)) throw invalidRequest(`${where}.${name} must be bytes`);
  return value;
}

function keyField(fields: Fields, name: string, where: string): Uint8Array {
  const key = bytesField(fields, name, where);
  if (key === undefined || key.length === 0) throw ErrEmptyKey;
  return key;
}

function intField(fields: Fields, name: string, where: string): number | undefined {
  const value = fields[name];
  if (absent(value)) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalidRequest(`${where}.${name} must be an integer`);
  return value;
}

function enumField(fields: Fields, name: string, where: string, values: object): number | undefined {
  const value = intField(fields, name, where);
  if (value !== undefined && !(value in values)) throw invalidRequest(`${where}.${name} ${value} is not a valid value`);
  return value;
}

function boolField(fields: Fields, name: string, where: string): boolean | undefined {
  const value = fields[name];
  if (absent(value)) return undefined;
  if (typeof value !== 'boolean') throw invalidRequest(`${where}.${name} must be a boolean`);
  return value;
}

function listField(fields: Fields, name: string, where: string): unknown[] {
  const value = fields[name];
  if (absent(value)) return [];
  if (!Array.isArray(value)) throw invalidRequest(`${where}.${name} must be an array`);
  return value;
}

/**
 * Copies the set fields only, so the request KvServer sees (and may write to the WAL) has no nil
 * placeholders. Copying instead of deleting keeps the object out of V8's slow dictionary mode.
 */
function defined<T extends object>(request: T): T {
  const out: Partial<T> = {};
  for (const key in request) if (request[key] !== undefined) out[key] = request[key];
  return out as T;
}

const RANGE_FIELDS = ['key', 'range_end', 'limit', 'revision', 'sort_order', 'sort_target', 'serializable', 'keys_only',
  'count_only', 'min_mod_revision', 'max_mod_revision', 'min_create_revision', 'max_create_revision'] as const;

export function rangeRequest(value: unknown, where = 'range'): RangeRequest {
  const f = fieldsOf(value, where, RANGE_FIELDS);
  return defined<RangeRequest>({
    key: keyField(f, 'key', where),
    range_end: bytesField(f, 'range_end', where),
    limit: intField(f, 'limit', where),
    revision: intField(f, 'revision', where),
    // Out-of-range sort options are KvServer's to refuse, with etcd's own error.
    sort_order: intField(f, 'sort_order', where),
    sort_target: intField(f, 'sort_target', where),
    serializable: boolField(f, 'serializable', where),
    keys_only: boolField(f, 'keys_only', where),
    count_only: boolField(f, 'count_only', where),
    min_mod_revision: intField(f, 'min_mod_revision', where),
    max_mod_revision: intField(f, 'max_mod_revision', where),
    min_create_revision: intField(f, 'min_create_revision', where),
    max_create_revision: intField(f, 'max_create_revision', where),
  });
}

export function putRequest(value: unknown, where = 'put'): PutRequest {
  const f = fieldsOf(value, where, ['key', 'value', 'lease', 'prev_kv', 'ignore_value', 'ignore_lease']);
  return defined<PutRequest>({
    key: keyField(f, 'key', where),
    value: bytesField(f, 'value', where),
    lease: intField(f, 'lease', where),
    prev_kv: boolField(f, 'prev_kv', where),
    ignore_value: boolField(f, 'ignore_value', where),
    ignore_lease: boolField(f, 'ignore_lease', where),
  });
}

export function deleteRangeRequest(value: unknown, where = 'delete_range'): DeleteRangeRequest {
  const f = fieldsOf(value, where, ['key', 'range_end', 'prev_kv']);
  return defined<DeleteRangeRequest>({
    key: keyField(f, 'key', where),
    range_end: bytesField(f, 'range_end', where),
    prev_kv: boolField(f, 'prev_kv', where),
  });
}

const COMPARE_FIELDS = ['result', 'target', 'key', 'version', 'create_revision', 'mod_revision', 'value', 'lease',
  'range_end'] as const;

function compare(value: unknown, where: string): Compare {
  const f = fieldsOf(value, where, COMPARE_FIELDS);
  return defined<Compare>({
    result: enumField(f, 'result', where, CompareResult),
    target: enumField(f, 'target', where, CompareTarget),
    key: keyField(f, 'key', where),
    version: intField(f, 'version', where),
    create_revision: intField(f, 'create_revision', where),
    mod_revision: intField(f, 'mod_revision', where),
    value: bytesField(f, 'value', where),
    lease: intField(f, 'lease', where),
    range_end: bytesField(f, 'range_end', where),
  });
}

function requestOp(value: unknown, where: string, depth: number): RequestOp {
  const f = fieldsOf(value, where, ['request_range', 'request_put', 'request_delete_range', 'request_txn']);
  const set = Object.keys(f).filter((name) => !absent(f[name]));
  if (set.length !== 1) throw invalidRequest(`${where} must set exactly one of request_range, request_put, request_delete_range, request_txn`);
  switch (set[0]) {
    case 'request_range': return { request_range: rangeRequest(f.request_range, `${where}.request_range`) };
    case 'request_put': return { request_put: putRequest(f.request_put, `${where}.request_put`) };
    case 'request_delete_range': return { request_delete_range: deleteRangeRequest(f.request_delete_range, `${where}.request_delete_range`) };
    default: return { request_txn: txnRequest(f.request_txn, `${where}.request_txn`, depth + 1) };
  }
}

/**
 * Each nesting level of a txn needs at least one op, and etcd bounds ops per txn (128), so a deeper
 * txn can never be valid; stopping here also bounds this recursion.
 */
const TXN_DEPTH_MAX = 128;

export function txnRequest(value: unknown, where = 'txn', depth = 0): TxnRequest {
  if (depth > TXN_DEPTH_MAX) throw invalidRequest(`${where} nests txns deeper than ${TXN_DEPTH_MAX}`);
  const f = fieldsOf(value, where, ['compare', 'success', 'failure']);
  return {
    compare: listField(f, 'compare', where).map((c, i) => compare(c, `${where}.compare[${i}]`)),
    success: listField(f, 'success', where).map((op, i) => requestOp(op, `${where}.success[${i}]`, depth)),
    failure: listField(f, 'failure', where).map((op, i) => requestOp(op, `${where}.failure[${i}]`, depth)),
  };
}

export function compactionRequest(value: unknown, where = 'compact'): CompactionRequest {
  const f = fieldsOf(value, where, ['revision', 'physical']);
  return defined<CompactionRequest>({
    revision: intField(f, 'revision', where) ?? 0,
    physical: boolField(f, 'physical', where),
  });
}

export function hashKVRequest(value: unknown, where = 'hash_kv'): HashKVRequest {
  if (absent(value)) return {};
  const f = fieldsOf(value, where, ['revision']);
  return defined<HashKVRequest>({ revision: intField(f, 'revision', where) });
}

/** An absent body is a GET of every alarm. */
export function alarmRequest(value: unknown, where = 'alarm'): AlarmRequest {
  if (absent(value)) return { action: AlarmAction.GET, memberID: 0, alarm: AlarmType.NONE };
  const f = fieldsOf(value, where, ['action', 'memberID', 'alarm']);
  const memberID = intField(f, 'memberID', where) ?? 0;
  if (memberID < 0) throw invalidRequest(`${where}.memberID must not be negative`);
  return {
    action: enumField(f, 'action', where, AlarmAction) ?? AlarmAction.GET,
    memberID,
    alarm: enumField(f, 'alarm', where, AlarmType) ?? AlarmType.NONE,
  };
}

/** Status takes no arguments: an absent body or an empty map. */
export function statusRequest(value: unknown): void {
  if (!absent(value)) fieldsOf(value, 'status', []);
}

/** etcd's gRPC layer reads an empty watch key as "\0", the smallest key. */
const SMALLEST_KEY = new Uint8Array([0]);

const WATCH_CREATE_FIELDS = ['key', 'range_end', 'start_revision', 'progress_notify', 'filters', 'prev_kv', 'watch_id',
  'fragment'] as const;

export function watchCreateRequest(value: unknown, where = 'watch_create'): WatchCreateRequest {
  const f = fieldsOf(value, where, WATCH_CREATE_FIELDS);
  const key = bytesField(f, 'key', where);
  const watchId = intField(f, 'watch_id', where);
  // -1 is the watch_id of responses that belong to no watcher (progress answers, refusals).
  if (watchId !== undefined && watchId < 0) throw invalidRequest(`${where}.watch_id must not be negative`);
  const filters = listField(f, 'filters', where).map((filter, i): FilterType => {
    if (typeof filter !== 'number' || !Number.isSafeInteger(filter)) throw invalidRequest(`${where}.filters[${i}] must be an integer`);
    if (!(filter in FilterType)) throw invalidRequest(`${where}.filters[${i}] ${filter} is not a valid value`);
    return filter;
  });
  return defined<WatchCreateRequest>({
    key: key === undefined || key.length === 0 ? SMALLEST_KEY : key,
    range_end: bytesField(f, 'range_end', where),
    start_revision: intField(f, 'start_revision', where),
    progress_notify: boolField(f, 'progress_notify', where),
    filters: filters.length === 0 ? undefined : filters,
    prev_kv: boolField(f, 'prev_kv', where),
    watch_id: watchId,
    fragment: boolField(f, 'fragment', where),
  });
}

/** WatchCancelRequest: the id of the watcher to cancel (absent reads as 0, proto3's default). */
export function watchCancelRequest(value: unknown, where = 'watch_cancel'): number {
  const f = fieldsOf(value, where, ['watch_id']);
  return intField(f, 'watch_id', where) ?? 0;
}

/** WatchProgressRequest takes no arguments: an absent body or an empty map. */
export function watchProgressRequest(value: unknown): void {
  if (!absent(value)) fieldsOf(value, 'watch_progress', []);
}

/**
 * LeaseGrantRequest: absent TTL and ID read as 0 (proto3's default): ID 0 lets the server pick one,
 * and a TTL below the member's minimum is raised to it, both by the lease server.
 */
export function leaseGrantRequest(value: unknown, where = 'lease_grant'): LeaseGrantRequest {
  const f = fieldsOf(value, where, ['TTL', 'ID']);
  return { TTL: intField(f, 'TTL', where) ?? 0, ID: intField(f, 'ID', where) ?? 0 };
}

/** LeaseRevokeRequest: the lease to revoke (absent reads as 0, which no lease has). */
export function leaseRevokeRequest(value: unknown, where = 'lease_revoke'): LeaseRevokeRequest {
  const f = fieldsOf(value, where, ['ID']);
  return { ID: intField(f, 'ID', where) ?? 0 };
}

/** LeaseKeepAliveRequest: the id of the lease to renew once. */
export function leaseKeepAliveRequest(value: unknown, where = 'lease_keep_alive'): number {
  const f = fieldsOf(value, where, ['ID']);
  return intField(f, 'ID', where) ?? 0;
}

export function leaseTimeToLiveRequest(value: unknown, where = 'lease_time_to_live'): LeaseTimeToLiveRequest {
  const f = fieldsOf(value, where, ['ID', 'keys']);
  return { ID: intField(f, 'ID', where) ?? 0, keys: boolField(f, 'keys', where) === true };
}

/** LeaseLeasesRequest takes no arguments: an absent body or an empty map. */
export function leaseLeasesRequest(value: unknown): void {
  if (!absent(value)) fieldsOf(value, 'lease_leases', []);
}
