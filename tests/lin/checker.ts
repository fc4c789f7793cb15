/**
 * A linearizability checker: Wing & Gong's search over linearization points with Lowe's
 * memoization, in the style popularised by porcupine.
 *
 * The history becomes a doubly-linked list of call and return events in time order. The search
 * walks the list from the front; at a call it tries to linearize that operation now (the model
 * must accept its output from the current state). On success the operation's events are lifted
 * out of the list and the walk restarts from the front; at a return whose operation is not yet
 * linearized, no order works from here, so it backtracks to the last choice and tries the next
 * call after it. A cache of (set of linearized operations, model state) prunes configurations
 * already explored: the same set from the same state always leads to the same outcome.
 *
 * Operations with an unknown outcome have no return event: they may be linearized anywhere after
 * their call, and the search succeeds as soon as every operation with a known outcome is placed
 * (placing the unknown ones last, or never, is always possible because an unknown output
 * constrains nothing). They are what makes real histories expensive, so three things tame them:
 *   - a fast path that first leaves out those the model deems probably ineffective;
 *   - domination in the cache: linearizing more unknown operations into the same state never helps;
 *   - interchangeable twins: of unknown operations with equal inputs, only the earliest is tried.
 *
 * The model partitions the history (by key for a KV store) and each part is checked alone, which
 * turns one exponential search into several small ones. The tests compare the verdicts with a
 * brute-force search over every order.
 */
import { isUnknown, type Operation, validateHistory } from './history.js';

/** A sequential specification of the system under test. */
export interface Model<State, Input, Output> {
  /** The state before any operation. */
  init(): State;
  /**
   * Applies one operation. Returns the next state when the model, from `state`, could have
   * produced `output` (any output is possible when it is undefined), else undefined.
   */
  step(state: State, input: Input, output: Output | undefined): State | undefined;
  /** A string equal for equal states and different for different ones (the cache key). */
  hash(state: State): string;
  /** Splits the history into parts that can be checked independently (operations keep their order). */
  partition(ops: readonly Operation<Input, Output>[]): Operation<Input, Output>[][];
  /** Names a part in a failure report (for a KV store: its keys). */
  describePartition(ops: readonly Operation<Input, Output>[]): string;
  /** One operation, readable: `get(k1) -> "v3"`. */
  describeOperation(input: Input, output: Output | undefined): string;
  /**
   * True when an operation with an unknown output can be dropped before the search because it
   * cannot have changed the state (a read).
   */
  isReadOnly(input: Input): boolean;
  /** A string equal for equal inputs: unknown operations with equal inputs are interchangeable. */
  inputKey(input: Input): string;
  /**
   * Operations with an unknown outcome that probably never took effect (for a KV store: writes of
   * values no response ever showed). The checker first searches without them, which is sound in
   * one direction only: a linearization without them is one with them placed never. If that
   * search fails, it searches again with everything.
   */
  probablyIneffective(ops: readonly Operation<Input, Output>[]): Set<Operation<Input, Output>>;
}

/** Whether the history is linearizable: yes, no, or the search ran out of steps. */
export type Verdict = 'ok' | 'illegal' | 'unknown';

/** Why a part of the history is not linearizable (or could not be decided). */
export interface PartFailure<Input, Output> {
  /** Which part: its keys. */
  label: string;
  /** The longest order of operations the model accepted (a linearizable prefix). */
  longestLinearizablePrefix: Operation<Input, Output>[];
  /** An operation that could not be placed after that prefix (undefined when out of steps). */
  unplaceable: Operation<Input, Output> | undefined;
  /** One paragraph for a human. */
  explanation: string;
}

/** The checker's answer. */
export interface CheckResult<Input, Output> {
  verdict: Verdict;
  /** Set when the verdict is 'illegal' (the first illegal part) or 'unknown' (the first undecided part). */
  failure: PartFailure<Input, Output> | undefined;
  partsChecked: number;
  /** Operations given to the search (reads with an unknown output are dropped first). */
  operationsChecked: number;
  /** Search steps over all parts. */
  steps: number;
}

/** Bounds on the search. */
export interface CheckOptions {
  /** Search steps allowed per part before giving up with 'unknown'. */
  stepsMaxPerPart: number;
}

