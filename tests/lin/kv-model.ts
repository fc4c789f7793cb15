/**
 * The sequential specification of a key-value store with the operations the simulator's clients
 * issue: put, get, delete, compare-and-swap on one key, and multi-key transactions.
 *
 * Single-key operations on different keys commute, so the history splits into one part per key.
 * A multi-key transaction ties its keys together: the parts are the connected components of
 * "touched by one operation", so a history of single-key operations is checked key by key and one
 * with transactions spanning every key is checked as a whole (the general path).
 */
import type { Model } from './checker.js';
import type { Operation } from './history.js';

/** A write inside a transaction. */
export type KvWrite = { type: 'put'; key: string; value: string } | { type: 'delete'; key: string };

/** A transaction guard: the key holds `expected` (null: the key is absent). */
export interface KvCompare {
  key: string;
  expected: string | null;
}

/** What a client asks. */
export type KvInput =
  | { type: 'put'; key: string; value: string }
  | { type: 'get'; key: string }
  | { type: 'delete'; key: string }
  /** If the key holds `expected` (null: absent), set it to `value`; else change nothing. */
  | { type: 'cas'; key: string; expected: string | null; value: string }
  /** If every compare holds, apply `success`, else `failure` (etcd's Txn with value compares). */
  | { type: 'txn'; compares: KvCompare[]; success: KvWrite[]; failure: KvWrite[] };

/** What the store answers; `type` matches the input's. */
export type KvOutput =
  | { type: 'put' }
  | { type: 'get'; value: string | null }
  | { type: 'delete' }
  | { type: 'cas'; succeeded: boolean }
  | { type: 'txn'; succeeded: boolean };

/** An immutable map from key to value; absent keys are absent. */
export type KvState = ReadonlyMap<string, string>;

/** Every key an operation reads or writes. */
export function keysOf(input: KvInput): string[] {
  if (input.type !== 'txn') return [input.key];
  const keys = new Set<string>();
  for (const compare of input.compares) keys.add(compare.key);
  for (const write of input.success) keys.add(write.key);
  for (const write of input.failure) keys.add(write.key);
  return [...keys];
}

/**
 * Applies an input to a plain map and returns the output: the reference implementation that both
 * the model and the simulator's state machine use, so they cannot disagree on semantics.
 */
export function applyKv(store: Map<string, string>, input: KvInput): KvOutput {
  switch (input.type) {
    case 'put':
      store.set(input.key, input.value);
      return { type: 'put' };
    case 'get':
      return { type: 'get', value: store.get(input.key) ?? null };
    case 'delete':
      store.delete(input.key);
      return { type: 'delete' };
    case 'cas': {
      const succeeded = (store.get(input.key) ?? null) === input.expected;
      if (succeeded) store.set(input.key, input.value);
      return { type: 'cas', succeeded };
    }
    case 'txn': {
      const succeeded = input.compares.every((compare) => (store.get(compare.key) ?? null) === compare.expected);
      for (const write of succeeded ? input.success : input.failure) {
        if (write.type === 'put') store.set(write.key, write.value);
        else store.delete(write.key);
      }
      return { type: 'txn', succeeded };
    }
  }
}

function sameOutput(a: KvOutput, b: KvOutput): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'get') return a.value === (b as typeof a).value;
  if (a.type === 'cas' || a.type === 'txn') return a.succeeded === (b as typeof a).succeeded;
  return true;
}

/** Union-find over keys, to group the operations that must be checked together. */
function componentOf(parent: Map<string, string>, key: string): string {
  let root = key;
  for (let hops = 0; parent.get(root) !== root; hops++) {
    if (hops > parent.size) throw new Error('key union-find has a cycle');
    root = parent.get(root)!;
  }
  parent.set(key, root);
  return root;
}

/** Stands for every value that no operation ever read or compared against. */
export const UNREAD_VALUE = '<unread>';

/** Values that some operation reads or compares against (so they must keep their identity). */
function mentionedValues(ops: readonly Operation<KvInput, KvOutput>[]): Set<string> {
  const mentioned = new Set<string>();
  for (const { input, output } of ops) {
    if (output?.type === 'get' && output.value !== null) mentioned.add(output.value);
    if (input.type === 'cas' && input.expected !== null) mentioned.add(input.expected);
    if (input.type === 'txn') for (const compare of input.compares) if (compare.expected !== null) mentioned.add(compare.expected);
  }
  return mentioned;
}

function withUnreadValues(input: KvInput, mentioned: Set<string>): KvInput {
  const rename = (value: string) => (mentioned.has(value) ? value : UNREAD_VALUE);
  const renameWrite = (write: KvWrite): KvWrite => (write.type === 'put' ? { ...write, value: rename(write.value) } : write);
  if (input.type === 'put' || input.type === 'cas') return { ...input, value: rename(input.value) };
  if (input.type === 'txn') return { ...input, success: input.success.map(renameWrite), failure: input.failure.map(renameWrite) };
  return input;
}

