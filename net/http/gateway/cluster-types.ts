/**
 * The response header, and the responses of the Cluster and Maintenance calls the gateway serves,
 * as etcdserverpb (etcd 3.4) declares them. Their field names are the proto's own, which for these
 * messages are lowerCamel (dbSize, raftIndex, peerURLs, ID): the gateway writes proto names, so
 * these are the JSON keys. uint64 ids may exceed 2^53, hence number | bigint.
 */
import type { ResponseHeader } from '../../../engine/wire/response-header.js';

/** A 64-bit unsigned id or counter: a number when it fits, else a bigint. */
export type Uint64 = number | bigint;

/** etcdserverpb.Member. */
export interface Member {
  ID: Uint64;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner?: boolean;
}

/** etcdserverpb.MemberListResponse. etcd's cluster header carries no revision (0, left out). */
export interface MemberListResponse {
  header: ResponseHeader;
  members: Member[];
}

/** etcdserverpb.StatusResponse (etcd 3.4: no dbSizeQuota yet). */
export interface StatusResponse {
  header: ResponseHeader;
  version: string;
  dbSize: number;
  leader: Uint64;
  raftIndex: Uint64;
  raftTerm: Uint64;
  raftAppliedIndex: Uint64;
  errors?: string[];
  dbSizeInUse: number;
  isLearner?: boolean;
}

/** etcdserverpb.HashResponse: a CRC-32 of the whole backend (uint32, written as a number). */
export interface HashResponse {
  header: ResponseHeader;
  hash: number;
}

/** etcdserverpb.MemberAddResponse (remove, update and promote answer a MemberListResponse's shape). */
export interface MemberAddResponse extends MemberListResponse {
  member: Member;
}
