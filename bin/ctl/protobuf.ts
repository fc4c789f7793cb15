/**
 * etcdctl's `-w protobuf` output: the response's protobuf encoding, as gogoproto's Marshal writes
 * it, with nothing around it (no newline; responses follow each other). Fields go in field-number
 * order; zero numbers, empty bytes and false are left out; a message field that is set is written
 * even when empty.
 *
 *   field = varint(number << 3 | wire type) then a varint (type 0) or varint(length) bytes (type 2)
 */
import { encodeFields, type ProtobufField } from '../../engine/wire/protobuf-writer.js';
import type { ClientWatchResponse, Event, KeyValue, LeaseRevokeResponse, ResponseHeader } from './messages.js';

const NOTHING = Buffer.alloc(0);

/** An int64/uint64 field from its decimal text (exact as a bigint); left out when zero. */
const integer = (field: number, digits: string): ProtobufField => ({ field, varint: BigInt(digits) });

function header(value: ResponseHeader): ProtobufField[] {
  return [integer(1, value.cluster_id), integer(2, value.member_id), integer(3, value.revision), integer(4, value.raft_term)];
}

function keyValue(kv: KeyValue): Buffer {
  return encodeFields([{ field: 1, bytes: kv.key }, integer(2, kv.create_revision), integer(3, kv.mod_revision),
    integer(4, kv.version), { field: 5, bytes: kv.value }, integer(6, kv.lease)]);
}

function event(value: Event): Buffer {
  const fields: ProtobufField[] = [{ field: 1, varint: value.type }];
  if (value.kv) fields.push({ field: 2, message: keyValue(value.kv) });
  if (value.prev_kv) fields.push({ field: 3, message: keyValue(value.prev_kv) });
  return encodeFields(fields);
}

/**
 * etcdserverpb.WatchResponse as etcdctl rebuilds it from clientv3's: the header (always set), no
 * watch id, created, canceled, compact revision, no cancel reason, the events.
 */
export function watchProtobuf(response: ClientWatchResponse): Buffer {
  return encodeFields([{ field: 1, message: encodeFields(header(response.header)) }, { field: 3, bool: response.created },
    { field: 4, bool: response.canceled }, integer(5, response.compact_revision),
    ...(response.events ?? []).map((item): ProtobufField => ({ field: 11, message: event(item) }))]);
}

/**
 * clientv3's lease responses (grant, keep-alive, time-to-live, leases) embed *pb.ResponseHeader,
 * whose Marshal is the only one they have: etcdctl writes just the header (nothing without one).
 */
export function embeddedHeaderProtobuf(value: ResponseHeader | null): Buffer {
  return value === null ? NOTHING : encodeFields(header(value));
}

/**
 * Why etcdctl cannot write a LeaseRevokeResponse in protobuf: it holds the message by value, which
 * has no Marshal. Go's %v of it prints the header with its String(): the compact text format
 * (`name:value ` for each field that is not zero), or <nil>.
 */
export function leaseRevokeMarshalUnsupported(response: LeaseRevokeResponse): string {
  const value = response.header;
  const text = value === null ? '<nil>' : ([['cluster_id', value.cluster_id], ['member_id', value.member_id], ['revision', value.revision],
    ['raft_term', value.raft_term]] as const).filter(([, digits]) => digits !== '0').map(([name, digits]) => `${name}:${digits} `).join('');
  return `marshal unsupported for type clientv3.LeaseRevokeResponse ({${text}})`;
}