/** About two seconds of search: enough for the simulator's histories except pathological piles of lost writes. */
export const DEFAULT_CHECK_OPTIONS: Readonly<CheckOptions> = Object.freeze({ stepsMaxPerPart: 1_000_000 });

/** Checks a whole history against a model. Throws on a malformed history (see validateHistory). */
export function checkLinearizable<State, Input, Output>(
  model: Model<State, Input, Output>,
  history: readonly Operation<Input, Output>[],
  options: CheckOptions = DEFAULT_CHECK_OPTIONS,
): CheckResult<Input, Output> {
  validateHistory(history);
  const relevant = history.filter((op) => !(isUnknown(op) && model.isReadOnly(op.input)));
  const parts = model.partition(relevant);
  // The model may hand back rewritten copies of the operations; failures name the originals.
  const originals = new Map(relevant.map((op) => [`${op.clientId}/${op.invokeTime}`, op]));
  const originalOf = (op: Operation<Input, Output>) => originals.get(`${op.clientId}/${op.invokeTime}`) ?? op;
  let undecided: PartFailure<Input, Output> | undefined;
  let steps = 0;
  for (const part of parts) {
    const outcome = checkPartWithFastPath(model, part, options.stepsMaxPerPart);
    steps += outcome.steps;
    if (outcome.verdict === 'ok') continue;
    const failure = describeFailure(model, part.map(originalOf), outcome.prefix.map(originalOf), outcome.blocker && originalOf(outcome.blocker));
    if (outcome.verdict === 'illegal') {
      return { verdict: 'illegal', failure, partsChecked: parts.length, operationsChecked: relevant.length, steps };
    }
    undecided ??= failure;
  }
  const verdict: Verdict = undecided === undefined ? 'ok' : 'unknown';
  return { verdict, failure: undecided, partsChecked: parts.length, operationsChecked: relevant.length, steps };
}

/**
 * Searches without the operations the model deems probably ineffective first (usually far fewer
 * choices), then, if that fails, with everything; both searches share the step budget.
 */
function checkPartWithFastPath<State, Input, Output>(
  model: Model<State, Input, Output>,
  ops: readonly Operation<Input, Output>[],
  stepsMax: number,
): PartOutcome<Input, Output> {
  const ineffective = model.probablyIneffective(ops);
  for (const op of ineffective) if (!isUnknown(op)) throw new Error('probablyIneffective returned an operation with a known outcome');
  if (ineffective.size === 0) return checkPart(model, ops, stepsMax);
  const fast = checkPart(model, ops.filter((op) => !ineffective.has(op)), stepsMax);
  if (fast.verdict === 'ok') return fast;
  const full = checkPart(model, ops, Math.max(1, stepsMax - fast.steps));
  return { ...full, steps: fast.steps + full.steps };
}

/** One event in the time-ordered list; a call links to its operation's return (if any). */
interface EventNode {
  opIndex: number;
  isCall: boolean;
  match: EventNode | null;
  prev: EventNode | null;
  next: EventNode | null;
}

/**
 * Builds the event list behind a sentinel head. At equal times calls come before returns, so two
 * operations that touch at one instant count as concurrent (the lenient reading: a clock tick is
 * coarser than the real order of events inside it).
 */
function buildEventList(ops: readonly Operation<unknown, unknown>[]): EventNode {
  const events: { time: number; node: EventNode }[] = [];
  ops.forEach((op, opIndex) => {
    const call: EventNode = { opIndex, isCall: true, match: null, prev: null, next: null };
    events.push({ time: op.invokeTime, node: call });
    if (!isUnknown(op)) {
      const ret: EventNode = { opIndex, isCall: false, match: null, prev: null, next: null };
      call.match = ret;
      events.push({ time: op.returnTime, node: ret });
    }
  });
  events.sort((a, b) => a.time - b.time || Number(b.node.isCall) - Number(a.node.isCall) || a.node.opIndex - b.node.opIndex);
  const head: EventNode = { opIndex: -1, isCall: false, match: null, prev: null, next: null };
  let last = head;
  for (const { node } of events) {
    last.next = node;
    node.prev = last;
    last = node;
  }
  return head;
}

