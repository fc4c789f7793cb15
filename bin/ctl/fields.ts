/**
 * etcdctl's `-w fields` output: one `"Name" : value` line per field, strings and bytes in Go's
 * %q quoting, numbers in decimal; list entries (members, endpoints) end with a blank line.
 */
import { goQuote, goQuoteBytes } from './go-format.js';
import {
  alarmTypeName, eventTypeName, type AlarmResponse, type ClientWatchResponse, type DeleteRangeResponse, type EndpointHealth, type EndpointStatus, type KeyValue,
  type LeaseLeasesResponse, type LeaseRevokeResponse, type LeaseTimeToLiveResponse, type MemberListResponse, type PutResponse,
  type RangeResponse, type ResponseHeader, type TxnResponse,
} from './messages.js';

const line = (name: string, value: string): string => `"${name}" : ${value}\n`;

/**
 * The response header. etcdctl dereferences it unconditionally and crashes on the header-less
 * responses inside a txn; cairnctl leaves out a header that is absent.
 */
function header(value: ResponseHeader | null): string {
  if (value === null) return '';
  return line('ClusterID', value.cluster_id) + line('MemberID', value.member_id) + line('Revision', value.revision) +
    line('RaftTerm', value.raft_term);
}

function keyValue(kv: KeyValue, prefix = ''): string {
  return line(`${prefix}Key`, goQuoteBytes(kv.key)) + line(`${prefix}CreateRevision`, kv.create_revision) +
    line(`${prefix}ModRevision`, kv.mod_revision) + line(`${prefix}Version`, kv.version) +
    line(`${prefix}Value`, goQuoteBytes(kv.value)) + line(`${prefix}Lease`, kv.lease);
}

export function rangeFields(response: RangeResponse): string {
  return header(response.header) + response.kvs.map((kv) => keyValue(kv)).join('') + line('More', String(response.more)) +
    line('Count', response.count);
}

export function putFields(response: PutResponse): string {
  return header(response.header) + (response.prev_kv ? keyValue(response.prev_kv, 'Prev') : '');
}

export function deleteFields(response: DeleteRangeResponse): string {
  return header(response.header) + line('Deleted', response.deleted) +
    response.prev_kvs.map((kv) => keyValue(kv, 'Prev')).join('');
}

export function txnFields(response: TxnResponse): string {
  return header(response.header) + line('Succeeded', String(response.succeeded)) + response.responses.map((op) =>
    (op.response_range ? rangeFields(op.response_range)
      : op.response_put ? putFields(op.response_put)
        : op.response_delete_range ? deleteFields(op.response_delete_range)
          : op.response_txn ? txnFields(op.response_txn) : '')).join('');
}

/** A watch response: its header (zero for a last canceled one), then each event's type, previous pair and pair. */
export function watchFields(response: ClientWatchResponse): string {
  return header(response.header) + (response.events ?? []).map((event) => line('Type', eventTypeName(event.type)) +
    (event.prev_kv ? keyValue(event.prev_kv, 'Prev') : '') + (event.kv ? keyValue(event.kv) : '')).join('');
}

export function memberListFields(response: MemberListResponse): string {
  return header(response.header) + response.members.map((member) => line('ID', member.ID) + line('Name', goQuote(member.name)) +
    member.peerURLs.map((url) => line('PeerURL', goQuote(url))).join('') +
    member.clientURLs.map((url) => line('ClientURL', goQuote(url))).join('') +
    line('IsLearner', String(member.isLearner)) + '\n').join('');
}

/** Errors print as Go prints a []string: `[a b]`. */
export function endpointStatusFields(statuses: EndpointStatus[]): string {
  return statuses.map(({ endpoint, status }) => header(status.header) + line('Version', goQuote(status.version)) +
    line('DBSize', status.dbSize) + line('Leader', status.leader) + line('IsLearner', String(status.isLearner)) +
    line('RaftIndex', status.raftIndex) + line('RaftTerm', status.raftTerm) +
    line('RaftAppliedIndex', status.raftAppliedIndex) + line('Errors', `[${status.errors.join(' ')}]`) +
    line('Endpoint', goQuote(endpoint)) + '\n').join('');
}

export function endpointHealthFields(results: EndpointHealth[]): string {
  return results.map((result) => line('Endpoint', goQuote(result.endpoint)) + line('Health', String(result.health)) +
    line('Took', result.took) + line('Error', result.error) + '\n').join('');
}

/** `lease grant` and `lease keep-alive`: the header, the lease's id and TTL. */
export function leaseIdTtlFields(response: { header: ResponseHeader | null; ID: string; TTL: string }): string {
  return header(response.header) + line('ID', response.ID) + line('TTL', response.TTL);
}

export function leaseRevokeFields(response: LeaseRevokeResponse): string {
  return header(response.header);
}

export function leaseTimeToLiveFields(response: LeaseTimeToLiveResponse): string {
  return header(response.header) + line('ID', response.ID) + line('TTL', response.TTL) + line('GrantedTTL', response.grantedTTL) +
    response.keys.map((key) => line('Key', goQuoteBytes(key))).join('');
}

export function leaseLeasesFields(response: LeaseLeasesResponse): string {
  return header(response.header) + response.leases.map((lease) => line('ID', lease.ID)).join('');
}

/** Each alarm's member and type, then a blank line (etcdctl 3.4 crashes on Alarm's missing header instead). */
export function alarmFields(response: AlarmResponse): string {
  return header(response.header) +
    response.alarms.map((alarm) => line('MemberID', alarm.memberID) + line('AlarmType', alarmTypeName(alarm.alarm)) + '\n').join('');
}
