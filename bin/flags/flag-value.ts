/**
 * Turns a flag's text into its typed value by the flag's type, with the error detail etcd prints
 * after "for flag -x: ". One function serves argv, the environment and the defaults.
 */
import type { FlagSpec, FlagValue } from './flag-spec.js';
import { parseGoBool, parseGoDuration, parseGoInt64, parseGoUint, parseGoUint32 } from './go-values.js';
import { parseUrl, parseUrlList } from './urls.js';

export type { FlagValue } from './flag-spec.js';

/** The error detail etcd gives for a value outside a choice flag's set. */
const CHOICE_ERROR = 'invalid value';
/** The error detail etcd gives for a duration flag's unparsable value. */
const DURATION_ERROR = 'parse error';

/** A comma-separated list as etcd's StringsValue splits it (empty text: no items). */
function parseStrings(text: string): string[] {
  return text === '' ? [] : text.split(',');
}

/** A URL list whose items may also be one of `exceptions`; the items stay text. */
function parseUrlsWithExceptions(text: string, exceptions: readonly string[]): string[] | { error: string } {
  const items = parseStrings(text);
  for (const item of items) {
    if (exceptions.includes(item)) continue;
    const address = parseUrl(item);
    if (typeof address === 'string') return { error: address };
  }
  return items;
}

/** Parses `text` as `spec` says; returns the value, or `{ error }` with etcd's detail text. */
export function parseFlagValue(spec: FlagSpec, text: string): FlagValue | { error: string } {
  let value: FlagValue | string;
  switch (spec.type) {
    case 'string': return text;
    case 'ignored': return text;
    case 'strings': return parseStrings(text);
    case 'uint': value = parseGoUint(text); break;
    case 'uint32': value = parseGoUint32(text); break;
    case 'int':
    case 'int64': value = parseGoInt64(text); break;
    case 'bool': value = parseGoBool(text); break;
    case 'urls':
      if (spec.urlExceptions !== undefined) return parseUrlsWithExceptions(text, spec.urlExceptions);
      value = parseUrlList(text);
      break;
    case 'choice': return spec.choices!.includes(text) ? text : { error: CHOICE_ERROR };
    case 'duration': {
      // etcd's Go flag package reports any unparsable duration as just "parse error".
      const durationNs = parseGoDuration(text);
      return typeof durationNs === 'string' ? { error: DURATION_ERROR } : { durationNs };
    }
  }
  return typeof value === 'string' ? { error: value } : value;
}

/** The value a flag has when nobody sets it. */
export function defaultValueOf(spec: FlagSpec): FlagValue {
  const value = parseFlagValue(spec, spec.defaultValue);
  if (typeof value === 'object' && 'error' in value) throw new Error(`--${spec.name}'s default '${spec.defaultValue}' does not parse: ${value.error}`);
  return value;
}

/** True when two values of one flag are the same setting. */
export function sameFlagValue(a: FlagValue, b: FlagValue): boolean {
  return JSON.stringify(a, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item)) ===
    JSON.stringify(b, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item));
}