/** Removes a node from the list; it keeps its own links so `relink` can put it back. */
function unlink(node: EventNode): void {
  node.prev!.next = node.next;
  if (node.next !== null) node.next.prev = node.prev;
}

function relink(node: EventNode): void {
  node.prev!.next = node;
  if (node.next !== null) node.next.prev = node;
}

/** Lifts an operation (its call, and its return if it has one) out of the list. */
function lift(call: EventNode): void {
  unlink(call);
  if (call.match !== null) unlink(call.match);
}

/** Undoes `lift`, in reverse order so the links come back exactly. */
function unlift(call: EventNode): void {
  if (call.match !== null) relink(call.match);
  relink(call);
}

/** A set of operations (by index) as a bitset, with a compact string form for the cache key. */
class OpSet {
  readonly words: Uint32Array;

  constructor(size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32));
  }

  has(index: number): boolean {
    return (this.words[index >>> 5] & (1 << (index & 31))) !== 0;
  }

  set(index: number): void {
    this.words[index >>> 5] |= 1 << (index & 31);
  }

  clear(index: number): void {
    this.words[index >>> 5] &= ~(1 << (index & 31));
  }

  /** Two UTF-16 code units per word: short, and cheap to hash for the Map. */
  key(): string {
    let out = '';
    for (const word of this.words) out += String.fromCharCode(word & 0xffff, word >>> 16);
    return out;
  }
}

/** True when every member of `a` is in `b`. */
function isSubset(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if ((a[i] & ~b[i]) !== 0) return false;
  return true;
}

/**
 * The configurations already explored: (known-outcome operations linearized, unknown-outcome
 * operations linearized, model state). Lowe's memoization, plus domination: a configuration that
 * linearized a superset of the unknown operations of an explored one, with the same known ones and
 * the same state, can do nothing the explored one could not (its extra unknown operations can still
 * be placed later, or never), so it is pruned too. Without that, every lost write whose effect a
 * later write overwrote would double the configurations.
 */
class ConfigurationCache {
  private readonly entries = new Map<string, Uint32Array[]>();

  /** Records a configuration; false when it, or one that dominates it, was explored before. */
  add(known: OpSet, unknown: OpSet, stateHash: string): boolean {
    const key = known.key() + '\u0000' + stateHash;
    const explored = this.entries.get(key);
    if (explored === undefined) {
      this.entries.set(key, [unknown.words.slice()]);
      return true;
    }
    for (const words of explored) if (isSubset(words, unknown.words)) return false;
    const kept = explored.filter((words) => !isSubset(unknown.words, words));
    kept.push(unknown.words.slice());
    this.entries.set(key, kept);
    return true;
  }
}

interface PartOutcome<Input, Output> {
  verdict: Verdict;
  steps: number;
  /** The longest linearizable order found (meaningful unless the verdict is 'ok'). */
  prefix: Operation<Input, Output>[];
  /** The operation that could not be placed after it ('illegal' only). */
  blocker: Operation<Input, Output> | undefined;
}

interface Choice<State> {
  call: EventNode;
  stateBefore: State;
}

/**
 * Groups unknown operations with equal inputs, each group in invocation order. Two of them are
 * interchangeable: same effect, no return to respect. So if a linearization places the later one
 * at some point, placing the earlier one there instead is valid too, and the search only ever
 * tries the earliest not-yet-linearized member of a group (otherwise k lost deletes of one key
 * would cost 2^k subsets instead of k + 1 counts). Known operations map to undefined.
 */
function interchangeableGroups<Input, Output>(
  model: Model<unknown, Input, Output>,
  ops: readonly Operation<Input, Output>[],
  head: EventNode,
): (number[] | undefined)[] {
  const groups = new Map<string, number[]>();
  const groupOf: (number[] | undefined)[] = new Array(ops.length).fill(undefined);
  for (let node = head.next; node !== null; node = node.next) {
    if (!node.isCall || !isUnknown(ops[node.opIndex])) continue;
    const key = model.inputKey(ops[node.opIndex].input);
    const group = groups.get(key) ?? [];
    group.push(node.opIndex);
    groups.set(key, group);
    groupOf[node.opIndex] = group;
  }
  return groupOf;
}

