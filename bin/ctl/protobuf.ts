/**
 * etcdctl's `-w protobuf` output: the response's protobuf encoding, as gogoproto's Marshal writes
 * it, with nothing around it (no newline; responses follow each other). Fields go in field-number
 * order; zero numbers, empty bytes and false are left out; a message field that is set is written
 * even when empty.
 *
 *   field = varint(number << 3 | wire type) then a varint (type 0) or varint(length) bytes (type 2)
 */
import { varint64Bytes } from '../../net/grpc/proto-writer.js';
import type { ClientWatchResponse, Event, KeyValue, LeaseRevokeResponse, ResponseHeader } from './messages.js';

const VARINT = 0;
const LENGTH_DELIMITED = 2;
const NOTHING = Buffer.alloc(0);

/** Base-128 varint; a negative int64 is written as its 64-bit two's complement (10 bytes). */
const varint = varint64Bytes;

const tag = (field: number, wireType: number): Buffer => varint(BigInt((field << 3) | wireType));

/** An int64/uint64 field from its decimal text; left out when zero. */
function integer(field: number, digits: string): Buffer {
  const value = BigInt(digits);
  return value === 0n ? NOTHING : Buffer.concat([tag(field, VARINT), varint(value)]);
}

function flag(field: number, value: boolean): Buffer {
  return value ? Buffer.concat([tag(field, VARINT), varint(1n)]) : NOTHING;
}

function bytes(field: number, data: Buffer): Buffer {
  return data.length === 0 ? NOTHING : embedded(field, [data]);
}

/** A length-delimited field made of `parts`. */
function embedded(field: number, parts: Buffer[]): Buffer {
  const content = Buffer.concat(parts);
  return Buffer.concat([tag(field, LENGTH_DELIMITED), varint(BigInt(content.length)), content]);
}

function header(value: ResponseHeader): Buffer[] {
  return [integer(1, value.cluster_id), integer(2, value.member_id), integer(3, value.revision), integer(4, value.raft_term)];
}

function keyValue(kv: KeyValue): Buffer[] {
  return [bytes(1, kv.key), integer(2, kv.create_revision), integer(3, kv.mod_revision), integer(4, kv.version),
    bytes(5, kv.value), integer(6, kv.lease)];
}

function event(value: Event): Buffer[] {
  return [integer(1, String(value.type)), value.kv ? embedded(2, keyValue(value.kv)) : NOTHING,
    value.prev_kv ? embedded(3, keyValue(value.prev_kv)) : NOTHING];
}

/**
 * etcdserverpb.WatchResponse as etcdctl rebuilds it from clientv3's: the header (always set), no
 * watch id, created, canceled, compact revision, no cancel reason, the events.
 */
export function watchProtobuf(response: ClientWatchResponse): Buffer {
  return Buffer.concat([embedded(1, header(response.header)), flag(3, response.created), flag(4, response.canceled),
    integer(5, response.compact_revision), ...(response.events ?? []).map((item) => embedded(11, event(item)))]);
}

/**
 * clientv3's lease responses (grant, keep-alive, time-to-live, leases) embed *pb.ResponseHeader,
 * whose Marshal is the only one they have: etcdctl writes just the header (nothing without one).
 */
export function embeddedHeaderProtobuf(value: ResponseHeader | null): Buffer {
  return value === null ? NOTHING : Buffer.concat(header(value));
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
