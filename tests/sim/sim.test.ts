import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { makeMessage, MessageType } from '../../engine/raft/message.js';
import { EntryType, type Entry } from '../../engine/raft/types.js';
import { SimDisk } from './sim-log.js';
import { SimScheduler } from './scheduler.js';
import { FAULT_PROFILES } from './faults.js';
import { InvariantChecker, type InvariantName } from './invariants.js';
import { RELIABLE_NETWORK, SimNetwork } from './network.js';
import { Prng } from './prng.js';
import { planSeed, runPlan, runSeed } from './run-seed.js';


function entry(index: number, term: number, text = `e${index}`): Entry {
  return { index, term, type: EntryType.Normal, data: new TextEncoder().encode(text) };
}

function logOf(entries: Entry[]) {
  return {
    firstIndex: () => entries[0].index,
    lastIndex: () => entries[entries.length - 1].index,
    term: (index: number) => entries.find((e) => e.index === index)?.term ?? { code: 'Unavailable' },
  };
}

function onlyViolation(checker: InvariantChecker): InvariantName {
  assert.equal(checker.violations.length, 1, JSON.stringify(checker.violations));
  return checker.violations[0].invariant;
}


test('the PRNG replays a seed exactly, and different seeds give different streams', () => {
  const a = new Prng(42);
  const b = new Prng(42);
  const c = new Prng(43);
  const streamA = Array.from({ length: 100 }, () => a.nextUint32());
  assert.deepEqual(Array.from({ length: 100 }, () => b.nextUint32()), streamA);
  assert.notDeepEqual(Array.from({ length: 100 }, () => c.nextUint32()), streamA);
  const prng = new Prng(7);
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 40_000; i++) counts[prng.int(4)]++;
  for (const count of counts) assert.ok(count > 9_000 && count < 11_000, `skewed: ${counts}`);
  for (let i = 0; i < 1000; i++) {
    const x = prng.float();
    assert.ok(x >= 0 && x < 1);
  }
});

test('the network delivers after the delay, drops across cut links, duplicates, and heals', () => {
  const network = new SimNetwork(new Prng(1), RELIABLE_NETWORK);
  const message = (from: number, to: number, index: number) => makeMessage({ type: MessageType.MsgApp, from, to, index });
  assert.equal(network.send(message(1, 2, 1), 0), true);
  assert.equal(network.send(message(1, 2, 2), 0), true);
  assert.deepEqual(network.takeDue(0), []);
  assert.deepEqual(network.takeDue(1).map((m) => m.index), [1, 2]);
  network.cut(1, 2);
  assert.equal(network.send(message(1, 2, 3), 1), false, 'a cut link drops');
  assert.equal(network.send(message(2, 1, 4), 1), true, 'the other direction still works');
  assert.deepEqual(network.takeDue(2).map((m) => m.index), [4]);
  network.heal();
  network.send(message(1, 2, 5), 2);
  network.send(message(1, 3, 6), 2);
  network.isolate(2, [1, 2, 3]);
  assert.deepEqual(network.takeDue(3).map((m) => m.index), [6], 'a message in flight is dropped when its link is cut');
  assert.equal(network.isConnected(3, 2), false);
  assert.equal(network.isConnected(3, 1), true);
  network.heal();
  network.setProfile({ ...RELIABLE_NETWORK, duplicateProbability: 1 });
  network.send(message(1, 3, 7), 5);
  assert.deepEqual(network.takeDue(6).map((m) => m.index), [7, 7]);
  assert.equal(network.inFlightCount(), 0);
});

test('a crash keeps whole synced batches and a prefix of unsynced ones, never half a batch', () => {
  let sawPartialPrefix = false;
  for (let seed = 1; seed <= 50; seed++) {
    const disk = new SimDisk();
    disk.write({ kind: 'append', entries: [entry(1, 1)], hardState: { term: 1, vote: 1, commit: 0 } });
    disk.fsync();
    disk.write({ kind: 'append', entries: [entry(2, 1)], hardState: { term: 1, vote: 1, commit: 2 } });
    disk.write({ kind: 'append', entries: [entry(3, 1)], hardState: undefined });
    disk.crash(new Prng(seed));
    const replay = disk.replay();
    const last = replay.entries.at(-1)!.index;
    assert.ok(last >= 1 && last <= 3);
    assert.equal(replay.hardState.commit, last >= 2 ? 2 : 0, 'a batch survives whole or not at all');
    if (last === 2) sawPartialPrefix = true;
  }
  assert.ok(sawPartialPrefix, 'some crash kept the first unsynced batch but not the second');
});