/** True when an earlier member of the operation's group is still waiting to be linearized. */
function hasEarlierTwin(group: readonly number[] | undefined, opIndex: number, linearized: OpSet): boolean {
  if (group === undefined) return false;
  for (const member of group) {
    if (member === opIndex) return false;
    if (!linearized.has(member)) return true;
  }
  return false;
}

/** The search over one part; see the file comment. */
function checkPart<State, Input, Output>(
  model: Model<State, Input, Output>,
  ops: readonly Operation<Input, Output>[],
  stepsMax: number,
): PartOutcome<Input, Output> {
  const head = buildEventList(ops);
  const groupOf = interchangeableGroups(model as Model<unknown, Input, Output>, ops, head);
  const linearizedKnown = new OpSet(ops.length);
  const linearizedUnknown = new OpSet(ops.length);
  const setOf = (opIndex: number) => (isUnknown(ops[opIndex]) ? linearizedUnknown : linearizedKnown);
  const cache = new ConfigurationCache();
  const stack: Choice<State>[] = [];
  let knownRemaining = ops.filter((op) => !isUnknown(op)).length;
  let state = model.init();
  let best: number[] = [];
  let blocker: number | undefined;
  let node = head.next;
  for (let steps = 1; steps <= stepsMax; steps++) {
    if (knownRemaining === 0) return { verdict: 'ok', steps, prefix: [], blocker: undefined };
    // Every operation with a known outcome still has its return in the list, so the walk meets a
    // return before it runs off the end.
    if (node === null) throw new Error('linearizability search walked past the last return');
    if (node.isCall) {
      const op = ops[node.opIndex];
      const twin = hasEarlierTwin(groupOf[node.opIndex], node.opIndex, linearizedUnknown);
      const next = twin ? undefined : model.step(state, op.input, op.output);
      if (next !== undefined) {
        setOf(node.opIndex).set(node.opIndex);
        if (cache.add(linearizedKnown, linearizedUnknown, model.hash(next))) {
          stack.push({ call: node, stateBefore: state });
          state = next;
          lift(node);
          if (!isUnknown(op)) knownRemaining--;
          if (stack.length > best.length) {
            best = stack.map((choice) => choice.call.opIndex);
            blocker = undefined;
          }
          node = head.next;
          continue;
        }
        setOf(node.opIndex).clear(node.opIndex);
      }
      node = node.next;
      continue;
    }
    // A return whose operation is not linearized: nothing placed so far can be extended past it.
    if (stack.length === best.length && blocker === undefined) blocker = node.opIndex;
    const choice = stack.pop();
    if (choice === undefined) {
      return { verdict: 'illegal', steps, prefix: best.map((index) => ops[index]), blocker: blocker === undefined ? undefined : ops[blocker] };
    }
    state = choice.stateBefore;
    setOf(choice.call.opIndex).clear(choice.call.opIndex);
    unlift(choice.call);
    if (!isUnknown(ops[choice.call.opIndex])) knownRemaining++;
    node = choice.call.next;
  }
  return { verdict: 'unknown', steps: stepsMax, prefix: best.map((index) => ops[index]), blocker: undefined };
}

function describeFailure<State, Input, Output>(
  model: Model<State, Input, Output>,
  ops: readonly Operation<Input, Output>[],
  prefix: Operation<Input, Output>[],
  unplaceable: Operation<Input, Output> | undefined,
): PartFailure<Input, Output> {
  const label = model.describePartition(ops);
  const show = (op: Operation<Input, Output>): string =>
    `client ${op.clientId} ${model.describeOperation(op.input, op.output)} [${op.invokeTime}, ${isUnknown(op) ? '?' : op.returnTime}]`;
  const explanation =
    unplaceable === undefined
      ? `${label}: search budget exhausted after a linearizable prefix of ${prefix.length} of ${ops.length} operations`
      : `${label}: after a linearizable prefix of ${prefix.length} of ${ops.length} operations` +
        (prefix.length > 0 ? ` (last: ${show(prefix[prefix.length - 1])})` : '') +
        `, no order can place ${show(unplaceable)}`;
  return { label, longestLinearizablePrefix: prefix, unplaceable, explanation };
}
