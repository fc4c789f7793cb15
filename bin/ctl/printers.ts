/**
 * etcdctl's writers for each response: `simple` (keys and values as raw lines, "OK", counts),
 * `json` (json.ts), `fields` (fields.ts), `table` (table.ts, only for member and endpoint
 * commands; for KV and watch responses etcdctl refuses table output once there is a response to
 * print, and so does cairnctl) and `protobuf` (protobuf.ts, only for watch responses so far).
 */
import { CtlError, EXIT_BAD_FEATURE } from './exit.js';
import {
  deleteFields, endpointHealthFields, endpointStatusFields, memberListFields, putFields, rangeFields, txnFields, watchFields,
} from './fields.js';
import { humanizeBytes } from './go-format.js';
import {
  deleteJson, endpointHealthJson, endpointStatusJson, memberListJson, putJson, rangeJson, txnJson, watchJson,
} from './json.js';
import {
  eventTypeName, type ClientWatchResponse, type DeleteRangeResponse, type EndpointHealth, type EndpointStatus, type KeyValue,
  type MemberListResponse, type PutResponse, type RangeResponse, type TxnResponse,
} from './messages.js';
import { watchProtobuf } from './protobuf.js';
import { renderTable } from './table.js';

/** The -w formats cairnctl writes. */
const OUTPUT_FORMATS = ['simple', 'json', 'table', 'fields'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
/** The -w formats cairnctl writes watch responses in. */
const WATCH_OUTPUT_FORMATS = [...OUTPUT_FORMATS, 'protobuf'] as const;
export type WatchOutputFormat = (typeof WATCH_OUTPUT_FORMATS)[number];

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

/** Checks watch's -w before it watches (etcdctl writes watch responses in protobuf too). */
export function watchOutputFormat(name: string): WatchOutputFormat {
  return checkFormat(name, WATCH_OUTPUT_FORMATS);
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
export function printWatch(out: Output, format: WatchOutputFormat, response: ClientWatchResponse, hex: boolean): void {
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
