/**
 * The YAML config file, read as etcd reads its own: top-level keys named like the flags, TLS under
 * `client-transport-security` / `peer-transport-security` (and 3.5's `socket-options`), values
 * typed as etcd's Go struct types them (a duration is a number of nanoseconds, a list a YAML
 * sequence). Error texts are etcd's (Go's JSON decoder speaks through them). etcd ignores keys it
 * does not know; cairn accepts them too but warns, so a misspelt key is not silently lost.
 */
import YAML from 'yaml';
import { FLAG_TABLE, type ConfigSection, type FlagSpec, type GoFieldType } from './flag-table.js';
import { parseFlagValue, type FlagValue } from './flag-value.js';
import { goQuote } from './go-values.js';

/** Reads a file as UTF-8 text; throws a Node error (with `code`) when it cannot. */
export type ReadTextFile = (path: string) => string;

/**
 * Values the file sets, or an error. `family` says how etcd reports it: 'verify' errors read
 * "error verifying flags, ...", 'fatal' ones are printed bare.
 */
export type ConfigFileResult =
  | { kind: 'values'; values: Map<string, FlagValue>; warnings: string[] }
  | { kind: 'error'; family: 'verify' | 'fatal'; message: string };

const DECODE_PREFIX = 'error unmarshaling JSON: while decoding JSON: json: cannot unmarshal';
const GO_UINT_MAX = 2 ** 64 - 1;
const GO_INT64_MAX = 2 ** 63 - 1;

/** Go's `open`/`read` error texts for the Node error codes a config path can hit. */
const OPEN_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  ENOTDIR: 'not a directory',
};

function readError(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (code === 'EISDIR') return `read ${path}: is a directory`;
  return `open ${path}: ${OPEN_ERRORS[code] ?? (error as Error).message}`;
}

/** The JSON type name Go's decoder uses for a value it cannot store. */
function jsonTypeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

const GO_UINT32_MAX = 2 ** 32 - 1;

/** Why a YAML value does not fit a Go field type (Go's words), or null when it fits. */
function misfit(value: unknown, goType: GoFieldType): string | null {
  if (goType === 'string') return typeof value === 'string' ? null : jsonTypeOf(value);
  if (goType === 'bool') return typeof value === 'boolean' ? null : jsonTypeOf(value);
  if (goType === '[]string') {
    if (!Array.isArray(value)) return jsonTypeOf(value);
    const item = value.find((element) => typeof element !== 'string');
    return item === undefined ? null : jsonTypeOf(item);
  }
  if (typeof value !== 'number') return jsonTypeOf(value);
  const signed = goType === 'int64' || goType === 'int' || goType === 'time.Duration';
  const fits = Number.isInteger(value) && (signed
    ? Math.abs(value) <= GO_INT64_MAX
    : value >= 0 && value <= (goType === 'uint32' ? GO_UINT32_MAX : GO_UINT_MAX));
  // For numeric fields Go also quotes the number it could not store.
  return fits ? null : `number ${String(value)}`;
}

/** etcd's label for a URL list it cannot set up (it calls advertise-client-urls "advertise-peer-urls"). */
function urlLabel(name: string): string {
  return name === 'advertise-client-urls' ? 'advertise-peer-urls' : name;
}

