/**
 * Flags from the environment, the way etcd reads ETCD_<FLAG>: cairn reads CAIRN_<FLAG> (upper
 * case, dashes as underscores) for every flag not given on the command line. A variable that names
 * no flag, or one shadowed by a command-line flag, yields a warning in etcd's wording (etcd 3.4
 * exits on the shadowed case; cairn lets the flag win and says so).
 */
import { FLAG_TABLE, flagSpec } from './flag-table.js';
import { parseFlagValue, type FlagValue } from './flag-value.js';
import { goQuote } from './go-values.js';

/** cairn's environment prefix, where etcd uses ETCD. */
export const ENV_PREFIX = 'CAIRN_';

/** Flags read from the environment elsewhere, or meaningless there. */
const NOT_FROM_ENV: ReadonlySet<string> = new Set(['config-file', 'version']);

/** The environment variable that carries a flag: `heartbeat-interval` → `CAIRN_HEARTBEAT_INTERVAL`. */
export function envName(flagName: string): string {
  return ENV_PREFIX + flagName.toUpperCase().replaceAll('-', '_');
}

/** Values taken from the environment and what to warn about, or the first bad value. */
export type EnvResult =
  | { kind: 'values'; values: Map<string, FlagValue>; warnings: string[] }
  | { kind: 'error'; message: string };

/** Reads the CAIRN_* variables for the flags not in `setOnCommandLine`. */
export function readEnv(env: Readonly<Record<string, string | undefined>>, setOnCommandLine: ReadonlySet<string>): EnvResult {
  const warnings: string[] = [];
  for (const key of Object.keys(env).sort()) {
    if (!key.startsWith(ENV_PREFIX)) continue;
    const name = key.slice(ENV_PREFIX.length).toLowerCase().replaceAll('_', '-');
    if (flagSpec(name) === undefined) warnings.push(`unrecognized environment variable ${key}=${env[key]}`);
  }
  const values = new Map<string, FlagValue>();
  // Go visits flags in name order; the first bad variable in that order is the one reported.
  const specs = [...FLAG_TABLE].sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const spec of specs) {
    const key = envName(spec.name);
    const text = env[key];
    if (text === undefined || NOT_FROM_ENV.has(spec.name)) continue;
    if (setOnCommandLine.has(spec.name)) {
      warnings.push(`conflicting environment variable ${goQuote(key)} is shadowed by corresponding command-line flag (either unset environment variable or disable flag)`);
      continue;
    }
    // etcd treats an empty variable as unset (it still counts as shadowed above).
    if (text === '') continue;
    const value = parseFlagValue(spec, text);
    if (typeof value === 'object' && 'error' in value) {
      return { kind: 'error', message: `invalid value ${goQuote(text)} for ${key}: ${value.error}` };
    }
    values.set(spec.name, value);
  }
  return { kind: 'values', values, warnings };
}
