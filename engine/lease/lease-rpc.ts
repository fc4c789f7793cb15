/**
 * The Lease service's messages (etcdserverpb.Lease*), with the proto's field names (`ID`, `TTL`,
 * `remaining_TTL`, `grantedTTL`), so the gRPC adapter passes them through unchanged. Response
 * headers are left out, as in engine/mvcc/rpc.ts: the server fills them.
 */

/** etcd's lease.MaxLeaseTTL: a grant above it fails with "too large lease TTL". */
export const MAX_LEASE_TTL_SECONDS = 9_000_000_000;

export interface LeaseGrantRequest {
  TTL: number;
  /** 0: the server picks an id. */
  ID: number;
}

export interface LeaseGrantResponse {
  ID: number;
  TTL: number;
  error: string;
}

export interface LeaseRevokeRequest {
  ID: number;
}

/** LeaseRevokeResponse carries only a header in etcd. */
export type LeaseRevokeResponse = object;

export interface LeaseCheckpoint {
  ID: number;
  remaining_TTL: number;
}

export interface LeaseCheckpointRequest {
  checkpoints: LeaseCheckpoint[];
}

export interface LeaseKeepAliveResponse {
  ID: number;
  /** 0 when the lease does not exist (etcd answers a keep-alive of an unknown lease so). */
  TTL: number;
}

export interface LeaseTimeToLiveRequest {
  ID: number;
  keys?: boolean;
}

export interface LeaseTimeToLiveResponse {
  ID: number;
  /** Seconds left; -1 when the lease does not exist (expired or revoked). */
  TTL: number;
  grantedTTL: number;
  keys: Uint8Array[];
}

export interface LeaseLeasesResponse {
  leases: { ID: number }[];
}

/** What applying a lease request changed: the lessor of every member follows these. */
export type LeaseChange =
  | { granted: { ID: number; TTL: number } }
  | { revoked: number }
  | { checkpoints: LeaseCheckpoint[] };
