/**
 * Turns a flag's text into its typed value by the flag's type, with the error detail etcd prints
 * after "for flag -x: ". One function serves argv, the environment and the defaults.
 */
import type { FlagSpec } from './flag-table.js';
import { parseGoBool, parseGoDuration, parseGoInt64, parseGoUint } from './go-values.js';
import { parseUrlList, type ListenAddress } from './urls.js';

/**
 * A parsed flag value: text, integer (Go's 64-bit ranges, hence bigint), switch, URL list, or a
 * duration in nanoseconds.
 */
export type FlagValue = string | bigint | boolean | ListenAddress[] | { durationNs: number };

/** The error detail etcd gives for a value outside a choice flag's set. */
const CHOICE_ERROR = 'invalid value';
/** The error detail etcd gives for a duration flag's unparsable value. */
const DURATION_ERROR = 'parse error';

/** Parses `text` as `spec` says; returns the value, or `{ error }` with etcd's detail text. */
export function parseFlagValue(spec: FlagSpec, text: string): FlagValue | { error: string } {
  let value: FlagValue | string;
  switch (spec.type) {
    case 'string': return text;
    case 'uint': value = parseGoUint(text); break;
    case 'int64': value = parseGoInt64(text); break;
    case 'bool': value = parseGoBool(text); break;
    case 'urls': value = parseUrlList(text); break;
    case 'choice': return spec.choices!.includes(text) ? text : { error: CHOICE_ERROR };
    case 'duration': {
      // etcd's Go flag package reports any unparsable duration as just "parse error".
      const durationNs = parseGoDuration(text);
      return typeof durationNs === 'string' ? { error: DURATION_ERROR } : { durationNs };
    }
  }
  return typeof value === 'string' ? { error: value } : value;
}
