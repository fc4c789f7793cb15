import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLinearizable, type CheckResult } from './checker.js';
import { UNKNOWN_RETURN_TIME, type Operation } from './history.js';
import { applyKv, KV_MODEL, type KvInput, type KvOutput } from './kv-model.js';
import { randomLinearizableHistory } from './random-history.js';
import { Prng } from '../sim/prng.js';

type KvOp = Operation<KvInput, KvOutput>;
const LOST = UNKNOWN_RETURN_TIME;

function put(clientId: number, invokeTime: number, returnTime: number, key: string, value: string): KvOp {
  const output: KvOutput | undefined = returnTime === LOST ? undefined : { type: 'put' };
  return { clientId, invokeTime, returnTime, input: { type: 'put', key, value }, output };
}

function get(clientId: number, invokeTime: number, returnTime: number, key: string, value: string | null): KvOp {
  return { clientId, invokeTime, returnTime, input: { type: 'get', key }, output: { type: 'get', value } };
}

function del(clientId: number, invokeTime: number, returnTime: number, key: string): KvOp {
  return { clientId, invokeTime, returnTime, input: { type: 'delete', key }, output: { type: 'delete' } };
}

function cas(clientId: number, invokeTime: number, returnTime: number, key: string, expected: string | null, value: string, succeeded: boolean): KvOp {
  return { clientId, invokeTime, returnTime, input: { type: 'cas', key, expected, value }, output: { type: 'cas', succeeded } };
}

function check(history: KvOp[]): CheckResult<KvInput, KvOutput> {
  return checkLinearizable(KV_MODEL, history);
}

function assertOk(history: KvOp[]): void {
  const result = check(history);
  assert.equal(result.verdict, 'ok', result.failure?.explanation);
}

function assertIllegal(history: KvOp[]): CheckResult<KvInput, KvOutput> {
  const result = check(history);
  assert.equal(result.verdict, 'illegal');
  return result;
}

test('concurrent overlapping writes may land in either order', () => {
  const writes = [put(1, 0, 10, 'x', 'a'), put(2, 1, 9, 'x', 'b')];
  assertOk([...writes, get(3, 11, 12, 'x', 'a')]);
  assertOk([...writes, get(3, 11, 12, 'x', 'b')]);
  assertIllegal([...writes, get(3, 11, 12, 'x', null)]);
});

test('a read racing a write may see the old or the new value', () => {
  const race = [put(1, 0, 2, 'x', 'a'), put(1, 3, 10, 'x', 'b')];
  assertOk([...race, get(2, 4, 5, 'x', 'a')]);
  assertOk([...race, get(2, 4, 5, 'x', 'b')]);
  assertOk([...race, get(2, 4, 5, 'x', 'b'), get(3, 4, 6, 'x', 'a')]);
});

test('a timed-out write may have taken effect, late, or never', () => {
  const history = [put(1, 0, 2, 'x', 'a'), put(2, 3, LOST, 'x', 'b')];
  assertOk([...history, get(3, 10, 11, 'x', 'a')]);
  assertOk([...history, get(3, 10, 11, 'x', 'b')]);
  assertOk([...history, get(3, 10, 11, 'x', 'a'), get(3, 20, 21, 'x', 'b')]);
  assertIllegal([...history, get(3, 10, 11, 'x', 'b'), get(3, 20, 21, 'x', 'a')]);
});

test('a timed-out write cannot take effect before it was invoked', () => {
  assertIllegal([get(1, 0, 1, 'x', 'b'), put(2, 3, LOST, 'x', 'b')]);
});

test('a stale read after a completed write is rejected, naming the key and the read', () => {
  const stale = get(3, 4, 5, 'x', 'a');
  const result = assertIllegal([put(1, 0, 1, 'x', 'a'), put(2, 2, 3, 'x', 'b'), stale, put(4, 0, 1, 'y', 'z')]);
  assert.equal(result.failure?.label, 'key x');
  assert.deepEqual(result.failure?.unplaceable, stale);
  assert.equal(result.failure?.longestLinearizablePrefix.length, 2);
  assert.match(result.failure?.explanation ?? '', /no order can place client 3 get\(x\) -> "a"/);
});

