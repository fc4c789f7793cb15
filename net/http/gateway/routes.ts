/**
 * The gateway's route table: which path names which call, and how its body is decoded and its
 * response encoded. The HTTP server looks a request up with `resolveGatewayRequest`, runs the call
 * named by `route.method` on the decoded request, and answers `route.encode(response)` (or
 * `errorReply(error)` from gateway-errors.ts).
 *
 * etcd 3.4 serves every call under /v3/ and again under /v3beta/ (/v3alpha/ is gone: 404). It does
 * not route HashKV: /v3/maintenance/hashkv is 404, and /v3/maintenance/hash is Hash. Lease revoke,
 * timetolive and leases are served twice, at /v3/lease/... and /v3/kv/lease/...; grant and
 * keepalive only at /v3/lease/... Paths match exactly (a trailing slash is 404); a query string is
 * ignored. The two streaming calls, Watch (POST /v3/watch) and LeaseKeepAlive (POST
 * /v3/lease/keepalive), read a stream of requests from the body and answer a stream of responses,
 * so they have no codec here and the HTTP server serves them apart.
 */
import type {
  LeaseGrantRequest, LeaseGrantResponse, LeaseLeasesResponse, LeaseRevokeRequest, LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
} from '../../../engine/lease/lease-rpc.js';
import type {
  CompactionRequest, DeleteRangeRequest, DeleteRangeResponse, PutRequest, PutResponse,
  RangeRequest, RangeResponse, TxnRequest, TxnResponse,
} from '../../../engine/mvcc/rpc.js';
import type { AlarmRequest, AlarmResponse } from '../../../engine/alarm/alarm-rpc.js';
import { decodeAlarmRequest, encodeAlarmResponse } from './alarm-codec.js';
import {
  decodeMemberAddRequest, decodeMemberIdRequest, decodeMemberUpdateRequest,
  type MemberAddRequest, type MemberIdRequest, type MemberUpdateRequest,
} from './cluster-decode.js';
import { encodeHashResponse, encodeMemberAddResponse, encodeMemberListResponse, encodeStatusResponse } from './cluster-encode.js';
import type {
  HashResponse, MemberAddResponse, MemberListResponse, StatusResponse,
} from './cluster-types.js';
import type { ResponseHeader, WithHeader } from '../../../engine/wire/response-header.js';
import {
  type GatewayReply, METHOD_NOT_ALLOWED_REPLY, NOT_FOUND_REPLY, PAGE_NOT_FOUND_REPLY,
} from './gateway-errors.js';
import { parseGoJsonStream } from './go-json.js';
import { decodeMessage } from './json-codec.js';
import {
  decodeCompactionRequest, decodeDeleteRangeRequest, decodePutRequest, decodeRangeRequest, decodeTxnRequest,
} from './kv-decode.js';
import { decodeLeaseGrantRequest, decodeLeaseRevokeRequest, decodeLeaseTimeToLiveRequest } from './lease-decode.js';
import {
  encodeLeaseGrantResponse, encodeLeaseLeasesResponse, encodeLeaseRevokeResponse, encodeLeaseTimeToLiveResponse,
} from './lease-encode.js';
import {
  encodeCompactionResponse, encodeDeleteRangeResponse, encodePutResponse, encodeRangeResponse, encodeTxnResponse,
} from './kv-encode.js';

/** A request message without fields (StatusRequest, HashRequest, MemberListRequest, LeaseLeasesRequest in 3.4). */
export type EmptyRequest = Record<string, never>;

