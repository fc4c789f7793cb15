/**
 * etcdctl's writers for each response: `simple` (keys and values as raw lines, "OK", counts),
 * `json` (json.ts), `fields` (fields.ts), `table` (table.ts, only for member and endpoint
 * commands; for KV, watch and lease responses etcdctl refuses table output once there is a
 * response to print, and so does cairnctl) and `protobuf` (protobuf.ts, only for watch and lease
 * responses so far).
 */
import { CtlError, EXIT_BAD_FEATURE } from './exit.js';
import {
  alarmFields, deleteFields, endpointHealthFields, endpointStatusFields, leaseIdTtlFields, leaseLeasesFields, leaseRevokeFields, leaseTimeToLiveFields,
  memberListFields, putFields, rangeFields, txnFields, watchFields,
} from './fields.js';
import { humanizeBytes } from './go-format.js';
import {
  alarmJson, deleteJson, endpointHealthJson, endpointStatusJson, leaseGrantJson, leaseKeepAliveJson, leaseLeasesJson, leaseRevokeJson,
  leaseTimeToLiveJson, memberListJson, putJson, rangeJson, txnJson, watchJson,
} from './json.js';
import {
  alarmTypeName, eventTypeName, type AlarmResponse, type ClientWatchResponse, type DeleteRangeResponse, type EndpointHealth, type EndpointStatus, type KeyValue,
  type LeaseGrantResponse, type LeaseKeepAliveResponse, type LeaseLeasesResponse, type LeaseRevokeResponse, type LeaseTimeToLiveResponse,
  type MemberListResponse, type PutResponse, type RangeResponse, type ResponseHeader, type TxnResponse,
} from './messages.js';
import { embeddedHeaderProtobuf, leaseRevokeMarshalUnsupported, watchProtobuf } from './protobuf.js';
import { renderTable } from './table.js';