test('a read of a value never written is rejected', () => {
  const result = assertIllegal([put(1, 0, 1, 'x', 'a'), get(2, 0, 5, 'x', 'ghost')]);
  assert.equal(result.failure?.longestLinearizablePrefix.length, 1);
});

test('a lost acknowledged write is rejected', () => {
  assertIllegal([put(1, 0, 1, 'x', 'a'), get(2, 2, 3, 'x', null)]);
});

test('reads across clients must not go back in time', () => {
  const write = put(1, 0, 10, 'x', 'b');
  assertOk([put(1, -2, -1, 'x', 'a'), write, get(2, 1, 2, 'x', 'a'), get(3, 3, 4, 'x', 'b')]);
  assertIllegal([put(1, -2, -1, 'x', 'a'), write, get(2, 1, 2, 'x', 'b'), get(3, 3, 4, 'x', 'a')]);
});

test('a compare-and-swap succeeds at most once on one expected value', () => {
  const setup = put(1, 0, 1, 'x', 'a');
  assertIllegal([setup, cas(2, 2, 5, 'x', 'a', 'b', true), cas(3, 3, 6, 'x', 'a', 'c', true)]);
  assertOk([setup, cas(2, 2, 5, 'x', 'a', 'b', true), cas(3, 3, 6, 'x', 'a', 'c', false), get(4, 7, 8, 'x', 'b')]);
  assertIllegal([setup, cas(2, 2, 5, 'x', 'a', 'b', false)]);
  assertOk([cas(2, 2, 5, 'x', null, 'b', true), get(4, 7, 8, 'x', 'b')]);
});

test('a delete makes the key absent', () => {
  assertOk([put(1, 0, 1, 'x', 'a'), del(1, 2, 3, 'x'), get(2, 4, 5, 'x', null)]);
  assertIllegal([put(1, 0, 1, 'x', 'a'), del(1, 2, 3, 'x'), get(2, 4, 5, 'x', 'a')]);
});

test('single-key histories are checked key by key; a multi-key txn joins its keys', () => {
  const singles = [put(1, 0, 1, 'x', 'a'), put(1, 2, 3, 'y', 'a'), put(1, 4, 5, 'z', 'a')];
  assert.equal(check(singles).partsChecked, 3);
  const txn: KvOp = {
    clientId: 2,
    invokeTime: 6,
    returnTime: 7,
    input: { type: 'txn', compares: [{ key: 'x', expected: 'a' }], success: [{ type: 'put', key: 'y', value: 'b' }], failure: [] },
    output: { type: 'txn', succeeded: true },
  };
  assert.equal(check([...singles, txn]).partsChecked, 2);
});

test('a transaction is atomic across keys', () => {
  const txn: KvOp = {
    clientId: 2,
    invokeTime: 2,
    returnTime: 3,
    input: {
      type: 'txn',
      compares: [{ key: 'x', expected: 'a' }, { key: 'y', expected: 'a' }],
      success: [{ type: 'put', key: 'x', value: 'b' }, { type: 'put', key: 'y', value: 'b' }],
      failure: [],
    },
    output: { type: 'txn', succeeded: true },
  };
  const setup = [put(1, 0, 1, 'x', 'a'), put(4, 0, 1, 'y', 'a')];
  assertOk([...setup, txn, get(3, 4, 5, 'x', 'b'), get(3, 6, 7, 'y', 'b')]);
  assertIllegal([...setup, txn, get(3, 4, 5, 'x', 'b'), get(3, 6, 7, 'y', 'a')]);
  assertIllegal([...setup, { ...txn, output: { type: 'txn', succeeded: false } }]);
});

test('an unknown write nobody read can still explain a failed compare-and-swap', () => {
  const history = [put(1, 0, 1, 'x', 'a'), put(2, 2, LOST, 'x', 'b'), cas(3, 5, 6, 'x', 'a', 'c', false)];
  assertOk(history);
  assertIllegal([put(1, 0, 1, 'x', 'a'), cas(3, 5, 6, 'x', 'a', 'c', false)]);
});