test('replay folds the log as the WAL does: a rewrite truncates the tail, a snapshot marker drops what it covers', () => {
  const disk = new SimDisk();
  disk.write({ kind: 'append', entries: [entry(1, 1), entry(2, 1), entry(3, 1)], hardState: { term: 1, vote: 1, commit: 1 } });
  disk.write({ kind: 'append', entries: [entry(2, 2)], hardState: { term: 2, vote: 2, commit: 2 } });
  disk.fsync();
  assert.deepEqual(disk.replay().entries.map((e) => `${e.index}@${e.term}`), ['1@1', '2@2']);
  disk.write({ kind: 'snapshot', meta: { index: 1, term: 1, confState: { voters: [1], learners: [] } } });
  disk.write({ kind: 'append', entries: [entry(3, 2)], hardState: undefined });
  disk.fsync();
  disk.releaseBefore(2);
  const replay = disk.replay();
  assert.equal(replay.snapshot?.index, 1);
  assert.deepEqual(replay.entries.map((e) => `${e.index}@${e.term}`), ['2@2', '3@2']);
  assert.deepEqual(replay.hardState, { term: 2, vote: 2, commit: 2 });
});

test('the scheduler runs events in time order, holds a paused member\'s until it resumes, and drops a crashed one\'s', async () => {
  const scheduler = new SimScheduler();
  const ran: string[] = [];
  const a = scheduler.clockFor(0);
  const b = scheduler.clockFor(0);
  a.setTimeout(() => ran.push(`a1@${scheduler.nowMs}`), 10);
  b.setTimeout(() => ran.push(`b1@${scheduler.nowMs}`), 5);
  const tick = a.setInterval(() => ran.push(`a-tick@${scheduler.nowMs}`), 4);
  b.pausedUntilMs = 30;
  b.setTimeout(() => ran.push(`b2@${scheduler.nowMs}`), 20);
  const dead = scheduler.clockFor(0);
  dead.setTimeout(() => ran.push('dead'), 1);
  dead.dead = true;
  await scheduler.runUntil(12);
  a.clear(tick);
  await scheduler.runUntil(40);
  assert.deepEqual(ran, ['a-tick@4', 'a-tick@8', 'a1@10', 'a-tick@12', 'b1@30', 'b2@30']);
  assert.equal(scheduler.nowMs, 40);
});

test('the invariant checks accept a healthy run', () => {
  const checker = new InvariantChecker();
  checker.observeLeader(1, 1);
  checker.observeLeader(1, 1);
  checker.observeAppend(1, [entry(1, 1), entry(2, 1)], 0);
  checker.observeAppend(2, [entry(1, 1), entry(2, 1)], 0);
  checker.observeAppend(2, [entry(2, 1)], 1);
  for (const member of [1, 2]) {
    checker.observeCommitted(member, entry(1, 1));
    checker.observeApplied(member, entry(1, 1));
    checker.observeApplied(member, entry(2, 1));
  }
  checker.observeLeader(2, 2);
  checker.checkLeaderCompleteness(2, 2, logOf([entry(1, 1), entry(2, 1), entry(3, 2)]));
  checker.checkDurableLog(1, logOf([entry(1, 1), entry(2, 3)]), 1);
  assert.deepEqual(checker.violations, []);
});

test('two leaders in one term break election safety', () => {
  const checker = new InvariantChecker();
  checker.observeLeader(1, 3);
  checker.observeLeader(2, 3);
  assert.equal(onlyViolation(checker), 'election safety');
});

