/**
 * The internal request a Raft entry carries (etcd's InternalRaftRequest): exactly one of put,
 * delete_range, txn, compaction, member_attributes, alarm or a lease request, msgpack-encoded. The encoding is stored in the Raft log,
 * so it is plain msgpack maps (no shared structures) and stays readable across versions.
 */
import { Packr } from 'msgpackr';
import type { AlarmRequest } from '../alarm/alarm-rpc.js';
import type { MemberAttributes } from './members.js';
import type { LeaseCheckpointRequest, LeaseGrantRequest, LeaseRevokeRequest } from '../lease/lease-rpc.js';
import type { CompactionRequest, DeleteRangeRequest, PutRequest, TxnRequest } from './rpc.js';

/**
 * etcd's RequestHeader: the id the proposing member gave the request, so that member can find
 * the client waiting for it when the entry applies (the proposal may have been forwarded).
 */
export interface RequestHeader {
  id: number;
}

/** One replicated KV request. */
export type InternalRequest = (
  | { put: PutRequest }
  | { delete_range: DeleteRangeRequest }
  | { txn: TxnRequest }
  | { compaction: CompactionRequest }
  | { member_attributes: MemberAttributes }
  | { alarm: AlarmRequest }
  | { lease_grant: LeaseGrantRequest }
  | { lease_revoke: LeaseRevokeRequest }
  | { lease_checkpoint: LeaseCheckpointRequest }
) & { header?: RequestHeader };

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

/** Encodes a request as an entry's data. */
export function encodeInternalRequest(request: InternalRequest): Uint8Array {
  return packr.pack(request);
}

/** Decodes an entry's data; undefined when it holds no KV request this store knows (or no msgpack). */
export function decodeInternalRequest(data: Uint8Array): InternalRequest | undefined {
  let decoded: unknown;
  try {
    decoded = packr.unpack(data);
  } catch {
    return undefined;
  }
  if (decoded === null || typeof decoded !== 'object') return undefined;
  const fields = decoded as Record<string, unknown>;
  if (fields.header !== undefined && !(typeof fields.header === 'object' && fields.header !== null &&
      Number.isSafeInteger((fields.header as RequestHeader).id))) return undefined;
  for (const name of ['put', 'delete_range', 'txn', 'compaction', 'member_attributes', 'alarm', 'lease_grant', 'lease_revoke', 'lease_checkpoint'] as const) {
    if (fields[name] !== undefined && fields[name] !== null && typeof fields[name] === 'object') {
      return decoded as InternalRequest;
    }
  }
  return undefined;
}