/**
 * Renames every written value that nothing reads or compares against to UNREAD_VALUE. No output
 * or compare can tell such values apart (they differ from every value anyone looks for), so the
 * renamed history is linearizable exactly when the original is; but now lost writes of unread
 * values have equal inputs, which the checker treats as interchangeable, and states that differ
 * only in unread values share a cache entry. Without it, k lost writes cost 2^k configurations.
 */
function renameUnreadValues(ops: readonly Operation<KvInput, KvOutput>[]): Operation<KvInput, KvOutput>[] {
  const mentioned = mentionedValues(ops);
  return ops.map((op) => ({ ...op, input: withUnreadValues(op.input, mentioned) }));
}

function partitionByKeys(history: readonly Operation<KvInput, KvOutput>[]): Operation<KvInput, KvOutput>[][] {
  const ops = renameUnreadValues(history);
  const parent = new Map<string, string>();
  for (const op of ops) {
    const keys = keysOf(op.input);
    for (const key of keys) if (!parent.has(key)) parent.set(key, key);
    for (const key of keys.slice(1)) parent.set(componentOf(parent, key), componentOf(parent, keys[0]));
  }
  const parts = new Map<string, Operation<KvInput, KvOutput>[]>();
  for (const op of ops) {
    const root = componentOf(parent, keysOf(op.input)[0]);
    const part = parts.get(root) ?? [];
    part.push(op);
    parts.set(root, part);
  }
  return [...parts.values()];
}

function quote(value: string | null): string {
  if (value === UNREAD_VALUE) return value;
  return value === null ? 'null' : JSON.stringify(value);
}

function describeInput(input: KvInput): string {
  switch (input.type) {
    case 'put':
      return `put(${input.key}, ${quote(input.value)})`;
    case 'get':
      return `get(${input.key})`;
    case 'delete':
      return `delete(${input.key})`;
    case 'cas':
      return `cas(${input.key}, ${quote(input.expected)} -> ${quote(input.value)})`;
    case 'txn':
      return `txn(if ${input.compares.map((c) => `${c.key}==${quote(c.expected)}`).join(' && ')} then ${input.success.length} writes else ${input.failure.length} writes)`;
  }
}

function describeOutput(output: KvOutput | undefined): string {
  if (output === undefined) return '?';
  if (output.type === 'get') return quote(output.value);
  if (output.type === 'cas' || output.type === 'txn') return output.succeeded ? 'succeeded' : 'failed';
  return 'ok';
}

/** Values an operation writes. */
function writtenValues(input: KvInput): string[] {
  if (input.type === 'put' || input.type === 'cas') return [input.value];
  if (input.type !== 'txn') return [];
  const values: string[] = [];
  for (const write of [...input.success, ...input.failure]) if (write.type === 'put') values.push(write.value);
  return values;
}

/** Values a completed operation saw: what a get returned, what a successful compare matched. */
function observedValues(op: Operation<KvInput, KvOutput>): string[] {
  const { input, output } = op;
  if (output === undefined) return [];
  if (output.type === 'get' && output.value !== null) return [output.value];
  if (input.type === 'cas' && output.type === 'cas' && output.succeeded && input.expected !== null) return [input.expected];
  if (input.type === 'txn' && output.type === 'txn' && output.succeeded) {
    return input.compares.flatMap((compare) => (compare.expected === null ? [] : [compare.expected]));
  }
  return [];
}

/**
 * Writes with an unknown outcome whose values nobody ever saw: most of them never took effect (a
 * timed-out proposal that was dropped), and leaving them out first spares the search from trying
 * each of them at every point. Deletes are kept: their effect (an absent key) cannot be told apart.
 */
function probablyIneffective(ops: readonly Operation<KvInput, KvOutput>[]): Set<Operation<KvInput, KvOutput>> {
  const observed = new Set<string>();
  for (const op of ops) for (const value of observedValues(op)) observed.add(value);
  const ineffective = new Set<Operation<KvInput, KvOutput>>();
  for (const op of ops) {
    if (op.output !== undefined || op.input.type === 'delete') continue;
    if (writtenValues(op.input).every((value) => !observed.has(value))) ineffective.add(op);
  }
  return ineffective;
}

/** The KV model for `checkLinearizable`. */
export const KV_MODEL: Model<KvState, KvInput, KvOutput> = {
  init: () => new Map(),
  step(state, input, output) {
    const next = new Map(state);
    const actual = applyKv(next, input);
    if (output !== undefined && !sameOutput(actual, output)) return undefined;
    return next;
  },
  hash(state) {
    return JSON.stringify([...state.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  },
  partition: partitionByKeys,
  describePartition(ops) {
    const keys = new Set<string>();
    for (const op of ops) for (const key of keysOf(op.input)) keys.add(key);
    return `key${keys.size === 1 ? '' : 's'} ${[...keys].sort().join(', ')}`;
  },
  describeOperation: (input, output) => `${describeInput(input)} -> ${describeOutput(output)}`,
  isReadOnly: (input) => input.type === 'get',
  inputKey: (input) => JSON.stringify(input),
  probablyIneffective,
};
