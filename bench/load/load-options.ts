/**
 * What one load run does, and its parsing from command-line flags. The same options drive every
 * client process of a run (each gets its `processIndex`), whatever the protocol, so a workload
 * against cairn and against etcd differs only in `protocol` and `endpoints`.
 *
 *   --protocol native|grpc   --endpoints a,b,c   --connections N   --depth N (in flight per connection)
 *   --key-size 8  --value-size 256  --key-space 100000  --sequential
 *   --op put|range|range-serializable|txn|delete   or   --mix put=80,range=20
 *   --duration S  --warmup S   or   --count N        --rate OPS_PER_S (open loop; 0 = closed loop)
 *   --processes N  --seed N
 */

export const PROTOCOLS = ['native', 'grpc'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** The operations a workload mixes; `range` is linearizable, `range-serializable` is local. */
export const OPERATIONS = ['put', 'range', 'range-serializable', 'txn', 'delete'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** Operation -> relative weight (only positive weights are kept). */
export type OperationMix = Partial<Record<Operation, number>>;

export interface LoadOptions {
  protocol: Protocol;
  /** ws://host:port/ws for native, host:port for gRPC; connections are spread round-robin. */
  endpoints: string[];
  /** Connections over all client processes. */
  connections: number;
  /** Requests in flight per connection (closed loop), or the in-flight cap per connection (open loop). */
  depth: number;
  keySize: number;
  valueSize: number;
  keySpace: number;
  /** Keys 0, 1, 2, ... (interleaved across processes) instead of uniformly random. */
  sequential: boolean;
  mix: OperationMix;
  /** Measured seconds, after `warmupSeconds` unmeasured ones; ignored when `count` is set. */
  durationSeconds: number;
  warmupSeconds: number;
  /** Requests over all processes; 0 runs for `durationSeconds`. */
  count: number;
  /** Target requests/s over all processes (open loop); 0 is closed loop. */
  rate: number;
  processes: number;
  seed: number;
}

export const LOAD_DEFAULTS: LoadOptions = {
  protocol: 'native',
  endpoints: [],
  connections: 8,
  depth: 8,
  keySize: 8,
  valueSize: 256,
  keySpace: 100_000,
  sequential: false,
  mix: { put: 1 },
  durationSeconds: 10,
  warmupSeconds: 2,
  count: 0,
  rate: 0,
  processes: 1,
  seed: 1,
};

/** Bounds that keep a typo from starting something absurd on a 2-core machine. */
const CONNECTIONS_MAX = 4096;
const DEPTH_MAX = 4096;
const PROCESSES_MAX = 64;

export class UsageError extends Error {}

/** Parses `put=80,range=20` (or a single operation name) into a mix. */
export function parseMix(text: string): OperationMix {
  const mix: OperationMix = {};
  for (const part of text.split(',')) {
    const [name, weightText] = part.split('=') as [string, string | undefined];
    if (!(OPERATIONS as readonly string[]).includes(name)) {
      throw new UsageError(`unknown operation "${name}" (expected one of ${OPERATIONS.join(', ')})`);
    }
    const weight = weightText === undefined ? 1 : Number(weightText);
    if (!(weight >= 0) || !Number.isFinite(weight)) throw new UsageError(`bad weight for ${name}: "${weightText}"`);
    if (weight > 0) mix[name as Operation] = weight;
  }
  if (Object.keys(mix).length === 0) throw new UsageError('the operation mix has no positive weight');
  return mix;
}

/** An integer flag's value in [min, max], or a UsageError naming the flag (every bench command line uses these). */
export function integer(flag: string, text: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(text);
  if (text === undefined || !Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} needs an integer in [${min}, ${max}], got "${text ?? ''}"`);
  }
  return value;
}

/** A numeric flag's value, at least `min`. */
export function number(flag: string, text: string | undefined, min: number): number {
  const value = Number(text);
  if (text === undefined || text === '' || !Number.isFinite(value) || value < min) {
    throw new UsageError(`${flag} needs a number >= ${min}, got "${text ?? ''}"`);
  }
  return value;
}

/**
 * Applies one `--flag value` pair to `options`; returns false for a flag it does not know, so a
 * caller with flags of its own (the orchestrator) can share the parser.
 */
export function applyLoadFlag(options: LoadOptions, flag: string, value: string | undefined): boolean {
  switch (flag) {
    case '--protocol':
      if (!(PROTOCOLS as readonly string[]).includes(value ?? '')) throw new UsageError(`--protocol is native or grpc, got "${value ?? ''}"`);
      options.protocol = value as Protocol;
      return true;
    case '--endpoints': options.endpoints = (value ?? '').split(',').filter((endpoint) => endpoint !== ''); return true;
    case '--connections': options.connections = integer(flag, value, 1, CONNECTIONS_MAX); return true;
    case '--depth': options.depth = integer(flag, value, 1, DEPTH_MAX); return true;
    case '--key-size': options.keySize = integer(flag, value, 1, 1 << 16); return true;
    case '--value-size': options.valueSize = integer(flag, value, 0, 1 << 20); return true;
    case '--key-space': options.keySpace = integer(flag, value, 1); return true;
    case '--op': case '--mix': options.mix = parseMix(value ?? ''); return true;
    case '--duration': options.durationSeconds = number(flag, value, 0.1); return true;
    case '--warmup': options.warmupSeconds = number(flag, value, 0); return true;
    case '--count': options.count = integer(flag, value, 0); return true;
    case '--rate': options.rate = number(flag, value, 0); return true;
    case '--processes': options.processes = integer(flag, value, 1, PROCESSES_MAX); return true;
    case '--seed': options.seed = integer(flag, value, 0); return true;
    default: return false;
  }
}

/** Flags that take no value. */
export function applyLoadSwitch(options: LoadOptions, flag: string): boolean {
  if (flag !== '--sequential') return false;
  options.sequential = true;
  return true;
}

/** Checks what no single flag can: combinations. */
export function validateLoadOptions(options: LoadOptions): void {
  if (options.endpoints.length === 0) throw new UsageError('--endpoints is required');
  if (options.processes > options.connections) {
    throw new UsageError(`--processes (${options.processes}) cannot exceed --connections (${options.connections}): each process needs one`);
  }
  // Keys are the zero-padded decimal index: the key space must fit in key-size digits.
  if (String(options.keySpace - 1).length > options.keySize) {
    throw new UsageError(`--key-space ${options.keySpace} needs keys longer than --key-size ${options.keySize}`);
  }
}

/**
 * The flag at argv[i] as `--flag value` or `--flag=value`: its name, its value, and the index of
 * the last argument it used.
 */
/** A results name (--name): it becomes part of file names, so letters, digits, '.', '_' and '-' only. */
export function resultsName(flag: string, value: string | undefined): string {
  if (value === undefined || !/^[\w.-]+$/.test(value)) throw new UsageError(`${flag} needs letters, digits, '.', '_' or '-', got "${value ?? ''}"`);
  return value;
}

export function flagAt(argv: readonly string[], i: number): { flag: string; value: string | undefined; last: number } {
  const arg = argv[i]!;
  const equals = arg.indexOf('=');
  if (equals >= 0) return { flag: arg.slice(0, equals), value: arg.slice(equals + 1), last: i };
  return { flag: arg, value: argv[i + 1], last: i + 1 };
}

/** Parses a load generator command line (bench/load/run-load.ts). */
export function parseLoadArgs(argv: readonly string[]): LoadOptions {
  const options: LoadOptions = { ...LOAD_DEFAULTS, mix: { ...LOAD_DEFAULTS.mix } };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (applyLoadSwitch(options, flag)) continue;
    const { flag: name, value, last } = flagAt(argv, i);
    if (!applyLoadFlag(options, name, value)) throw new UsageError(`unknown flag ${flag}`);
    i = last;
  }
  validateLoadOptions(options);
  return options;
}

/** How many of `total` things process `index` of `processes` takes (the first ones take the remainder). */
export function shareOf(total: number, processes: number, index: number): number {
  return Math.floor(total / processes) + (index < total % processes ? 1 : 0);
}
