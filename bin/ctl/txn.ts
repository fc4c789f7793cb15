/**
 * `txn [-i]`: reads a transaction from stdin in etcdctl's syntax (compares, blank line, success
 * ops, blank line, failure ops, blank line) and runs it. -i prompts for each section.
 */
import type { FlagSpec } from './args.js';
import { withConnection } from './client.js';
import type { CommandSpec } from './command.js';
import { CtlError, EXIT_BAD_ARGS, EXIT_INVALID_INPUT } from './exit.js';
import type { TxnResponse } from './messages.js';
import { outputFormat, printTxn } from './printers.js';
import type { StdinReader } from './stdin.js';
import { parseCompare, parseOp } from './txn-parse.js';

const TXN_FLAGS: FlagSpec[] = [
  { name: 'interactive', short: 'i', kind: 'bool', default: false, help: 'prompt for each section of the transaction' },
];

/** Parses lines up to the next blank one; end of input first is an error, as in etcdctl. */
async function readSection<Item>(stdin: StdinReader, parse: (line: string) => Item | Promise<Item>): Promise<Item[]> {
  const items: Item[] = [];
  for (;;) {
    const line = await stdin.readLine();
    if (line === undefined) throw new CtlError(EXIT_INVALID_INPUT, 'EOF');
    const trimmed = line.trim();
    if (trimmed === '') return items;
    items.push(await parse(trimmed));
  }
}

export const txnCommand: CommandSpec = {
  path: ['txn'],
  usage: 'txn [options]  (reads the transaction from stdin)',
  summary: 'Txn processes all the requests in one transaction',
  flags: TXN_FLAGS,
  async run({ args, global, out, stdin }) {
    if (args.args.length > 0) throw new CtlError(EXIT_BAD_ARGS, 'txn command does not accept argument');
    const format = outputFormat(global.writeOut);
    const prompt = (text: string): void => {
      if (args.bool('interactive')) out.stdout(`${text}\n`);
    };
    prompt('compares:');
    const compare = await readSection(stdin, parseCompare);
    prompt('success requests (get, put, del):');
    const success = await readSection(stdin, parseOp);
    prompt('failure requests (get, put, del):');
    const failure = await readSection(stdin, parseOp);
    const response = await withConnection(global, (connection) =>
      connection.call<TxnResponse>('KV', 'Txn', { compare, success, failure }));
    printTxn(out, format, response, { hex: global.hex, valueOnly: false });
  },
};
