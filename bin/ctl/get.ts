/** `get <key> [range_end]`: reads a key or a range, with etcdctl's range, sort and read flags. */
import type { FlagSpec, ParsedArgs } from './args.js';
import { withConnection } from './client.js';
import type { CommandSpec } from './command.js';
import { CtlError, EXIT_BAD_ARGS, EXIT_BAD_FEATURE } from './exit.js';
import { goQuote } from './go-format.js';
import { keyRange } from './key-range.js';
import type { RangeResponse } from './messages.js';
import { outputFormat, printRange } from './printers.js';

/** get's flags (also accepted by a txn script's get ops). */
export const GET_FLAGS: FlagSpec[] = [
  { name: 'consistency', kind: 'string', default: 'l', help: 'l (linearizable) or s (serializable)' },
  { name: 'order', kind: 'string', default: '', help: 'ASCEND or DESCEND' },
  { name: 'sort-by', kind: 'string', default: '', help: 'CREATE, KEY, MODIFY, VALUE or VERSION' },
  { name: 'limit', kind: 'int', default: 0n, help: 'at most this many keys' },
  { name: 'prefix', kind: 'bool', default: false, help: 'every key starting with <key>' },
  { name: 'from-key', kind: 'bool', default: false, help: 'every key from <key> on (byte order)' },
  { name: 'rev', kind: 'int', default: 0n, help: 'read at this revision' },
  { name: 'keys-only', kind: 'bool', default: false, help: 'keys without values' },
  { name: 'print-value-only', kind: 'bool', default: false, help: 'values only (simple output)' },
];

/** etcd's RangeRequest.SortOrder numbers. */
const SORT_ORDERS: Record<string, number> = { '': 0, ASCEND: 1, DESCEND: 2 };
/** etcd's RangeRequest.SortTarget numbers, by etcdctl's --sort-by names. */
const SORT_TARGETS: Record<string, number> = { '': 0, KEY: 0, VERSION: 1, CREATE: 2, MODIFY: 3, VALUE: 4 };
const SORT_ASCEND = 1;
const SORT_NONE = 0;
const SORT_BY_KEY = 0;

/** Error texts get and del share. */
export const PREFIX_AND_FROM_KEY = '`--prefix` and `--from-key` cannot be set at the same time, choose one';
export const TOO_MANY_WITH_RANGE_FLAG = 'too many arguments, only accept one argument when `--prefix` or `--from-key` is set';

/** etcd's RangeRequest as grpc-js sends it. */
export interface RangeRequest {
  key: Buffer;
  range_end: Buffer;
  limit: string;
  revision: string;
  sort_order: number;
  sort_target: number;
  serializable: boolean;
  keys_only: boolean;
}

/** A RangeRequest from get's arguments, checked in etcdctl's order. */
export function rangeRequest(args: ParsedArgs): RangeRequest {
  const [key, rangeEnd] = args.args;
  if (key === undefined) {
    throw new CtlError(EXIT_BAD_ARGS, 'get command needs one argument as key and an optional argument as range_end');
  }
  const prefix = args.bool('prefix');
  const fromKey = args.bool('from-key');
  if (prefix && fromKey) throw new CtlError(EXIT_BAD_ARGS, PREFIX_AND_FROM_KEY);
  const consistency = args.string('consistency');
  if (consistency !== 'l' && consistency !== 's') {
    throw new CtlError(EXIT_BAD_FEATURE, `unknown consistency flag ${goQuote(consistency)}`);
  }
  if (rangeEnd !== undefined && (prefix || fromKey)) throw new CtlError(EXIT_BAD_ARGS, TOO_MANY_WITH_RANGE_FLAG);
  let order = SORT_ORDERS[args.string('order').toUpperCase()];
  if (order === undefined) throw new CtlError(EXIT_BAD_FEATURE, `bad sort order ${args.string('order')}`);
  const target = SORT_TARGETS[args.string('sort-by').toUpperCase()];
  if (target === undefined) throw new CtlError(EXIT_BAD_FEATURE, `bad sort target ${args.string('sort-by')}`);
  // Keys come back in ascending key order anyway, so clientv3 asks for no sort then.
  if (target === SORT_BY_KEY && order === SORT_ASCEND) order = SORT_NONE;
  return {
    ...keyRange(Buffer.from(key), rangeEnd === undefined ? undefined : Buffer.from(rangeEnd), prefix, fromKey),
    limit: args.int('limit').toString(), revision: args.int('rev').toString(), sort_order: order, sort_target: target,
    serializable: consistency === 's', keys_only: args.bool('keys-only'),
  };
}

export const getCommand: CommandSpec = {
  path: ['get'],
  usage: 'get [options] <key> [range_end]',
  summary: 'Gets the key or a range of keys',
  flags: GET_FLAGS,
  async run({ args, global, out }) {
    const request = rangeRequest(args);
    const format = outputFormat(global.writeOut);
    const response = await withConnection(global, (connection) => connection.call<RangeResponse>('KV', 'Range', request));
    printRange(out, format, response, { hex: global.hex, valueOnly: args.bool('print-value-only') });
  },
};
