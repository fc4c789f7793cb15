/**
 * Every flag `cairn` knows: all of etcd 3.4's and 3.5's, declared once. The argv parser, the
 * environment reader, the config-file reader, the help text, the check that refuses what cairn
 * cannot do (bin/unsupported-settings.ts) and docs/flags.md (tests/flags/flags-doc.test.ts) all
 * walk this table. Names, types, defaults and config-file keys are etcd's, except the data
 * directory (`<name>.cairn`), --pre-vote (on, as in 3.5) and --logger (zap, as in 3.5).
 *
 * Each flag says what cairn does with it (`support`): honours it; accepts it as a no-op because it
 * tunes a part cairn does not have (bbolt's freelist), warning at start when it is set; refuses
 * any value but the default, saying why (TLS before #15, the v2 API, discovery); or, for the
 * flags etcd itself ignores, warns as etcd does. Nothing is accepted and silently ignored.
 */
import type { FlagValue } from './flag-value.js';
import { CLUSTERING_FLAGS } from './table/clustering-flags.js';
import { LEGACY_FLAGS } from './table/legacy-flags.js';
import { MEMBER_FLAGS } from './table/member-flags.js';
import { OPERATION_FLAGS } from './table/operation-flags.js';
import { SECURITY_FLAGS } from './table/security-flags.js';

export { LOG_LEVELS } from '../log/line-logger.js';

/**
 * How a flag's text becomes a value, as Go's flag package types them in etcd: `uint`, `uint32`,
 * `int` and `int64` follow strconv (base prefixes allowed), `bool` takes no separate argument,
 * `urls` is a comma-separated URL list, `strings` a comma-separated list, `choice` must be one of
 * `choices`, `duration` is a Go duration (`10m`), `ignored` is etcd's IgnoredFlag (any value).
 */
export type FlagType = 'string' | 'uint' | 'uint32' | 'int' | 'int64' | 'bool' | 'urls' | 'strings' | 'choice' | 'duration' | 'ignored';

/** Go field types of etcd's config-file struct; they name the type in a config-file type error. */
export type GoFieldType = 'string' | 'uint' | 'uint32' | 'uint64' | 'int' | 'int64' | 'bool' | 'time.Duration' | '[]string';

/** Help-text sections, in the order etcd prints them. */
export const HELP_GROUPS = [
  'Member', 'Clustering', 'Security', 'Auth', 'Profiling and Monitoring', 'Logging', 'v2 Proxy (to be deprecated in v4)',
  'Experimental feature', 'Unsafe feature', 'TO BE DEPRECATED',
] as const;
/** One help-text section. */
export type HelpGroup = (typeof HELP_GROUPS)[number];

/** Config-file sections holding nested keys (etcd's securityConfig and 3.5's socket options). */
export type ConfigSection = 'client-transport-security' | 'peer-transport-security' | 'socket-options';

/** Where a flag lives in etcd's YAML config file. */
export interface ConfigKey {
  key: string;
  type: GoFieldType;
  section?: ConfigSection;
}

/** What cairn does with a flag. */
export type Support =
  /** The flag means what it means in etcd; `refuse` names a value cairn cannot honour, if any. */
  | { status: 'honoured'; refuse?: (value: FlagValue) => string | null }
  /** Accepted with any valid value: it tunes a part cairn does not have (`why`); set, it is warned about. */
  | { status: 'no-op'; why: string }
  /**
   * Any value but the default (or one `accepts` finds equivalent to it) is refused at start:
   * "--flag is not supported[ yet]: why".
   */
  | { status: 'refused'; why: string; yet: boolean; accepts?: (value: FlagValue) => boolean }
  /** One of etcd's own ignored legacy flags: accepted with etcd's warning. */
  | { status: 'obsolete' };

/** One flag's declaration. */
export interface FlagSpec {
  name: string;
  type: FlagType;
  /** The default, parsed by the same rules as a user's value. */
  defaultValue: string;
  /** The default as help prints it, when it differs from defaultValue ('math.MaxUint32'). */
  helpDefault?: string;
  group: HelpGroup;
  description: string;
  /** The config-file key, or null when etcd's config file has none for this flag. */
  config: ConfigKey | null;
  choices?: readonly string[];
  /** For a `urls` flag: items taken as they are instead of as URLs (cors' `*`). */
  urlExceptions?: readonly string[];
  support: Support;
  /** The etcd release that added the flag, when later than 3.4. */
  since?: '3.5';
  /** What docs/flags.md adds about how cairn honours the flag (values it refuses, where it differs). */
  note?: string;
}

export { DEFAULT_DATA_DIR, DEFAULT_INITIAL_CLUSTER, DEFAULT_NAME } from './table/spec.js';

/** All flags, grouped as help prints them. */
export const FLAG_TABLE: readonly FlagSpec[] = [
  ...MEMBER_FLAGS, ...CLUSTERING_FLAGS, ...SECURITY_FLAGS, ...OPERATION_FLAGS, ...LEGACY_FLAGS,
];

const FLAGS_BY_NAME: ReadonlyMap<string, FlagSpec> = new Map(FLAG_TABLE.map((spec) => [spec.name, spec]));

/** The flag of this name, or undefined when neither etcd nor cairn has such a flag. */
export function flagSpec(name: string): FlagSpec | undefined {
  return FLAGS_BY_NAME.get(name);
}