function toFlagValue(spec: FlagSpec, raw: string | number | boolean | string[]): FlagValue | ConfigFileResult {
  if (typeof raw === 'boolean') return raw;
  if (Array.isArray(raw)) return raw;
  // Go's time.Duration is a count of nanoseconds in JSON.
  if (typeof raw === 'number') return spec.type === 'duration' ? { durationNs: raw } : BigInt(raw);
  const value = parseFlagValue(spec, raw);
  if (typeof value === 'object' && 'error' in value) {
    if (spec.name === 'initial-cluster-state') return { kind: 'error', family: 'verify', message: `unexpected clusterState ${goQuote(raw)}` };
    if (spec.type === 'choice') return { kind: 'error', family: 'fatal', message: `unexpected error setting up ${spec.name} flag: invalid value ${goQuote(raw)}` };
    return { kind: 'error', family: 'fatal', message: `unexpected error setting up ${urlLabel(spec.name)}: ${value.error}` };
  }
  return value;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses config-file text. */
export function parseConfigText(text: string): ConfigFileResult {
  const document = YAML.parseDocument(text);
  const yamlError = document.errors[0];
  if (yamlError !== undefined) {
    const line = yamlError.linePos?.[0].line ?? 1;
    const reason = yamlError.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    return { kind: 'error', family: 'verify', message: `error converting YAML to JSON: yaml: line ${line}: ${reason}` };
  }
  const root: unknown = document.toJS() ?? {};
  if (!isMapping(root)) {
    return { kind: 'error', family: 'verify', message: `${DECODE_PREFIX} ${jsonTypeOf(root)} into Go value of type embed.configYAML` };
  }
  const sections = new Map<ConfigSection, Record<string, unknown>>();
  for (const section of CONFIG_SECTIONS) {
    const body = root[section] ?? {};
    if (!isMapping(body)) {
      return { kind: 'error', family: 'verify', message: `${DECODE_PREFIX} ${jsonTypeOf(body)} into Go struct field configYAML.${section} of type ${SECTION_GO_TYPES[section]}` };
    }
    sections.set(section, body);
  }
  const values = new Map<string, FlagValue>();
  for (const spec of FLAG_TABLE) {
    const config = spec.config;
    if (config === null) continue;
    const raw = config.section === undefined ? root[config.key] : sections.get(config.section)![config.key];
    if (raw === undefined || raw === null) continue;
    const field = config.section === undefined ? `configYAML.${config.key}` : `${SECTION_GO_TYPES[config.section].split('.')[1]}.${config.section}.${config.key}`;
    const wrongType = misfit(raw, config.type);
    if (wrongType !== null) {
      return { kind: 'error', family: 'verify', message: `${DECODE_PREFIX} ${wrongType} into Go struct field ${field} of type ${config.type}` };
    }
    const value = toFlagValue(spec, raw as string | number | boolean | string[]);
    if (typeof value === 'object' && 'kind' in value) return value;
    values.set(spec.name, value);
  }
  return { kind: 'values', values, warnings: unknownKeyWarnings(root, sections) };
}

/** The sections etcd's config struct nests keys in, with the Go type its decoder names. */
const CONFIG_SECTIONS: readonly ConfigSection[] = ['client-transport-security', 'peer-transport-security', 'socket-options'];
const SECTION_GO_TYPES: Readonly<Record<ConfigSection, string>> = {
  'client-transport-security': 'embed.securityConfig',
  'peer-transport-security': 'embed.securityConfig',
  'socket-options': 'transport.SocketOpts',
};

/** Keys the file holds that no flag reads: etcd drops them without a word; cairn says so. */
function unknownKeyWarnings(root: Record<string, unknown>, sections: ReadonlyMap<ConfigSection, Record<string, unknown>>): string[] {
  const known = new Set<string>(CONFIG_SECTIONS);
  for (const spec of FLAG_TABLE) {
    if (spec.config !== null) known.add(spec.config.section === undefined ? spec.config.key : `${spec.config.section}.${spec.config.key}`);
  }
  const unknown = Object.keys(root).filter((name) => !known.has(name));
  for (const [section, body] of sections) unknown.push(...Object.keys(body).map((name) => `${section}.${name}`).filter((name) => !known.has(name)));
  return unknown.map((name) => `unrecognized config-file key ${JSON.stringify(name)} is ignored (etcd ignores it too)`);
}

/** Reads and parses the config file at `path`. */
export function readConfigFile(path: string, readTextFile: ReadTextFile): ConfigFileResult {
  let text: string;
  try {
    text = readTextFile(path);
  } catch (error) {
    return { kind: 'error', family: 'verify', message: readError(path, error) };
  }
  return parseConfigText(text);
}