/** Each routed gRPC method with its request and response types. */
export interface GatewayMethods {
  Range: { request: RangeRequest; response: WithHeader<RangeResponse> };
  Put: { request: PutRequest; response: WithHeader<PutResponse> };
  DeleteRange: { request: DeleteRangeRequest; response: WithHeader<DeleteRangeResponse> };
  Txn: { request: TxnRequest; response: WithHeader<TxnResponse> };
  Compact: { request: CompactionRequest; response: { header: ResponseHeader } };
  MemberList: { request: EmptyRequest; response: MemberListResponse };
  MemberAdd: { request: MemberAddRequest; response: MemberAddResponse };
  MemberRemove: { request: MemberIdRequest; response: MemberListResponse };
  MemberUpdate: { request: MemberUpdateRequest; response: MemberListResponse };
  MemberPromote: { request: MemberIdRequest; response: MemberListResponse };
  Status: { request: EmptyRequest; response: StatusResponse };
  Hash: { request: EmptyRequest; response: HashResponse };
  Alarm: { request: AlarmRequest; response: AlarmResponse };
  LeaseGrant: { request: LeaseGrantRequest; response: WithHeader<LeaseGrantResponse> };
  LeaseRevoke: { request: LeaseRevokeRequest; response: { header: ResponseHeader } };
  LeaseTimeToLive: { request: LeaseTimeToLiveRequest; response: WithHeader<LeaseTimeToLiveResponse> };
  LeaseLeases: { request: EmptyRequest; response: WithHeader<LeaseLeasesResponse> };
}

/** One call: its gRPC service and method, and its JSON codec. */
export interface GatewayRouteOf<M extends keyof GatewayMethods> {
  service: 'KV' | 'Cluster' | 'Maintenance' | 'Lease';
  method: M;
  /** Decodes a request body; throws what `errorReply` turns into etcd's 400 answer. */
  decode(body: Uint8Array): GatewayMethods[M]['request'];
  encode(response: GatewayMethods[M]['response']): string;
}

/** Any route; switching on `method` narrows the request and response types. */
export type GatewayRoute = { [M in keyof GatewayMethods]: GatewayRouteOf<M> }[keyof GatewayMethods];

/** The path prefixes etcd 3.4's gateway owns. */
export const GATEWAY_PREFIXES: readonly string[] = ['/v3/', '/v3beta/'];

/**
 * Parses the body (malformed JSON or a non-object fails as on etcd) and ignores its fields,
 * which are all unknown to an empty message.
 */
function decodeEmptyRequest(body: Uint8Array): EmptyRequest {
  decodeMessage(parseGoJsonStream(body), { fields: [], oneof: [] });
  return {};
}

/** The Lease calls, each at the paths etcd 3.4's gateway gives it. */
function leaseRoutes(): [string, GatewayRoute][] {
  const grant: GatewayRoute = { service: 'Lease', method: 'LeaseGrant', decode: decodeLeaseGrantRequest, encode: encodeLeaseGrantResponse };
  const revoke: GatewayRoute = { service: 'Lease', method: 'LeaseRevoke', decode: decodeLeaseRevokeRequest, encode: encodeLeaseRevokeResponse };
  const timeToLive: GatewayRoute = {
    service: 'Lease', method: 'LeaseTimeToLive', decode: decodeLeaseTimeToLiveRequest, encode: encodeLeaseTimeToLiveResponse,
  };
  const leases: GatewayRoute = { service: 'Lease', method: 'LeaseLeases', decode: decodeEmptyRequest, encode: encodeLeaseLeasesResponse };
  return [
    ['lease/grant', grant],
    ['lease/revoke', revoke], ['kv/lease/revoke', revoke],
    ['lease/timetolive', timeToLive], ['kv/lease/timetolive', timeToLive],
    ['lease/leases', leases], ['kv/lease/leases', leases],
  ];
}

