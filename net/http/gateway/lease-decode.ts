/**
 * JSON bodies of etcd's Lease gateway paths (etcdserverpb.Lease*Request) into the engine's lease
 * requests (engine/lease/lease-rpc.ts), with jsonpb's rules (json-codec.ts). The proto names are
 * `TTL`, `ID` and `keys`, and so are their JSON names: `ttl` or `id` are unknown fields, ignored.
 *
 * cairn keeps lease ids as numbers, exact to 2^53-1 (the ids it makes stay below that). An id
 * beyond it, which etcd would take, is refused with INVALID_ARGUMENT (the gRPC adapter's message,
 * net/grpc/int64.ts) rather than rounded into another lease's id. A TTL is not refused so: any TTL
 * that large is over etcd's maximum, which the lease server answers with etcd's own error.
 */
import { EtcdError, GrpcCode } from '../../../engine/errors.js';
import type {
  LeaseGrantRequest, LeaseRevokeRequest, LeaseTimeToLiveRequest,
} from '../../../engine/lease/lease-rpc.js';
import { type GoJsonValue, parseGoJsonStream } from './go-json.js';
import { type DecodedMessage, type MessageSchema, decodeMessage } from './json-codec.js';

const ID_FIELD = { name: 'ID', kind: { type: 'int64', exact: true } } as const;

const LEASE_GRANT_REQUEST: MessageSchema = {
  fields: [{ name: 'TTL', kind: { type: 'int64' } }, ID_FIELD],
  oneof: [],
};
/** LeaseRevokeRequest and LeaseKeepAliveRequest: just the id. */
const LEASE_ID_REQUEST: MessageSchema = { fields: [ID_FIELD], oneof: [] };
const LEASE_TIME_TO_LIVE_REQUEST: MessageSchema = {
  fields: [ID_FIELD, { name: 'keys', kind: { type: 'bool' } }],
  oneof: [],
};

const SAFE_INTEGER_MAX = BigInt(Number.MAX_SAFE_INTEGER);

/** The decoded id as a number; an absent one is 0. */
function leaseId(message: DecodedMessage): number {
  const id = (message.ID as bigint | undefined) ?? 0n;
  if (id > SAFE_INTEGER_MAX || id < -SAFE_INTEGER_MAX) {
    throw new EtcdError(GrpcCode.INVALID_ARGUMENT, `cairn: ID ${id} is outside the supported range (|n| <= 2^53-1)`);
  }
  return Number(id);
}

/** POST /v3/lease/grant. */
export function decodeLeaseGrantRequest(body: Uint8Array): LeaseGrantRequest {
  const message = decodeMessage(parseGoJsonStream(body), LEASE_GRANT_REQUEST);
  return { TTL: (message.TTL as number | undefined) ?? 0, ID: leaseId(message) };
}

/** POST /v3/lease/revoke and /v3/kv/lease/revoke. */
export function decodeLeaseRevokeRequest(body: Uint8Array): LeaseRevokeRequest {
  return { ID: leaseId(decodeMessage(parseGoJsonStream(body), LEASE_ID_REQUEST)) };
}

/** POST /v3/lease/timetolive and /v3/kv/lease/timetolive. */
export function decodeLeaseTimeToLiveRequest(body: Uint8Array): LeaseTimeToLiveRequest {
  const message = decodeMessage(parseGoJsonStream(body), LEASE_TIME_TO_LIVE_REQUEST);
  return { ID: leaseId(message), keys: message.keys === true };
}

/**
 * One request object of POST /v3/lease/keepalive's body: the id to renew. `{}`, null and unknown
 * fields only are id 0, which etcd renews as any unknown lease (TTL 0).
 */
export function decodeLeaseKeepAliveRequest(value: GoJsonValue): number {
  return leaseId(decodeMessage(value, LEASE_ID_REQUEST));
}
