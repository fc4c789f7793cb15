/**
 * etcdctl's txn script syntax. A compare is `target("key") op "value"` with target version|ver,
 * create|c, mod|m, value|val or lease, op one of = != < >, and the value a Go quoted string
 * (a number for version/create/mod). An op is a put, get or del line with that command's flags,
 * its words split by etcdctl's argify (argify.ts).
 */
import { argify } from './argify.js';
import { parseArgs, type ParsedArgs } from './args.js';
import { DEL_FLAGS, deleteRangeRequest } from './del.js';
import { CtlError, EXIT_INVALID_INPUT, UsageError } from './exit.js';
import { GET_FLAGS, rangeRequest } from './get.js';
import { goQuote, parseGoInt, readGoQuoted } from './go-format.js';
import { PUT_FLAGS, putRequest } from './put.js';

/** etcd's Compare.CompareResult numbers by etcdctl's operators. */
const COMPARE_RESULTS: Record<string, number> = { '=': 0, '>': 1, '<': 2, '!=': 3 };

/** etcd's Compare.CompareTarget numbers, the oneof field each one sets, and how its value is read. */
const COMPARE_TARGETS: Record<string, { target: number; field: string; integer: boolean; base: 10 | 16 }> = {
  version: { target: 0, field: 'version', integer: true, base: 10 },
  create: { target: 1, field: 'create_revision', integer: true, base: 10 },
  mod: { target: 2, field: 'mod_revision', integer: true, base: 10 },
  value: { target: 3, field: 'value', integer: false, base: 10 },
  // A lease id is written in hexadecimal, as `put --lease` takes it.
  lease: { target: 4, field: 'lease', integer: true, base: 16 },
};
const TARGET_ALIASES: Record<string, string> = {
  ver: 'version', version: 'version', c: 'create', create: 'create', m: 'mod', mod: 'mod', val: 'value', value: 'value',
  lease: 'lease',
};

/** etcd's Compare as grpc-js sends it (one of version/create_revision/mod_revision/value/lease is set). */
export type Compare = { result: number; target: number; key: Buffer; range_end: Buffer } & Record<string, unknown>;

/** etcd's RequestOp as grpc-js sends it. */
export type RequestOp = { request_put: object } | { request_range: object } | { request_delete_range: object };

/** Skips blanks as a scanf verb does; returns the rest. */
const skipBlanks = (text: string): string => text.replace(/^[ \t\r]+/, '');

/**
 * `"key") op "value"` read the way etcdctl's scanf format `%q) %s %q` reads it: the space before
 * op and before the value must be at least one blank. Stops at the first part that does not fit.
 */
function scanCompare(text: string): { parts: number; key: Buffer; op: string; value: Buffer } {
  const scanned: { parts: number; key: Buffer; op: string; value: Buffer } =
    { parts: 0, key: Buffer.alloc(0), op: '', value: Buffer.alloc(0) };
  const key = readGoQuoted(skipBlanks(text));
  if (key === undefined) return scanned;
  scanned.key = key.value;
  scanned.parts = 1;
  if (!key.rest.startsWith(')')) return scanned;
  let rest = key.rest.slice(1);
  if (!/^[ \t\r]/.test(rest)) return scanned;
  const op = /^\S+/.exec(skipBlanks(rest));
  if (op === null) return scanned;
  scanned.op = op[0];
  scanned.parts = 2;
  rest = skipBlanks(rest).slice(op[0].length);
  if (!/^[ \t\r]/.test(rest)) return scanned;
  const value = readGoQuoted(skipBlanks(rest));
  if (value === undefined) return scanned;
  scanned.value = value.value;
  scanned.parts = 3;
  return scanned;
}

/** One compare line (already trimmed) as etcd's Compare. */
export function parseCompare(line: string): Compare {
  const open = line.indexOf('(');
  if (open < 0) throw new CtlError(EXIT_INVALID_INPUT, `malformed comparison: ${line}`);
  const targetName = line.slice(0, open);
  const scanned = scanCompare(line.slice(open + 1));
  if (scanned.parts !== 3) {
    throw new CtlError(EXIT_INVALID_INPUT, `malformed comparison: ${line}; got ${targetName}(${goQuote(scanned.key.toString())}) ` +
      `${scanned.op} ${goQuote(scanned.value.toString())}`);
  }
  const target = COMPARE_TARGETS[TARGET_ALIASES[targetName] ?? ''];
  if (target === undefined) throw new CtlError(EXIT_INVALID_INPUT, `malformed comparison: ${line} (unknown target ${targetName})`);
  let value: string | Buffer = scanned.value;
  if (target.integer) {
    try {
      value = parseGoInt(scanned.value.toString(), target.base).toString();
    } catch {
      throw new CtlError(EXIT_INVALID_INPUT, `invalid txn compare request: ${line}`);
    }
  }
  const result = COMPARE_RESULTS[scanned.op];
  if (result === undefined) throw new CtlError(EXIT_INVALID_INPUT, `malformed comparison: ${line} (unknown op ${scanned.op})`);
  return { result, target: target.target, key: scanned.key, range_end: Buffer.alloc(0), [target.field]: value };
}

/** One op line (already trimmed) as etcd's RequestOp; a bad one fails as etcdctl's does. */
export async function parseOp(line: string): Promise<RequestOp> {
  const [command, ...rest] = argify(line);
  if (rest.length === 0) throw new CtlError(EXIT_INVALID_INPUT, `invalid txn compare request: ${line}`);
  const parse = (flags: typeof PUT_FLAGS): ParsedArgs => {
    try {
      return parseArgs(rest, flags);
    } catch (error) {
      if (error instanceof UsageError) throw new CtlError(EXIT_INVALID_INPUT, `invalid txn request: ${line}`);
      throw error;
    }
  };
  switch (command) {
    // etcdctl has read all of stdin into the script by now, so a put without a value finds none.
    case 'put': return { request_put: await putRequest(parse(PUT_FLAGS), async () => Buffer.alloc(0)) };
    case 'get': return { request_range: rangeRequest(parse(GET_FLAGS)) };
    case 'del': return { request_delete_range: deleteRangeRequest(parse(DEL_FLAGS)) };
    default: throw new CtlError(EXIT_INVALID_INPUT, `invalid txn request: ${line}`);
  }
}