/** The -w formats cairnctl writes. */
const OUTPUT_FORMATS = ['simple', 'json', 'table', 'fields'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
/** The -w formats cairnctl writes watch and lease responses in. */
const PROTOBUF_OUTPUT_FORMATS = [...OUTPUT_FORMATS, 'protobuf'] as const;
export type ProtobufOutputFormat = (typeof PROTOBUF_OUTPUT_FORMATS)[number];

/** Where a command's output goes (process streams in cairnctl). */
export interface Output {
  stdout(chunk: string | Buffer): void;
  stderr(chunk: string | Buffer): void;
}

/** How byte strings print in simple output. */
export interface SimpleOptions {
  hex: boolean;
  valueOnly: boolean;
}

const NEWLINE = Buffer.from('\n');

function checkFormat<Format extends string>(name: string, formats: readonly Format[]): Format {
  if (!(formats as readonly string[]).includes(name)) throw new CtlError(EXIT_BAD_FEATURE, 'unsupported output format');
  return name as Format;
}

/** Checks -w before a command runs, as etcdctl does (exit 4, nothing sent). */
export function outputFormat(name: string): OutputFormat {
  return checkFormat(name, OUTPUT_FORMATS);
}

/** Checks watch's and lease's -w before they run (etcdctl writes their responses in protobuf too). */
export function protobufOutputFormat(name: string): ProtobufOutputFormat {
  return checkFormat(name, PROTOBUF_OUTPUT_FORMATS);
}

function tableNotSupported(): never {
  throw new CtlError(EXIT_BAD_FEATURE, 'table not supported as output format');
}

/** Bytes as etcdctl's --hex prints them: `\x6b\x31`. */
function hexText(data: Buffer): Buffer {
  return Buffer.from([...data].map((byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join(''));
}

function keyValueLines(kv: KeyValue, options: SimpleOptions): Buffer[] {
  const show = (data: Buffer): Buffer => (options.hex ? hexText(data) : data);
  const lines = options.valueOnly ? [] : [show(kv.key), NEWLINE];
  return [...lines, show(kv.value), NEWLINE];
}

function simpleRange(response: RangeResponse, options: SimpleOptions): Buffer[] {
  return response.kvs.flatMap((kv) => keyValueLines(kv, options));
}

function simplePut(response: PutResponse, options: SimpleOptions): Buffer[] {
  const previous = response.prev_kv ? keyValueLines(response.prev_kv, { ...options, valueOnly: false }) : [];
  return [Buffer.from('OK\n'), ...previous];
}

function simpleDelete(response: DeleteRangeResponse, options: SimpleOptions): Buffer[] {
  const previous = response.prev_kvs.flatMap((kv) => keyValueLines(kv, { ...options, valueOnly: false }));
  return [Buffer.from(`${response.deleted}\n`), ...previous];
}

/** SUCCESS or FAILURE, then each op's own simple output after a blank line. */
function simpleTxn(response: TxnResponse, options: SimpleOptions): Buffer[] {
  const chunks: Buffer[] = [Buffer.from(response.succeeded ? 'SUCCESS\n' : 'FAILURE\n')];
  const inner = { ...options, valueOnly: false };
  for (const op of response.responses) {
    chunks.push(NEWLINE);
    if (op.response_range) chunks.push(...simpleRange(op.response_range, inner));
    else if (op.response_put) chunks.push(...simplePut(op.response_put, inner));
    else if (op.response_delete_range) chunks.push(...simpleDelete(op.response_delete_range, inner));
    else if (op.response_txn) chunks.push(...simpleTxn(op.response_txn, inner));
  }
  return chunks;
}

/** A writer for KV responses: simple, json or fields; table is refused after the request ran. */
function kvWriter<Response>(simple: (response: Response, options: SimpleOptions) => Buffer[], json: (response: Response) => string,
  fields: (response: Response) => string) {
  return (out: Output, format: OutputFormat, response: Response, options: SimpleOptions): void => {
    if (format === 'table') tableNotSupported();
    if (format === 'json') out.stdout(`${json(response)}\n`);
    else if (format === 'fields') out.stdout(fields(response));
    else out.stdout(Buffer.concat(simple(response, options)));
  };
}

export const printRange = kvWriter(simpleRange, rangeJson, rangeFields);
export const printPut = kvWriter(simplePut, putJson, putFields);
export const printDelete = kvWriter(simpleDelete, deleteJson, deleteFields);
export const printTxn = kvWriter(simpleTxn, txnJson, txnFields);

/** simple: each event's type, then its previous pair (--prev-kv), then its pair. */
function simpleWatch(response: ClientWatchResponse, options: SimpleOptions): Buffer[] {
  return (response.events ?? []).flatMap((event) => [
    Buffer.from(`${eventTypeName(event.type)}\n`),
    ...(event.prev_kv ? keyValueLines(event.prev_kv, options) : []),
    ...(event.kv ? keyValueLines(event.kv, options) : []),
  ]);
}

/** One watch response; table output is refused when there is one to print (exit 4, as etcdctl). */
export function printWatch(out: Output, format: ProtobufOutputFormat, response: ClientWatchResponse, hex: boolean): void {
  if (format === 'table') tableNotSupported();
  if (format === 'json') out.stdout(`${watchJson(response)}\n`);
  else if (format === 'fields') out.stdout(watchFields(response));
  else if (format === 'protobuf') out.stdout(watchProtobuf(response));
  else out.stdout(Buffer.concat(simpleWatch(response, { hex, valueOnly: false })));
}

/** A uint64 id as etcdctl prints member ids in simple and table output: lowercase hex. */
function hexId(decimal: string): string {
  return BigInt(decimal).toString(16);
}

/** simple: each alarm as Go's %+v prints it (`memberID:1 alarm:CORRUPT `); table is refused after the request ran. */
export function printAlarm(out: Output, format: OutputFormat, response: AlarmResponse): void {
  if (format === 'table') tableNotSupported();
  if (format === 'json') return out.stdout(`${alarmJson(response)}\n`);
  if (format === 'fields') return out.stdout(alarmFields(response));
  out.stdout(response.alarms.map((alarm) => `memberID:${alarm.memberID} alarm:${alarmTypeName(alarm.alarm)} \n`).join(''));
}

export function printMemberList(out: Output, format: OutputFormat, response: MemberListResponse): void {
  if (format === 'json') return out.stdout(`${memberListJson(response)}\n`);
  if (format === 'fields') return out.stdout(memberListFields(response));
  const rows = response.members.map((member) => [hexId(member.ID), member.name === '' ? 'unstarted' : 'started', member.name,
    member.peerURLs.join(','), member.clientURLs.join(','), String(member.isLearner)]);
  if (format === 'table') {
    out.stdout(renderTable(['ID', 'STATUS', 'NAME', 'PEER ADDRS', 'CLIENT ADDRS', 'IS LEARNER'], rows));
  } else {
    out.stdout(rows.map((row) => `${row.join(', ')}\n`).join(''));
  }
}

/** simple: one line per endpoint on stderr (where etcdctl writes them), as "<ep> is healthy: ...". */
export function printEndpointHealth(out: Output, format: OutputFormat, results: EndpointHealth[]): void {
  if (format === 'json') return out.stdout(`${endpointHealthJson(results)}\n`);
  if (format === 'fields') return out.stdout(endpointHealthFields(results));
  if (format === 'table') {
    return out.stdout(renderTable(['ENDPOINT', 'HEALTH', 'TOOK', 'ERROR'],
      results.map((result) => [result.endpoint, String(result.health), result.took, result.error])));
  }
  for (const result of results) {
    out.stderr(result.health
      ? `${result.endpoint} is healthy: successfully committed proposal: took = ${result.took}\n`
      : `${result.endpoint} is unhealthy: failed to commit proposal: ${result.error}\n`);
  }
}

export function printEndpointStatus(out: Output, format: OutputFormat, statuses: EndpointStatus[]): void {
  if (format === 'json') return out.stdout(`${endpointStatusJson(statuses)}\n`);
  if (format === 'fields') return out.stdout(endpointStatusFields(statuses));
  const rows = statuses.map(({ endpoint, status }) => [
    endpoint, hexId(status.header?.member_id ?? '0'), status.version, humanizeBytes(Number(status.dbSize)),
    String(status.header?.member_id === status.leader), String(status.isLearner), status.raftTerm, status.raftIndex,
    status.raftAppliedIndex, status.errors.join(', '),
  ]);
  if (format === 'table') {
    out.stdout(renderTable(['ENDPOINT', 'ID', 'VERSION', 'DB SIZE', 'IS LEADER', 'IS LEARNER', 'RAFT TERM', 'RAFT INDEX',
      'RAFT APPLIED INDEX', 'ERRORS'], rows));
  } else {
    out.stdout(rows.map((row) => `${row.join(', ')}\n`).join(''));
  }
}

/** A lease id as etcdctl prints it with Go's %016x: zero-padded hex, a negative one "-" and 15 digits. */
export function leaseIdHex(decimal: string): string {
  const id = BigInt(decimal);
  return id < 0n ? `-${(-id).toString(16).padStart(15, '0')}` : id.toString(16).padStart(16, '0');
}

/** A writer for lease responses: simple, json, fields or protobuf; table is refused after the request ran. */
function leaseWriter<Response extends { header: ResponseHeader | null }>(simple: (response: Response) => Buffer | string,
  json: (response: Response) => string, fields: (response: Response) => string,
  protobuf: (response: Response) => Buffer = (response) => embeddedHeaderProtobuf(response.header)) {
  return (out: Output, format: ProtobufOutputFormat, response: Response): void => {
    if (format === 'table') tableNotSupported();
    if (format === 'json') out.stdout(`${json(response)}\n`);
    else if (format === 'fields') out.stdout(fields(response));
    else if (format === 'protobuf') out.stdout(protobuf(response));
    else out.stdout(simple(response));
  };
}

export const printLeaseGrant = leaseWriter((response: LeaseGrantResponse) =>
  `lease ${leaseIdHex(response.ID)} granted with TTL(${response.TTL}s)\n`, leaseGrantJson, leaseIdTtlFields);

export const printLeaseKeepAlive = leaseWriter((response: LeaseKeepAliveResponse) =>
  `lease ${leaseIdHex(response.ID)} keepalived with TTL(${response.TTL})\n`, leaseKeepAliveJson, leaseIdTtlFields);

export const printLeaseLeases = leaseWriter((response: LeaseLeasesResponse) =>
  `found ${response.leases.length} leases\n${response.leases.map((lease) => `${leaseIdHex(lease.ID)}\n`).join('')}`,
leaseLeasesJson, leaseLeasesFields);

/** `lease revoke` prints the id it was given; etcdctl cannot write its response in protobuf (exit 4). */
export function printLeaseRevoke(out: Output, format: ProtobufOutputFormat, id: string, response: LeaseRevokeResponse): void {
  leaseWriter(() => `lease ${leaseIdHex(id)} revoked\n`, leaseRevokeJson, leaseRevokeFields, (refused) => {
    throw new CtlError(EXIT_BAD_FEATURE, leaseRevokeMarshalUnsupported(refused));
  })(out, format, response);
}

/**
 * simple: "already expired" for a lease that is gone, else its granted and remaining TTL and,
 * with --keys, its keys as Go prints a []string (`[a b]`, the bytes as they are).
 */
function simpleTimeToLive(keys: boolean) {
  return (response: LeaseTimeToLiveResponse): Buffer | string => {
    const id = leaseIdHex(response.ID);
    if (response.grantedTTL === '0' && response.TTL === '-1') return `lease ${id} already expired\n`;
    const text = `lease ${id} granted with TTL(${response.grantedTTL}s), remaining(${response.TTL}s)`;
    if (!keys) return `${text}\n`;
    const joined = response.keys.flatMap((key, at) => (at === 0 ? [key] : [Buffer.from(' '), key]));
    return Buffer.concat([Buffer.from(`${text}, attached keys([`), ...joined, Buffer.from('])\n')]);
  };
}

export function printLeaseTimeToLive(out: Output, format: ProtobufOutputFormat, response: LeaseTimeToLiveResponse, keys: boolean): void {
  leaseWriter(simpleTimeToLive(keys), leaseTimeToLiveJson, leaseTimeToLiveFields)(out, format, response);
}
