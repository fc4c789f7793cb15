/**
 * Member attributes (etcd's ClusterMemberAttrSetRequest): each member's name and client URLs,
 * replicated through Raft and kept in the store's meta table, so every member's MemberList names
 * every member's client URLs, as etcd's does after each member publishes itself at start.
 *
 * Layout: meta key "member_attributes/" + id as 16 hex digits -> JSON {name, client_urls}.
 */
import { EtcdError, GrpcCode } from '../errors.js';
import type { Backend, ReadOptions } from './backend.js';

export interface MemberAttributes {
  id: number;
  name: string;
  client_urls: string[];
}

const KEY_PREFIX = 'member_attributes/';
/** Bounds what one member may publish about itself. */
const CLIENT_URLS_MAX = 64;
const TEXT_BYTES_MAX = 1024;

function keyOf(id: number): Buffer {
  return Buffer.from(KEY_PREFIX + id.toString(16).padStart(16, '0'));
}

/** Checks a request's shape; throws an InvalidArgument EtcdError when it is not well formed. */
export function checkMemberAttributes(attributes: MemberAttributes): void {
  const ok = Number.isSafeInteger(attributes.id) && attributes.id > 0 &&
    typeof attributes.name === 'string' && attributes.name.length <= TEXT_BYTES_MAX &&
    Array.isArray(attributes.client_urls) && attributes.client_urls.length <= CLIENT_URLS_MAX &&
    attributes.client_urls.every((url) => typeof url === 'string' && url.length <= TEXT_BYTES_MAX);
  if (!ok) throw new EtcdError(GrpcCode.INVALID_ARGUMENT, 'cairn: malformed member attributes');
}

/** Records a member's attributes (inside the apply transaction). */
export function putMemberAttributes(backend: Backend, attributes: MemberAttributes): void {
  const value = JSON.stringify({ name: attributes.name, client_urls: attributes.client_urls });
  backend.meta.put(keyOf(attributes.id), Buffer.from(value));
}

/** Every member's published attributes. */
export function readMemberAttributes(backend: Backend, read: ReadOptions): MemberAttributes[] {
  const start = Buffer.from(KEY_PREFIX);
  const end = Buffer.from(KEY_PREFIX.slice(0, -1) + String.fromCharCode(KEY_PREFIX.charCodeAt(KEY_PREFIX.length - 1) + 1));
  const attributes: MemberAttributes[] = [];
  for (const { key, value } of backend.meta.getRange({ start, end, ...read })) {
    const id = Number.parseInt(key.subarray(start.length).toString(), 16);
    const { name, client_urls } = JSON.parse(value.toString()) as Omit<MemberAttributes, 'id'>;
    attributes.push({ id, name, client_urls });
  }
  return attributes;
}
