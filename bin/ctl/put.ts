/** `put <key> <value>`: writes one key; the value comes from stdin when only the key is given. */
import type { FlagSpec, ParsedArgs } from './args.js';
import { withConnection } from './client.js';
import type { CommandSpec } from './command.js';
import { CtlError, EXIT_BAD_ARGS } from './exit.js';
import { parseGoInt } from './go-format.js';
import type { PutResponse } from './messages.js';
import { outputFormat, printPut } from './printers.js';

/** put's flags (also accepted by a txn script's put ops). */
export const PUT_FLAGS: FlagSpec[] = [
  { name: 'lease', kind: 'string', default: '0', help: 'lease ID (in hexadecimal) to attach to the key' },
  { name: 'prev-kv', kind: 'bool', default: false, help: 'return the previous key-value pair' },
  { name: 'ignore-value', kind: 'bool', default: false, help: 'keep the current value' },
  { name: 'ignore-lease', kind: 'bool', default: false, help: 'keep the current lease' },
];

const NEEDS_ARGUMENTS = 'put command needs 1 argument and input from stdin or 2 arguments';

/** etcd's PutRequest as grpc-js sends it. */
export interface PutRequest {
  key: Buffer;
  value: Buffer;
  lease: string;
  prev_kv: boolean;
  ignore_value: boolean;
  ignore_lease: boolean;
}

/**
 * A PutRequest from put's arguments, checked in etcdctl's order: arguments, then the value
 * (argument or stdin), then the lease id (hexadecimal, as `lease grant` prints it).
 */
export async function putRequest(args: ParsedArgs, readValue: () => Promise<Buffer>): Promise<PutRequest> {
  const [key, value] = args.args;
  if (key === undefined) throw new CtlError(EXIT_BAD_ARGS, NEEDS_ARGUMENTS);
  const ignoreValue = args.bool('ignore-value');
  if (ignoreValue && value !== undefined) {
    throw new CtlError(EXIT_BAD_ARGS, "put command needs only 1 argument when 'ignore-value' is set");
  }
  let valueBytes: Buffer = Buffer.alloc(0);
  if (!ignoreValue) {
    valueBytes = value !== undefined ? Buffer.from(value) : await readValue();
    if (value === undefined && valueBytes.length === 0) throw new CtlError(EXIT_BAD_ARGS, NEEDS_ARGUMENTS);
  }
  let lease: bigint;
  try {
    lease = parseGoInt(args.string('lease'), 16);
  } catch (error) {
    throw new CtlError(EXIT_BAD_ARGS, `bad lease ID (${(error as Error).message}), expecting ID in Hex`);
  }
  return {
    key: Buffer.from(key), value: valueBytes, lease: lease.toString(), prev_kv: args.bool('prev-kv'),
    ignore_value: ignoreValue, ignore_lease: args.bool('ignore-lease'),
  };
}

export const putCommand: CommandSpec = {
  path: ['put'],
  usage: 'put [options] <key> <value>  (<value> read from stdin when omitted)',
  summary: 'Puts the given key into the store',
  flags: PUT_FLAGS,
  async run({ args, global, out, stdin }) {
    const request = await putRequest(args, () => stdin.readAll());
    const format = outputFormat(global.writeOut);
    const response = await withConnection(global, (connection) => connection.call<PutResponse>('KV', 'Put', request));
    printPut(out, format, response, { hex: global.hex, valueOnly: false });
  },
};
