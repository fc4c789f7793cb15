import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrNoLeader, ErrTimeout, ErrTooManyRequests } from '../../engine/errors.js';
import { ReadIndexBatcher, type PendingRead } from '../../engine/node/read-index-batcher.js';
import { SYSTEM_CLOCK } from '../../engine/node/system-clock.js';

interface Harness {
  batcher: ReadIndexBatcher;
  asked: Uint8Array[];
  applied: number[];
}

function harness(options: { retryMs?: number; timeoutMs?: number; pendingMax?: number; refuse?: Error } = {}): Harness {
  const asked: Uint8Array[] = [];
  const applied: number[] = [];
  const batcher = new ReadIndexBatcher(7, options.timeoutMs ?? 10_000, options.retryMs ?? 10_000, options.pendingMax ?? 100,
    (context) => { asked.push(context); return options.refuse ?? null; },
    (index) => { applied.push(index); return Promise.resolve(); }, SYSTEM_CLOCK);
  return { batcher, asked, applied };
}

/** A read that records how it ended. */
function read(outcomes: string[], name: string): PendingRead {
  return { run: () => outcomes.push(`${name}:ran`), reject: (error) => outcomes.push(`${name}:${error.message}`) };
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

test('reads queued together share one ReadIndex round and run once its index is applied', async () => {
  const { batcher, asked, applied } = harness();
  const outcomes: string[] = [];
  for (const name of ['a', 'b', 'c']) batcher.enqueue(read(outcomes, name));
  batcher.flush();
  assert.equal(asked.length, 1, 'one round for three reads');
  batcher.onReadState(asked[0]!, 42);
  await until(() => outcomes.length === 3);
  assert.deepEqual(outcomes, ['a:ran', 'b:ran', 'c:ran']);
  assert.deepEqual(applied, [42]);
  assert.equal(batcher.pendingCount, 0);
  batcher.failAll(new Error('stop'));
});

test('an unanswered round is asked again under a fresh context; only the new context answers it', async () => {
  const { batcher, asked } = harness({ retryMs: 5 });
  const outcomes: string[] = [];
  batcher.enqueue(read(outcomes, 'a'));
  batcher.flush();
  await until(() => asked.length >= 2);
  assert.notDeepEqual(asked[1], asked[0], 'a fresh context');
  batcher.onReadState(asked[0]!, 1);
  await new Promise((resolve) => setTimeout(resolve, 1));
  assert.deepEqual(outcomes, [], 'an answer to the abandoned context runs nothing');
  batcher.onReadState(asked.at(-1)!, 2);
  await until(() => outcomes.length === 1);
  assert.deepEqual(outcomes, ['a:ran']);
  batcher.failAll(new Error('stop'));
});

test('a round without an answer by its deadline fails with etcd\'s "request timed out"', async () => {
  const { batcher } = harness({ retryMs: 5, timeoutMs: 30 });
  const outcomes: string[] = [];
  batcher.enqueue(read(outcomes, 'a'));
  batcher.flush();
  await until(() => outcomes.length === 1);
  assert.deepEqual(outcomes, [`a:${ErrTimeout.message}`]);
  assert.equal(batcher.pendingCount, 0);
});

test('reads beyond the bound are refused with "too many requests" until pending ones finish', async () => {
  const { batcher, asked } = harness({ pendingMax: 2 });
  const outcomes: string[] = [];
  batcher.enqueue(read(outcomes, 'a'));
  batcher.enqueue(read(outcomes, 'b'));
  batcher.flush();
  batcher.enqueue(read(outcomes, 'c'));
  assert.deepEqual(outcomes, [`c:${ErrTooManyRequests.message}`]);
  batcher.onReadState(asked[0]!, 3);
  await until(() => outcomes.length === 3);
  batcher.enqueue(read(outcomes, 'd'));
  assert.equal(batcher.pendingCount, 1, 'room again once the round ran');
  batcher.failAll(new Error('stop'));
  assert.deepEqual(outcomes.slice(3), ['d:stop']);
});

test('a round Raft refuses fails its reads with the refusal', () => {
  const { batcher } = harness({ refuse: ErrNoLeader });
  const outcomes: string[] = [];
  batcher.enqueue(read(outcomes, 'a'));
  batcher.flush();
  assert.deepEqual(outcomes, [`a:${ErrNoLeader.message}`]);
  assert.equal(batcher.pendingCount, 0);
});