test('lost writes of values nobody read are interchangeable, so many of them stay cheap to check', () => {
  const lostWrites = Array.from({ length: 40 }, (_, i) => put(10 + i, i, LOST, 'x', `lost${i}`));
  const history = [put(1, -2, -1, 'x', 'a'), ...lostWrites, put(2, 100, 101, 'x', 'b'), get(3, 102, 103, 'x', 'a')];
  const result = checkLinearizable(KV_MODEL, history, { stepsMaxPerPart: 20_000 });
  assert.equal(result.verdict, 'illegal', 'decided within a small budget');
  assert.equal(result.failure?.unplaceable?.input.type, 'get');
});

test('a read with a lost response constrains nothing and is dropped before the search', () => {
  const lostRead: KvOp = { clientId: 2, invokeTime: 0, returnTime: LOST, input: { type: 'get', key: 'x' }, output: undefined };
  const result = check([put(1, 0, 1, 'x', 'a'), lostRead]);
  assert.equal(result.verdict, 'ok');
  assert.equal(result.operationsChecked, 1);
});

test('the search gives up with "unknown" when its step budget runs out', () => {
  const writes = Array.from({ length: 14 }, (_, i) => put(i, 0, 100, 'x', `v${i}`));
  const reads = Array.from({ length: 14 }, (_, i) => get(100 + i, 0, 100, 'x', `v${i}`));
  const result = checkLinearizable(KV_MODEL, [...writes, ...reads, get(999, 101, 102, 'x', 'never')], { stepsMaxPerPart: 50 });
  assert.equal(result.verdict, 'unknown');
  assert.equal(result.steps, 50);
  assert.match(result.failure?.explanation ?? '', /budget exhausted/);
});

test('a malformed history is refused', () => {
  assert.throws(() => check([put(1, 5, 4, 'x', 'a')]), /returns \(4\) before its invocation/);
  assert.throws(() => check([put(1, 0, 5, 'x', 'a'), put(1, 3, 6, 'x', 'b')]), /two operations in flight/);
  assert.throws(() => check([{ ...put(1, 0, 1, 'x', 'a'), output: undefined }]), /unknown output/);
});

test('random linearizable-by-construction histories are accepted (300 seeds, with lost responses and txns)', () => {
  for (let seed = 1; seed <= 300; seed++) {
    const history = randomLinearizableHistory(seed, {
      clients: 2 + (seed % 5),
      keys: 1 + (seed % 3),
      durationTicks: 60,
      latencyTicksMax: 1 + (seed % 6),
      lostProbability: seed % 2 === 0 ? 0.1 : 0,
      transactions: seed % 3 === 0,
    });
    const result = checkLinearizable(KV_MODEL, history);
    assert.equal(result.verdict, 'ok', `seed ${seed}: ${result.failure?.explanation}`);
  }
});

test('random histories with one read changed to a value never written are rejected (200 seeds)', () => {
  let mutated = 0;
  for (let seed = 1; seed <= 200; seed++) {
    const history = randomLinearizableHistory(seed, {
      clients: 2 + (seed % 4),
      keys: 1 + (seed % 3),
      durationTicks: 50,
      latencyTicksMax: 1 + (seed % 5),
      lostProbability: 0.05,
      transactions: false,
    });
    const reads = history.filter((op) => op.input.type === 'get' && op.output !== undefined);
    if (reads.length === 0) continue;
    const victim = reads[new Prng(seed).int(reads.length)];
    victim.output = { type: 'get', value: 'never-written' };
    const result = checkLinearizable(KV_MODEL, history);
    assert.equal(result.verdict, 'illegal', `seed ${seed}`);
    mutated++;
  }
  assert.ok(mutated > 150, `only ${mutated} seeds had a read to mutate`);
});

