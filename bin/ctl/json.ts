/**
 * etcdctl's `-w json` output: Go's encoding/json applied to etcd's generated structs. Fields keep
 * the structs' JSON names and order, zero values are left out (omitempty), 64-bit integers are
 * bare JSON numbers (exact: written from their decimal strings), bytes are base64.
 */
import type {
  AlarmResponse, ClientWatchResponse, DeleteRangeResponse, EndpointHealth, EndpointStatus, Event, KeyValue, LeaseGrantResponse,
  LeaseKeepAliveResponse, LeaseLeasesResponse, LeaseRevokeResponse, LeaseTimeToLiveResponse, Member, MemberListResponse,
  PutResponse, RangeResponse, ResponseHeader, ResponseOp, TxnResponse,
} from './messages.js';
import { goJsonString } from '../../engine/wire/go-json-string.js';
import { jsonObject, type JsonField } from '../../engine/wire/jsonpb-write.js';

const int = (digits: string): string | undefined => (digits === '0' || digits === '' ? undefined : digits);
const bytes = (data: Buffer): string | undefined => (data.length === 0 ? undefined : `"${data.toString('base64')}"`);
const flag = (value: boolean): string | undefined => (value ? 'true' : undefined);
const text = (value: string): string | undefined => (value === '' ? undefined : goJsonString(value));
const strings = (values: string[]): string | undefined =>
  (values.length === 0 ? undefined : `[${values.map(goJsonString).join(',')}]`);
const list = <T>(items: T[], each: (item: T) => string): string | undefined =>
  (items.length === 0 ? undefined : `[${items.map(each).join(',')}]`);
const optional = <T>(item: T | null | undefined, each: (item: T) => string): string | undefined =>
  (item === null || item === undefined ? undefined : each(item));

function headerFields(value: ResponseHeader): JsonField[] {
  return [['cluster_id', int(value.cluster_id)], ['member_id', int(value.member_id)],
    ['revision', int(value.revision)], ['raft_term', int(value.raft_term)]];
}

function header(value: ResponseHeader): string {
  return jsonObject(headerFields(value));
}

function keyValue(kv: KeyValue): string {
  return jsonObject([['key', bytes(kv.key)], ['create_revision', int(kv.create_revision)], ['mod_revision', int(kv.mod_revision)],
    ['version', int(kv.version)], ['value', bytes(kv.value)], ['lease', int(kv.lease)]]);
}

export function rangeJson(response: RangeResponse): string {
  return jsonObject([['header', optional(response.header, header)], ['kvs', list(response.kvs, keyValue)],
    ['more', flag(response.more)], ['count', int(response.count)]]);
}

export function putJson(response: PutResponse): string {
  return jsonObject([['header', optional(response.header, header)], ['prev_kv', optional(response.prev_kv, keyValue)]]);
}

export function deleteJson(response: DeleteRangeResponse): string {
  return jsonObject([['header', optional(response.header, header)], ['deleted', int(response.deleted)],
    ['prev_kvs', list(response.prev_kvs, keyValue)]]);
}

/** A txn's responses are Go oneof wrappers: {"Response":{"ResponsePut":{...}}}. */
function responseOp(op: ResponseOp): string {
  const inner = op.response_range ? jsonObject([['ResponseRange', rangeJson(op.response_range)]])
    : op.response_put ? jsonObject([['ResponsePut', putJson(op.response_put)]])
      : op.response_delete_range ? jsonObject([['ResponseDeleteRange', deleteJson(op.response_delete_range)]])
        : op.response_txn ? jsonObject([['ResponseTxn', txnJson(op.response_txn)]]) : undefined;
  return jsonObject([['Response', inner]]);
}

export function txnJson(response: TxnResponse): string {
  return jsonObject([['header', optional(response.header, header)], ['succeeded', flag(response.succeeded)],
    ['responses', list(response.responses, responseOp)]]);
}

function event(value: Event): string {
  return jsonObject([['type', int(String(value.type))], ['kv', optional(value.kv, keyValue)], ['prev_kv', optional(value.prev_kv, keyValue)]]);
}

/**
 * A watch response: clientv3's WatchResponse, whose fields have no JSON tags, so Go's names,
 * nothing left out, and no events at all as null.
 */
export function watchJson(response: ClientWatchResponse): string {
  const events = response.events === null ? 'null' : `[${response.events.map(event).join(',')}]`;
  return `{"Header":${header(response.header)},"Events":${events},"CompactRevision":${response.compact_revision},` +
    `"Canceled":${response.canceled},"Created":${response.created}}`;
}

