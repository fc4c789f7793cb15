/**
 * The cluster's membership as the state machine knows it (etcd's membership store): every
 * member's id, name, peer and client URLs and learner flag, the ids removed for good, and the
 * cluster id. It changes only by applied entries, so every member holds the same table, it rides
 * in snapshots, and Cluster.MemberList reads it on any member:
 * - ConfChange entries (the founding members' bootstrap entries, MemberAdd/Remove/Update/Promote)
 *   carry a MemberContext and add, remove, update or promote a member;
 * - member_attributes requests (each member's publish at start) set its name and client URLs.
 *
 * Layout, in the meta table:
 *   "member/" + id (16 hex digits)          -> JSON {name, peer_urls, client_urls, is_learner}
 *   "member_removed/" + id (16 hex digits)  -> empty
 *   "cluster_id"                            -> u64 (set by the first bootstrap entry applied)
 */
import { EtcdError, GrpcCode } from '../errors.js';
import { ConfChangeType, type ConfChange } from '../raft/confchange.js';
import { getMetaNumber, META, putMetaNumber, type Backend, type ReadOptions } from './backend.js';

/** A member as the membership table holds it. */
export interface MemberRecord {
  id: number;
  name: string;
  peer_urls: string[];
  client_urls: string[];
  is_learner: boolean;
}

/** What a member publishes about itself at start (etcd's ClusterMemberAttrSetRequest). */
export interface MemberAttributes {
  id: number;
  name: string;
  client_urls: string[];
}

/**
 * The context of a ConfChange entry (JSON, as etcd puts a member's JSON there). `request_id` lets
 * the proposer find its answer; `cluster_id` rides on the founding members' bootstrap entries.
 */
export interface MemberContext {
  request_id?: number;
  cluster_id?: number;
  member?: { id: number; name: string; peer_urls: string[]; is_learner: boolean };
}

const MEMBER_PREFIX = 'member/';
const REMOVED_PREFIX = 'member_removed/';
/** Bounds what one member may publish about itself. */
const URLS_MAX = 64;
const TEXT_BYTES_MAX = 1024;

function keyOf(prefix: string, id: number): Buffer {
  return Buffer.from(prefix + id.toString(16).padStart(16, '0'));
}

function prefixRange(prefix: string): { start: Buffer; end: Buffer } {
  return { start: Buffer.from(prefix), end: Buffer.from(prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)) };
}

function isUrlList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length <= URLS_MAX && value.every((url) => typeof url === 'string' && url.length <= TEXT_BYTES_MAX);
}

/** Checks a request's shape; throws an InvalidArgument EtcdError when it is not well formed. */
export function checkMemberAttributes(attributes: MemberAttributes): void {
  const ok = Number.isSafeInteger(attributes.id) && attributes.id > 0 &&
    typeof attributes.name === 'string' && attributes.name.length <= TEXT_BYTES_MAX && isUrlList(attributes.client_urls);
  if (!ok) throw new EtcdError(GrpcCode.INVALID_ARGUMENT, 'cairn: malformed member attributes');
}

export function encodeMemberContext(context: MemberContext): Uint8Array {
  return Buffer.from(JSON.stringify(context));
}

/** Decodes a ConfChange context; an empty or foreign one decodes to {}. */
export function decodeMemberContext(bytes: Uint8Array | undefined): MemberContext {
  if (bytes === undefined || bytes.length === 0) return {};
  try {
    const value = JSON.parse(Buffer.from(bytes).toString()) as MemberContext;
    if (typeof value !== 'object' || value === null) return {};
    const member = value.member;
    if (member !== undefined && !(Number.isSafeInteger(member.id) && typeof member.name === 'string' &&
      isUrlList(member.peer_urls) && typeof member.is_learner === 'boolean')) {
      return {};
    }
    return value;
  } catch {
    return {};
  }
}

function readRecord(backend: Backend, id: number, read: ReadOptions): MemberRecord | undefined {
  const bytes = backend.meta.get(keyOf(MEMBER_PREFIX, id), read);
  if (bytes === undefined) return undefined;
  return { id, ...(JSON.parse(bytes.toString()) as Omit<MemberRecord, 'id'>) };
}

function writeRecord(backend: Backend, record: MemberRecord): void {
  const { id, ...rest } = record;
  backend.meta.putSync(keyOf(MEMBER_PREFIX, id), Buffer.from(JSON.stringify(rest)));
}

/** Applies a committed ConfChange to the table (inside the apply transaction). */
export function applyMembershipChange(backend: Backend, change: ConfChange): void {
  const context = decodeMemberContext(change.context);
  if (context.cluster_id !== undefined && getMetaNumber(backend, META.CLUSTER_ID, {}) === 0) {
    putMetaNumber(backend, META.CLUSTER_ID, context.cluster_id);
  }
  const existing = readRecord(backend, change.nodeId, {});
  switch (change.type) {
    case ConfChangeType.AddNode:
    case ConfChangeType.AddLearnerNode: {
      const isLearner = change.type === ConfChangeType.AddLearnerNode;
      if (existing !== undefined) {
        // AddNode on a learner promotes it.
        writeRecord(backend, { ...existing, is_learner: isLearner && existing.is_learner });
      } else if (context.member !== undefined) {
        writeRecord(backend, {
          id: change.nodeId, name: context.member.name, peer_urls: context.member.peer_urls, client_urls: [], is_learner: isLearner,
        });
      }
      return;
    }
    case ConfChangeType.RemoveNode:
      backend.meta.removeSync(keyOf(MEMBER_PREFIX, change.nodeId));
      backend.meta.putSync(keyOf(REMOVED_PREFIX, change.nodeId), Buffer.alloc(0));
      return;
    case ConfChangeType.UpdateNode:
      if (existing !== undefined && context.member !== undefined) writeRecord(backend, { ...existing, peer_urls: context.member.peer_urls });
      return;
  }
}

/** Records a member's published name and client URLs; ignored for a member not in the table. */
export function putMemberAttributes(backend: Backend, attributes: MemberAttributes): void {
  const existing = readRecord(backend, attributes.id, {});
  if (existing === undefined) return;
  writeRecord(backend, { ...existing, name: attributes.name, client_urls: attributes.client_urls });
}

/** Every member, sorted by id (as etcd lists them). */
export function readMembers(backend: Backend, read: ReadOptions): MemberRecord[] {
  const { start, end } = prefixRange(MEMBER_PREFIX);
  const members: MemberRecord[] = [];
  for (const { key, value } of backend.meta.getRange({ start, end, ...read })) {
    const id = Number.parseInt(key.subarray(start.length).toString(), 16);
    members.push({ id, ...(JSON.parse(value.toString()) as Omit<MemberRecord, 'id'>) });
  }
  return members;
}

/** The ids removed from the cluster (they may never rejoin). */
export function readRemovedMembers(backend: Backend, read: ReadOptions): number[] {
  const { start, end } = prefixRange(REMOVED_PREFIX);
  const ids: number[] = [];
  for (const { key } of backend.meta.getRange({ start, end, ...read })) ids.push(Number.parseInt(key.subarray(start.length).toString(), 16));
  return ids;
}

/** The cluster id, once a bootstrap entry was applied (0 before). */
export function readClusterId(backend: Backend, read: ReadOptions): number {
  return getMetaNumber(backend, META.CLUSTER_ID, read);
}