test('random sequential histories with one read changed to another value are rejected (200 seeds)', () => {
  let mutated = 0;
  for (let seed = 1; seed <= 200; seed++) {
    // One client and no lost responses: a sequential history has exactly one linearization.
    const history = randomLinearizableHistory(seed, {
      clients: 1,
      keys: 2,
      durationTicks: 80,
      latencyTicksMax: 3,
      lostProbability: 0,
      transactions: seed % 2 === 0,
    });
    const prng = new Prng(seed);
    const reads = history.filter((op) => op.input.type === 'get');
    if (reads.length === 0) continue;
    const victim = reads[prng.int(reads.length)];
    const seen = (victim.output as { value: string | null }).value;
    const written = history.flatMap((op) => (op.input.type === 'put' || op.input.type === 'cas' ? [op.input.value] : []));
    const candidates = [null, 'never-written', ...written].filter((value) => value !== seen);
    victim.output = { type: 'get', value: prng.pick(candidates) };
    assert.equal(checkLinearizable(KV_MODEL, history).verdict, 'illegal', `seed ${seed}`);
    mutated++;
  }
  assert.ok(mutated > 150, `only ${mutated} seeds had a read to mutate`);
});

/**
 * The definition, executed: try every order of the operations that respects real time, each
 * unknown one placed somewhere or nowhere. Exponential, so only for a handful of operations.
 */
function bruteForceLinearizable(history: KvOp[]): boolean {
  const placed = new Array<boolean>(history.length).fill(false);
  const search = (store: Map<string, string>, remainingKnown: number): boolean => {
    if (remainingKnown === 0) return true;
    for (let i = 0; i < history.length; i++) {
      if (placed[i]) continue;
      const op = history[i];
      // Every unplaced known operation that returned before this one was invoked must come first.
      const blocked = history.some((other, j) => !placed[j] && other.output !== undefined && other.returnTime < op.invokeTime);
      if (blocked) continue;
      const next = new Map(store);
      const actual = applyKv(next, op.input);
      if (op.output !== undefined && JSON.stringify(actual) !== JSON.stringify(op.output)) continue;
      placed[i] = true;
      const found = search(next, remainingKnown - (op.output === undefined ? 0 : 1));
      placed[i] = false;
      if (found) return true;
    }
    return false;
  };
  return search(new Map(), history.filter((op) => op.output !== undefined).length);
}

function randomSmallHistory(prng: Prng): KvOp[] {
  const values = ['a', 'b', 'c'];
  const maybe = () => (prng.chance(0.3) ? null : prng.pick(values));
  return Array.from({ length: 3 + prng.int(4) }, (_, clientId) => {
    const key = prng.pick(['x', 'y']);
    const invokeTime = prng.int(8);
    const returnTime = prng.chance(0.2) ? LOST : invokeTime + prng.int(5);
    const lost = returnTime === LOST;
    const roll = prng.int(5);
    if (roll === 0) return put(clientId, invokeTime, returnTime, key, prng.pick(values));
    if (roll === 1 && !lost) return get(clientId, invokeTime, returnTime, key, maybe());
    if (roll === 2 && !lost) return del(clientId, invokeTime, returnTime, key);
    if (roll === 3) {
      const op = cas(clientId, invokeTime, returnTime, key, maybe(), prng.pick(values), prng.chance(0.5));
      return lost ? { ...op, output: undefined } : op;
    }
    const op: KvOp = {
      clientId,
      invokeTime,
      returnTime,
      input: { type: 'txn', compares: [{ key: 'x', expected: maybe() }], success: [{ type: 'put', key: 'y', value: prng.pick(values) }], failure: [{ type: 'delete', key: 'x' }] },
      output: lost ? undefined : { type: 'txn', succeeded: prng.chance(0.5) },
    };
    return op;
  });
}

test('the checker agrees with a brute-force search on 3000 small random histories, legal and illegal', () => {
  const prng = new Prng(2024);
  let legal = 0;
  for (let i = 0; i < 3000; i++) {
    const history = randomSmallHistory(prng);
    const expected = bruteForceLinearizable(history);
    const result = checkLinearizable(KV_MODEL, history);
    assert.equal(result.verdict, expected ? 'ok' : 'illegal', `history ${i}: ${JSON.stringify(history)}`);
    if (expected) legal++;
  }
  assert.ok(legal > 300 && legal < 2700, `a mix of verdicts: ${legal} of 3000 legal`);
});
