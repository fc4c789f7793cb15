/** What every cairnctl command declares and what it is given when it runs. */
import type { FlagSpec, ParsedArgs } from './args.js';
import type { GlobalOptions } from './client.js';
import type { Output } from './printers.js';
import type { StdinReader } from './stdin.js';

export interface CommandContext {
  args: ParsedArgs;
  global: GlobalOptions;
  out: Output;
  /** The whole command line, global flags included (watch reads it as etcdctl reads os.Args). */
  tokens: readonly string[];
  /** Standard input, read only when a command asks (put's value, txn's script). */
  stdin: StdinReader;
}

export interface CommandSpec {
  /** The words that name it: ['put'], ['member', 'list']. */
  path: string[];
  /** Its argument synopsis, for cairnctl's help. */
  usage: string;
  summary: string;
  flags: FlagSpec[];
  /** Runs it; the returned number is the exit code (0 when nothing is returned). */
  run(context: CommandContext): Promise<number | void>;
}