test('a fabricated log mismatch breaks log matching (different data, or a different prefix)', () => {
  const data = new InvariantChecker();
  data.observeAppend(1, [entry(5, 2, 'put a')], 2);
  data.observeAppend(2, [entry(5, 2, 'put b')], 2);
  assert.equal(onlyViolation(data), 'log matching');
  const prefix = new InvariantChecker();
  prefix.observeAppend(1, [entry(5, 2, 'put a')], 1);
  prefix.observeAppend(2, [entry(5, 2, 'put a')], 2);
  assert.equal(onlyViolation(prefix), 'log matching');
});

test('a new leader missing a committed entry breaks leader completeness', () => {
  const short = new InvariantChecker();
  short.observeCommitted(1, entry(1, 1));
  short.observeCommitted(1, entry(2, 1));
  short.checkLeaderCompleteness(2, 2, logOf([entry(1, 1)]));
  assert.equal(onlyViolation(short), 'leader completeness');
  const replaced = new InvariantChecker();
  replaced.observeCommitted(1, entry(1, 1));
  replaced.observeCommitted(1, entry(2, 1));
  replaced.checkLeaderCompleteness(2, 2, logOf([entry(1, 1), entry(2, 2)]));
  assert.equal(onlyViolation(replaced), 'leader completeness');
});

test('applying different entries at one index, or skipping one, breaks state machine safety', () => {
  const different = new InvariantChecker();
  different.observeApplied(1, entry(1, 1, 'put a'));
  different.observeApplied(2, entry(1, 1, 'put b'));
  assert.equal(onlyViolation(different), 'state machine safety');
  const gap = new InvariantChecker();
  gap.observeApplied(1, entry(1, 1));
  gap.observeApplied(1, entry(3, 1));
  assert.equal(onlyViolation(gap), 'state machine safety');
});

test('a committed entry replaced, or lost from a restarted member, breaks committed durability', () => {
  const replaced = new InvariantChecker();
  replaced.observeCommitted(1, entry(4, 2));
  replaced.observeCommitted(2, entry(4, 3));
  assert.equal(onlyViolation(replaced), 'committed durability');
  const lost = new InvariantChecker();
  lost.observeCommitted(1, entry(1, 1));
  lost.observeCommitted(1, entry(2, 1));
  lost.checkDurableLog(3, logOf([entry(1, 1), entry(2, 2)]), 2);
  assert.equal(onlyViolation(lost), 'committed durability');
});

test('a seed replays exactly: two runs give the same history and the same counters', async () => {
  for (const seed of [3, 10, 11]) {
    const first = await runSeed(seed);
    const second = await runSeed(seed);
    assert.deepEqual(second, first);
    assert.ok(first.operationsChecked > 0);
  }
});

test('serializable reads from a partitioned member are caught by the linearizability check', async () => {
  const partitions = FAULT_PROFILES.find((profile) => profile.name === 'partitions')!;
  const caught: number[] = [];
  for (let seed = 1; seed <= 40 && caught.length === 0; seed++) {
    const plan = planSeed(seed);
    const result = await runPlan({
      ...plan,
      clusterSize: 3,
      profile: { ...partitions, partitionProbability: 0.05 },
      clients: { ...plan.clients, serializableReadProbability: 0.5, transactions: false },
    });
    if (result.violations.some((violation) => violation.startsWith('linearizability: '))) caught.push(seed);
  }
  assert.ok(caught.length > 0, 'no seed caught a stale serializable read');
});

test('a watcher that loses events is caught by the watch checks', async () => {
  const plan = planSeed(5);
  const result = await runPlan({ ...plan, watches: { ...plan.watches, lossProbability: 0.2 } });
  assert.ok(result.violations.some((violation) => /^watch: watcher \d+: event \d+ from revision \d+: got /.test(violation)), result.violations.join('\n'));
});

test('the sim command prints a summary line, and exits non-zero on bad arguments', () => {
  const cli = fileURLToPath(new URL('./cli.js', import.meta.url));
  const ok = spawnSync(process.execPath, [cli, '--seeds', '2', '--first-seed', '9'], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^sim: 2 seeds \(9\.\.10\), 0 with violations, \d+ ops checked/m);
  const bad = spawnSync(process.execPath, [cli, '--seeds', 'many'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--seeds needs an integer value/);
});
