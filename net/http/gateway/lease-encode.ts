/**
 * Lease responses as etcd 3.4's gateway writes them (jsonpb-write.ts): fields in proto order, zero
 * ones left out, int64s as strings. Observed on etcd 3.4.23:
 *
 *   grant       {"header":{...},"ID":"1000","TTL":"60"}            (`error` is never set: left out)
 *   revoke      {"header":{...}}
 *   timetolive  {"header":{...},"ID":"1000","TTL":"52","grantedTTL":"60","keys":["YQ==","Yg=="]}
 *               {"header":{...},"ID":"999","TTL":"-1"}              (an unknown lease)
 *   leases      {"header":{...},"leases":[{"ID":"500"},{"ID":"1000"}]}   ({"header":{...}} when none)
 *   keepalive   {"result":{"header":{...},"ID":"500","TTL":"60"}}   ({"result":{"header":{...},"ID":"501"}}
 *               for an unknown lease), one line per request
 */
import type {
  LeaseGrantResponse, LeaseKeepAliveResponse, LeaseLeasesResponse, LeaseTimeToLiveResponse,
} from '../../../engine/lease/lease-rpc.js';
import { responseHeaderJson, type ResponseHeader, type WithHeader } from '../../../engine/wire/response-header.js';
import { bytesJson, int64Json, jsonObject, repeatedJson, stringJson } from '../../../engine/wire/jsonpb-write.js';
import { resultChunk } from './stream-chunk.js';

/** POST /v3/lease/grant. */
export function encodeLeaseGrantResponse(response: WithHeader<LeaseGrantResponse>): string {
  return jsonObject([
    ['header', responseHeaderJson(response.header)],
    ['ID', int64Json(response.ID)],
    ['TTL', int64Json(response.TTL)],
    ['error', stringJson(response.error)],
  ]);
}

/** POST /v3/lease/revoke: LeaseRevokeResponse has only its header. */
export function encodeLeaseRevokeResponse(response: { header: ResponseHeader }): string {
  return jsonObject([['header', responseHeaderJson(response.header)]]);
}

/** POST /v3/lease/timetolive: keys (asked with "keys":true) as base64. */
export function encodeLeaseTimeToLiveResponse(response: WithHeader<LeaseTimeToLiveResponse>): string {
  return jsonObject([
    ['header', responseHeaderJson(response.header)],
    ['ID', int64Json(response.ID)],
    ['TTL', int64Json(response.TTL)],
    ['grantedTTL', int64Json(response.grantedTTL)],
    ['keys', repeatedJson(response.keys.map((key) => bytesJson(key) ?? '""'))],
  ]);
}

/** POST /v3/lease/leases. */
export function encodeLeaseLeasesResponse(response: WithHeader<LeaseLeasesResponse>): string {
  const leases = response.leases.map((lease) => jsonObject([['ID', int64Json(lease.ID)]]));
  return jsonObject([['header', responseHeaderJson(response.header)], ['leases', repeatedJson(leases)]]);
}

/** One answer of POST /v3/lease/keepalive's stream, as its line. */
export function encodeLeaseKeepAliveLine(response: WithHeader<LeaseKeepAliveResponse>): string {
  return resultChunk(jsonObject([
    ['header', responseHeaderJson(response.header)],
    ['ID', int64Json(response.ID)],
    ['TTL', int64Json(response.TTL)],
  ]));
}
