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
import type { FlagSpec } from './flag-spec.js';
import { CLUSTERING_FLAGS } from './table/clustering-flags.js';
import { LEGACY_FLAGS } from './table/legacy-flags.js';
import { MEMBER_FLAGS } from './table/member-flags.js';
import { OPERATION_FLAGS } from './table/operation-flags.js';
import { SECURITY_FLAGS } from './table/security-flags.js';

export { LOG_LEVELS } from '../log/line-logger.js';

export { HELP_GROUPS, type ConfigKey, type ConfigSection, type FlagSpec, type FlagType, type GoFieldType, type HelpGroup, type Support } from './flag-spec.js';

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