const ROUTES_BY_SUFFIX: ReadonlyMap<string, GatewayRoute> = new Map<string, GatewayRoute>([
  ['kv/range', { service: 'KV', method: 'Range', decode: decodeRangeRequest, encode: encodeRangeResponse }],
  ['kv/put', { service: 'KV', method: 'Put', decode: decodePutRequest, encode: encodePutResponse }],
  ['kv/deleterange', { service: 'KV', method: 'DeleteRange', decode: decodeDeleteRangeRequest, encode: encodeDeleteRangeResponse }],
  ['kv/txn', { service: 'KV', method: 'Txn', decode: decodeTxnRequest, encode: encodeTxnResponse }],
  ['kv/compaction', { service: 'KV', method: 'Compact', decode: decodeCompactionRequest, encode: encodeCompactionResponse }],
  ['cluster/member/list', { service: 'Cluster', method: 'MemberList', decode: decodeEmptyRequest, encode: encodeMemberListResponse }],
  ['cluster/member/add', { service: 'Cluster', method: 'MemberAdd', decode: decodeMemberAddRequest, encode: encodeMemberAddResponse }],
  ['cluster/member/remove', { service: 'Cluster', method: 'MemberRemove', decode: decodeMemberIdRequest, encode: encodeMemberListResponse }],
  ['cluster/member/update', { service: 'Cluster', method: 'MemberUpdate', decode: decodeMemberUpdateRequest, encode: encodeMemberListResponse }],
  ['cluster/member/promote', { service: 'Cluster', method: 'MemberPromote', decode: decodeMemberIdRequest, encode: encodeMemberListResponse }],
  ['maintenance/status', { service: 'Maintenance', method: 'Status', decode: decodeEmptyRequest, encode: encodeStatusResponse }],
  ['maintenance/hash', { service: 'Maintenance', method: 'Hash', decode: decodeEmptyRequest, encode: encodeHashResponse }],
  ['maintenance/alarm', { service: 'Maintenance', method: 'Alarm', decode: decodeAlarmRequest, encode: encodeAlarmResponse }],
  ...leaseRoutes(),
]);

/** Every routed path, prefixes included, to its route. */
export const GATEWAY_ROUTES: ReadonlyMap<string, GatewayRoute> = new Map(
  GATEWAY_PREFIXES.flatMap((prefix) => [...ROUTES_BY_SUFFIX].map(([suffix, route]) => [prefix + suffix, route] as const)),
);

/** The streaming calls. */
export type GatewayStream = 'Watch' | 'LeaseKeepAlive';

/** The streaming calls' paths, prefixes included. */
export const GATEWAY_STREAMS: ReadonlyMap<string, GatewayStream> = new Map(GATEWAY_PREFIXES.flatMap((prefix) => [
  [`${prefix}watch`, 'Watch'] as const,
  [`${prefix}lease/keepalive`, 'LeaseKeepAlive'] as const,
]));

/** A route to call, a streaming call, or a finished reply (routing failure or CORS preflight). */
export type GatewayResolution = { route: GatewayRoute } | { stream: GatewayStream } | { reply: GatewayReply };

/** CORS preflight: etcd answers every OPTIONS request 200 with an empty body. */
const PREFLIGHT_REPLY: GatewayReply = { status: 200, contentType: undefined, body: '' };

/**
 * What etcd 3.4 does with an HTTP method and path (no query string). Paths outside the gateway's
 * prefixes get Go's "404 page not found"; the server answers its own paths (/health, /metrics...)
 * before asking.
 */
export function resolveGatewayRequest(httpMethod: string, path: string): GatewayResolution {
  if (httpMethod.toUpperCase() === 'OPTIONS') return { reply: PREFLIGHT_REPLY };
  if (!GATEWAY_PREFIXES.some((prefix) => path.startsWith(prefix))) return { reply: PAGE_NOT_FOUND_REPLY };
  const route = GATEWAY_ROUTES.get(path);
  const stream = GATEWAY_STREAMS.get(path);
  const call = route !== undefined ? { route } : stream !== undefined ? { stream } : undefined;
  if (call === undefined) return { reply: NOT_FOUND_REPLY };
  if (httpMethod.toUpperCase() !== 'POST') return { reply: METHOD_NOT_ALLOWED_REPLY };
  return call;
}
