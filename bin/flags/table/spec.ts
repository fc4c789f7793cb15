/**
 * Builders the flag-table sections use, so each row reads as etcd declares its flag: name, type,
 * default, description, then where the config file keeps it and what cairn does with it.
 */
import type { ConfigKey, ConfigSection, FlagSpec, FlagType, GoFieldType, HelpGroup, Support } from '../flag-spec.js';
import type { FlagValue } from '../flag-value.js';

/** etcd's default member name; a cluster left at defaults is one member of this name. */
export const DEFAULT_NAME = 'default';
/** The data directory's default: the name, with cairn's suffix where etcd uses `.etcd`. */
export const DEFAULT_DATA_DIR = '${name}.cairn';
/** The cluster's default founding list, the same as etcd's. */
export const DEFAULT_INITIAL_CLUSTER = 'default=http://localhost:2380';

/** Where the TLS work is tracked: every TLS flag is refused until it lands. */
export const TLS_ISSUE = 'TLS comes with issue #15 (security)';
/** Where the storage-operations work is tracked. */
export const OPERATIONS_ISSUE = 'issue #16';

/** The flag means what it means in etcd (optionally with values it refuses). */
export function honoured(refuse?: (value: FlagValue) => string | null): Support {
  return refuse === undefined ? { status: 'honoured' } : { status: 'honoured', refuse };
}

/** Accepted, with nothing to act on in cairn (`why` says why); warned about when set. */
export function noOp(why: string): Support {
  return { status: 'no-op', why };
}

/** Refused for good unless left at its default (or a value `accepts` finds equivalent). */
export function refused(why: string, accepts?: (value: FlagValue) => boolean): Support {
  return { status: 'refused', why, yet: false, ...(accepts === undefined ? {} : { accepts }) };
}

/** Refused until the work named in `why` lands. */
export function refusedYet(why: string, accepts?: (value: FlagValue) => boolean): Support {
  return { status: 'refused', why, yet: true, ...(accepts === undefined ? {} : { accepts }) };
}

/** etcd's own ignored legacy flags. */
export const OBSOLETE: Support = { status: 'obsolete' };

/** A config-file key at the top level (or in `section`); named as the flag unless `key` says otherwise. */
export function key(type: GoFieldType, section?: ConfigSection, name?: string): (flag: string) => ConfigKey {
  return (flag) => ({ key: name ?? flag, type, ...(section === undefined ? {} : { section }) });
}

/** Optional parts of a row. */
export interface RowExtras {
  helpDefault?: string;
  choices?: readonly string[];
  /** For a `urls` flag: items taken as they are instead of as URLs (cors' `*`). */
  urlExceptions?: readonly string[];
  since?: '3.5';
  /** What docs/flags.md adds about how cairn honours the flag. */
  note?: string;
}

/** Builds the rows of one help group. */
export function group(name: HelpGroup) {
  return (flag: string, type: FlagType, defaultValue: string, description: string,
    config: ((flag: string) => ConfigKey) | null, support: Support, extras: RowExtras = {}): FlagSpec => ({
    name: flag, type, defaultValue, group: name, description, config: config === null ? null : config(flag), support, ...extras,
  });
}
