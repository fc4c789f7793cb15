/** `del <key> [range_end]`: deletes a key or a range; prints how many keys went. */
import type { FlagSpec, ParsedArgs } from './args.js';
import { withConnection } from './client.js';
import type { CommandSpec } from './command.js';
import { CtlError, EXIT_BAD_ARGS } from './exit.js';
import { PREFIX_AND_FROM_KEY, TOO_MANY_WITH_RANGE_FLAG } from './get.js';
import { keyRange } from './key-range.js';
import type { DeleteRangeResponse } from './messages.js';
import { outputFormat, printDelete } from './printers.js';

/** del's flags (also accepted by a txn script's del ops). */
export const DEL_FLAGS: FlagSpec[] = [
  { name: 'prefix', kind: 'bool', default: false, help: 'every key starting with <key>' },
  { name: 'prev-kv', kind: 'bool', default: false, help: 'return the deleted key-value pairs' },
  { name: 'from-key', kind: 'bool', default: false, help: 'every key from <key> on (byte order)' },
];

/** etcd's DeleteRangeRequest as grpc-js sends it. */
export interface DeleteRangeRequest {
  key: Buffer;
  range_end: Buffer;
  prev_kv: boolean;
}

/** A DeleteRangeRequest from del's arguments, checked in etcdctl's order. */
export function deleteRangeRequest(args: ParsedArgs): DeleteRangeRequest {
  const [key, rangeEnd, extra] = args.args;
  if (key === undefined || extra !== undefined) {
    throw new CtlError(EXIT_BAD_ARGS, 'del command needs one argument as key and an optional argument as range_end');
  }
  const prefix = args.bool('prefix');
  const fromKey = args.bool('from-key');
  if (prefix && fromKey) throw new CtlError(EXIT_BAD_ARGS, PREFIX_AND_FROM_KEY);
  if (rangeEnd !== undefined && (prefix || fromKey)) throw new CtlError(EXIT_BAD_ARGS, TOO_MANY_WITH_RANGE_FLAG);
  return {
    ...keyRange(Buffer.from(key), rangeEnd === undefined ? undefined : Buffer.from(rangeEnd), prefix, fromKey),
    prev_kv: args.bool('prev-kv'),
  };
}

export const delCommand: CommandSpec = {
  path: ['del'],
  usage: 'del [options] <key> [range_end]',
  summary: 'Removes the specified key or range of keys [key, range_end)',
  flags: DEL_FLAGS,
  async run({ args, global, out }) {
    const request = deleteRangeRequest(args);
    const format = outputFormat(global.writeOut);
    const response = await withConnection(global, (connection) =>
      connection.call<DeleteRangeResponse>('KV', 'DeleteRange', request));
    printDelete(out, format, response, { hex: global.hex, valueOnly: false });
  },
};
