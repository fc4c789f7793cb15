/**
 * Command-line flags parsed the way etcdctl's cobra/pflag parse them: `--flag=value`,
 * `--flag value`, `-w value`, `-wvalue`, `-w=value`, bool flags that take a value only after `=`,
 * flags anywhere among the arguments, and `--` ending the flags. Error texts are pflag's.
 */
import { UsageError } from './exit.js';
import { goQuote, parseGoBool, parseGoDurationMs, parseGoInt } from './go-format.js';

/** What a flag holds: bool, string, int64 (bigint), Go duration (ms), or comma list. */
export type FlagKind = 'bool' | 'string' | 'int' | 'duration' | 'strings';
export type FlagValue = boolean | string | bigint | number | string[];

export interface FlagSpec {
  name: string;
  short?: string;
  kind: FlagKind;
  default: FlagValue;
  /** One line for cairnctl's own help text. */
  help: string;
}

/** Parsed flags by name (defaults filled in) and the positional arguments in order. */
export class ParsedArgs {
  constructor(private readonly values: Map<string, FlagValue>, readonly args: string[]) {}

  bool(name: string): boolean {
    return this.values.get(name) as boolean;
  }

  string(name: string): string {
    return this.values.get(name) as string;
  }

  int(name: string): bigint {
    return this.values.get(name) as bigint;
  }

  durationMs(name: string): number {
    return this.values.get(name) as number;
  }

  strings(name: string): string[] {
    return this.values.get(name) as string[];
  }
}

/** How pflag names a flag in "invalid argument" errors: `-w, --write-out` or `--limit`. */
function displayName(spec: FlagSpec): string {
  return spec.short === undefined ? `--${spec.name}` : `-${spec.short}, --${spec.name}`;
}

function convert(spec: FlagSpec, text: string, previous: FlagValue, changedBefore: boolean): FlagValue {
  try {
    switch (spec.kind) {
      case 'bool': return parseGoBool(text);
      case 'string': return text;
      case 'int': return parseGoInt(text, 10);
      case 'duration': return parseGoDurationMs(text);
      case 'strings': {
        // A repeated slice flag appends; its first use replaces the default.
        const items = text === '' ? [] : text.split(',');
        return changedBefore ? [...(previous as string[]), ...items] : items;
      }
    }
  } catch (error) {
    throw new UsageError(`invalid argument ${goQuote(text)} for ${goQuote(displayName(spec))} flag: ${(error as Error).message}`);
  }
}

/** Parses `tokens` against `specs`; throws UsageError with pflag's message on a bad flag. */
export function parseArgs(tokens: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const byShort = new Map(specs.filter((spec) => spec.short !== undefined).map((spec) => [spec.short!, spec]));
  const values = new Map<string, FlagValue>(specs.map((spec) => [spec.name, spec.default]));
  const changed = new Set<string>();
  const args: string[] = [];
  const set = (spec: FlagSpec, text: string): void => {
    values.set(spec.name, convert(spec, text, values.get(spec.name)!, changed.has(spec.name)));
    changed.add(spec.name);
  };
  for (let at = 0; at < tokens.length; at++) {
    const token = tokens[at]!;
    if (token === '--') {
      args.push(...tokens.slice(at + 1));
      break;
    }
    if (token.startsWith('--')) {
      const [name, inline] = splitOnce(token.slice(2), '=');
      const spec = byName.get(name);
      if (spec === undefined) throw new UsageError(`unknown flag: --${name}`);
      if (inline !== undefined) set(spec, inline);
      else if (spec.kind === 'bool') set(spec, 'true');
      else if (at + 1 < tokens.length) set(spec, tokens[++at]!);
      else throw new UsageError(`flag needs an argument: --${name}`);
    } else if (token.startsWith('-') && token.length > 1) {
      at = parseShorts(token, tokens, at, byShort, set);
    } else {
      args.push(token);
    }
  }
  return new ParsedArgs(values, args);
}

/** A run of short flags (`-w json`, `-wjson`, `-w=json`); returns the index of the last token used. */
function parseShorts(token: string, tokens: readonly string[], at: number, byShort: Map<string, FlagSpec>,
  set: (spec: FlagSpec, text: string) => void): number {
  const shorts = token.slice(1);
  for (let i = 0; i < shorts.length; i++) {
    const letter = shorts[i]!;
    const spec = byShort.get(letter);
    if (spec === undefined) throw new UsageError(`unknown shorthand flag: '${letter}' in -${shorts}`);
    const rest = shorts.slice(i + 1);
    if (spec.kind === 'bool') {
      if (rest.startsWith('=')) {
        set(spec, rest.slice(1));
        return at;
      }
      set(spec, 'true');
      continue;
    }
    if (rest !== '') {
      set(spec, rest.startsWith('=') ? rest.slice(1) : rest);
      return at;
    }
    if (at + 1 >= tokens.length) throw new UsageError(`flag needs an argument: '${letter}' in -${shorts}`);
    set(spec, tokens[at + 1]!);
    return at + 1;
  }
  return at;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

/**
 * The positional words of `tokens`, skipping flags and the values of non-bool flags, as cobra
 * does to find which (sub)command is meant before parsing any flag.
 */
export function commandWords(tokens: readonly string[], specs: readonly FlagSpec[]): string[] {
  const isBool = (spec: FlagSpec | undefined): boolean => spec?.kind === 'bool';
  const words: string[] = [];
  for (let at = 0; at < tokens.length; at++) {
    const token = tokens[at]!;
    if (token === '--') break;
    if (token.startsWith('--')) {
      if (!token.includes('=') && !isBool(specs.find((spec) => spec.name === token.slice(2)))) at++;
    } else if (token.startsWith('-') && token.length > 1) {
      if (token.length === 2 && !isBool(specs.find((spec) => spec.short === token[1]))) at++;
    } else {
      words.push(token);
    }
  }
  return words;
}
