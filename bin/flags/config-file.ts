/**
 * The YAML config file, read as etcd reads its own: top-level keys named like the flags, TLS under
 * `client-transport-security` / `peer-transport-security`, unknown keys ignored, values typed as
 * etcd's Go struct types them. Error texts are etcd's (Go's JSON decoder speaks through them).
 */
import YAML from 'yaml';
import { FLAG_TABLE, type FlagSpec, type GoFieldType, type TlsSection } from './flag-table.js';
import { parseFlagValue, type FlagValue } from './flag-value.js';
import { goQuote } from './go-values.js';

/** Reads a file as UTF-8 text; throws a Node error (with `code`) when it cannot. */
export type ReadTextFile = (path: string) => string;

/**
 * Values the file sets, or an error. `family` says how etcd reports it: 'verify' errors read
 * "error verifying flags, ...", 'fatal' ones are printed bare.
 */
export type ConfigFileResult =
  | { kind: 'values'; values: Map<string, FlagValue> }
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

/** Why a YAML value does not fit a Go field type (Go's words), or null when it fits. */
function misfit(value: unknown, goType: GoFieldType): string | null {
  if (goType === 'string') return typeof value === 'string' ? null : jsonTypeOf(value);
  if (goType === 'bool') return typeof value === 'boolean' ? null : jsonTypeOf(value);
  if (typeof value !== 'number') return jsonTypeOf(value);
  const fits = Number.isInteger(value) && (goType === 'int64'
    ? Math.abs(value) <= GO_INT64_MAX
    : value >= 0 && value <= GO_UINT_MAX);
  // For numeric fields Go also quotes the number it could not store.
  return fits ? null : `number ${String(value)}`;
}

/** etcd's label for a URL list it cannot set up (it calls advertise-client-urls "advertise-peer-urls"). */
function urlLabel(name: string): string {
  return name === 'advertise-client-urls' ? 'advertise-peer-urls' : name;
}

function toFlagValue(spec: FlagSpec, raw: string | number | boolean): FlagValue | ConfigFileResult {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'number') return BigInt(raw);
  const value = parseFlagValue(spec, raw);
  if (typeof value === 'object' && 'error' in value) {
    if (spec.type === 'choice') return { kind: 'error', family: 'verify', message: `unexpected clusterState ${goQuote(raw)}` };
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
  const sections = new Map<TlsSection, Record<string, unknown>>();
  for (const section of ['client-transport-security', 'peer-transport-security'] as const) {
    const body = root[section] ?? {};
    if (!isMapping(body)) {
      return { kind: 'error', family: 'verify', message: `${DECODE_PREFIX} ${jsonTypeOf(body)} into Go struct field configYAML.${section} of type embed.securityConfig` };
    }
    sections.set(section, body);
  }
  const values = new Map<string, FlagValue>();
  for (const spec of FLAG_TABLE) {
    if (spec.configType === null) continue;
    const raw = spec.tls === undefined ? root[spec.name] : sections.get(spec.tls.section)![spec.tls.key];
    if (raw === undefined || raw === null) continue;
    const field = spec.tls === undefined ? `configYAML.${spec.name}` : `securityConfig.${spec.tls.section}.${spec.tls.key}`;
    const wrongType = misfit(raw, spec.configType);
    if (wrongType !== null) {
      return { kind: 'error', family: 'verify', message: `${DECODE_PREFIX} ${wrongType} into Go struct field ${field} of type ${spec.configType}` };
    }
    const value = toFlagValue(spec, raw as string | number | boolean);
    if (typeof value === 'object' && 'kind' in value) return value;
    values.set(spec.name, value);
  }
  return { kind: 'values', values };
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