function member(value: Member): string {
  return jsonObject([['ID', int(value.ID)], ['name', text(value.name)], ['peerURLs', strings(value.peerURLs)],
    ['clientURLs', strings(value.clientURLs)], ['isLearner', flag(value.isLearner)]]);
}

/** MemberAdd/Remove/Update/Promote responses: the header, the added member (add only), the members. */
export function memberChangeJson(response: { header: ResponseHeader | null; member?: Member | null; members: Member[] }): string {
  return jsonObject([['header', optional(response.header, header)], ['member', optional(response.member, member)],
    ['members', list(response.members, member)]]);
}

export function memberListJson(response: MemberListResponse): string {
  return jsonObject([['header', optional(response.header, header)], ['members', list(response.members, member)]]);
}

/** `endpoint status`: etcdctl's own {Endpoint, Status} records, which have no omitempty. */
export function endpointStatusJson(statuses: EndpointStatus[]): string {
  return `[${statuses.map(({ endpoint, status }) => jsonObject([['Endpoint', goJsonString(endpoint)], ['Status', jsonObject([
    ['header', optional(status.header, header)], ['version', text(status.version)], ['dbSize', int(status.dbSize)],
    ['leader', int(status.leader)], ['raftIndex', int(status.raftIndex)], ['raftTerm', int(status.raftTerm)],
    ['raftAppliedIndex', int(status.raftAppliedIndex)], ['errors', strings(status.errors)],
    ['dbSizeInUse', int(status.dbSizeInUse)], ['isLearner', flag(status.isLearner)],
  ])]])).join(',')}]`;
}

/** `endpoint health`: etcdctl's {endpoint, health, took, error} records; only error is omitempty. */
export function endpointHealthJson(results: EndpointHealth[]): string {
  return `[${results.map((result) => jsonObject([['endpoint', goJsonString(result.endpoint)], ['health', String(result.health)],
    ['took', goJsonString(result.took)], ['error', text(result.error)]])).join(',')}]`;
}

/**
 * clientv3's lease responses embed *pb.ResponseHeader: its fields come first, at the top level
 * (none without a header). Their own fields are never left out.
 */
const embeddedHeader = (value: ResponseHeader | null): JsonField[] => (value === null ? [] : headerFields(value));

/** clientv3's LeaseGrantResponse: ID, TTL and Error have no JSON tags. */
export function leaseGrantJson(response: LeaseGrantResponse): string {
  return jsonObject([...embeddedHeader(response.header), ['ID', response.ID], ['TTL', response.TTL], ['Error', goJsonString(response.error)]]);
}

/** etcd's own LeaseRevokeResponse (clientv3 passes it on as it is). */
export function leaseRevokeJson(response: LeaseRevokeResponse): string {
  return jsonObject([['header', optional(response.header, header)]]);
}

export function leaseKeepAliveJson(response: LeaseKeepAliveResponse): string {
  return jsonObject([...embeddedHeader(response.header), ['ID', response.ID], ['TTL', response.TTL]]);
}

/** clientv3's LeaseTimeToLiveResponse: its own lowercase names; no keys is null. */
export function leaseTimeToLiveJson(response: LeaseTimeToLiveResponse): string {
  const keys = response.keys.length === 0 ? 'null' : `[${response.keys.map((key) => `"${key.toString('base64')}"`).join(',')}]`;
  return jsonObject([...embeddedHeader(response.header), ['id', response.ID], ['ttl', response.TTL], ['granted-ttl', response.grantedTTL],
    ['keys', keys]]);
}

/** clientv3's LeaseLeasesResponse: its list is never nil, so no leases is []. */
export function leaseLeasesJson(response: LeaseLeasesResponse): string {
  return jsonObject([...embeddedHeader(response.header), ['leases', `[${response.leases.map((lease) => `{"id":${lease.ID}}`).join(',')}]`]]);
}

/** etcd's AlarmResponse: AlarmType as its number. */
export function alarmJson(response: AlarmResponse): string {
  return jsonObject([['header', optional(response.header, header)], ['alarms', list(response.alarms, (alarm) =>
    jsonObject([['memberID', int(alarm.memberID)], ['alarm', alarm.alarm === 0 ? undefined : String(alarm.alarm)]]))]]);
}
