/** What one flag declaration holds (the table itself is flag-table.ts and table/*). */
import type { ListenAddress } from './urls.js';

/**
 * A parsed flag value: text, integer (Go's 64-bit ranges, hence bigint), switch, URL list, list of
 * texts (a `strings` flag, or a `urls` flag with exceptions such as cors' `*`), or a duration in
 * nanoseconds.
 */
export type FlagValue = string | bigint | boolean | ListenAddress[] | string[] | { durationNs: number };

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
