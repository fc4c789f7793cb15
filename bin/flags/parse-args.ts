/**
 * argv → flag values with the rules of Go's flag package, which etcd uses: `-flag` or `--flag`,
 * `--flag=value` or `--flag value`; a bool flag takes its value only after `=`; `--` ends the
 * flags, and so does the first argument that is not a flag; a repeated flag keeps its last value;
 * `-h`/`--help` asks for help unless a flag of that name exists. Errors carry Go's wording.
 */
import { flagSpec } from './flag-table.js';
import { parseFlagValue, type FlagValue } from './flag-value.js';
import { goQuote } from './go-values.js';

/** The outcome of reading argv. */
export type ArgsResult =
  | {
    kind: 'values';
    /** The flags set on the command line, by name. */
    values: Map<string, FlagValue>;
    /** Arguments left after the flags (etcd refuses the first as "not a valid flag"). */
    rest: string[];
  }
  | { kind: 'help' }
  | { kind: 'error'; message: string };

const HELP_NAMES: ReadonlySet<string> = new Set(['h', 'help']);

/** Reads argv (without node and script paths) as Go's flag.FlagSet.Parse would. */
export function parseArgs(argv: readonly string[]): ArgsResult {
  const values = new Map<string, FlagValue>();
  let index = 0;
  while (index < argv.length) {
    const arg = argv[index]!;
    if (arg.length < 2 || !arg.startsWith('-')) break;
    index++;
    if (arg === '--') break;
    const body = arg.slice(arg.startsWith('--') ? 2 : 1);
    if (body === '' || body.startsWith('-') || body.startsWith('=')) {
      return { kind: 'error', message: `bad flag syntax: ${arg}` };
    }
    const equals = body.indexOf('=');
    const name = equals < 0 ? body : body.slice(0, equals);
    const spec = flagSpec(name);
    if (spec === undefined) {
      if (HELP_NAMES.has(name)) return { kind: 'help' };
      return { kind: 'error', message: `flag provided but not defined: -${name}` };
    }
    let text: string;
    if (equals >= 0) {
      text = body.slice(equals + 1);
    } else if (spec.type === 'bool' || spec.type === 'ignored') {
      // Go's boolean flags, and etcd's IgnoredFlag, take a value only after '='.
      text = 'true';
    } else if (index < argv.length) {
      text = argv[index++]!;
    } else {
      return { kind: 'error', message: `flag needs an argument: -${name}` };
    }
    const value = parseFlagValue(spec, text);
    if (typeof value === 'object' && 'error' in value) {
      const message = spec.type === 'bool'
        ? `invalid boolean value ${goQuote(text)} for -${name}: ${value.error}`
        : `invalid value ${goQuote(text)} for flag -${name}: ${value.error}`;
      return { kind: 'error', message };
    }
    values.set(name, value);
  }
  return { kind: 'values', values, rest: argv.slice(index) };
}
