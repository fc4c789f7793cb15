/**
 * The CI's sweep of simulator seeds, in two test files (seeds-a, seeds-b) so the test runner's two
 * slots take one each from the start. Each runs its seeds in tests of SEEDS_PER_TEST, then checks
 * that its seeds exercised every fault the profiles promise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAULT_PROFILES } from './faults.js';
import { runSeed, type SeedResult } from './run-seed.js';

const SEEDS_PER_TEST = 50;

function failuresOf(results: SeedResult[]): string[] {
  return results
    .filter((result) => result.violations.length > 0)
    .map((result) => `seed ${result.plan.seed}: ${result.violations.join('; ')} (replay: npm run sim -- --seeds 1 --first-seed ${result.plan.seed} --verbose)`);
}

/** Registers the tests of seeds first..last. */
export function sweep(first: number, last: number): void {
  const results: SeedResult[] = [];
  for (let from = first; from <= last; from += SEEDS_PER_TEST) {
    const to = Math.min(last, from + SEEDS_PER_TEST - 1);
    test(`seeds ${from}..${to} of mixed faults keep every Raft invariant, a linearizable history, equal stores and whole watches`, async () => {
      const part: SeedResult[] = [];
      for (let seed = from; seed <= to; seed++) part.push(await runSeed(seed));
      results.push(...part);
      assert.deepEqual(failuresOf(part), []);
      assert.ok(part.reduce((sum, result) => sum + result.operationsChecked, 0) > 50 * part.length);
    });
  }

  test(`seeds ${first}..${last} did what their profiles say: every size, crashes, pauses, partitions, lost messages, disk faults, snapshots, membership changes, watch resumes`, () => {
    assert.equal(results.length, last - first + 1, 'every seed ran');
    assert.deepEqual([...new Set(results.map((result) => result.plan.clusterSize))].sort(), [1, 3, 5]);
    const of = (name: string) => results.filter((result) => result.plan.profile.name === name && result.plan.clusterSize > 1);
    const sum = (list: SeedResult[], count: (result: SeedResult) => number) => list.reduce((total, result) => total + count(result), 0);
    assert.deepEqual(new Set(results.map((result) => result.plan.profile.name)), new Set(FAULT_PROFILES.map((profile) => profile.name)));
    // The end of a run crashes every member still up: only the run's own crashes count.
    const crashes = (result: SeedResult) => result.crashes - result.plan.clusterSize;
    const calm = of('calm');
    assert.equal(sum(calm, (r) => r.cluster.pauses + r.network.dropped + r.cluster.partitions + r.cluster.confChangesApplied + r.cluster.diskFaults), 0);
    assert.ok(sum(of('lossy-network'), (r) => r.network.dropped) > 0);
    assert.ok(sum(of('partitions'), (r) => r.cluster.partitions) > 0);
    assert.ok(sum(of('crashes'), crashes) > 0);
    assert.ok(sum(of('membership'), (r) => r.cluster.confChangesApplied) > 0);
    const chaos = of('chaos');
    assert.ok(sum(chaos, crashes) > 0 && sum(chaos, (r) => r.cluster.partitions) > 0 && sum(chaos, (r) => r.cluster.pauses) > 0);
    assert.ok(sum(results, (r) => r.cluster.diskFaults) > 0, 'some disk filled up');
    assert.ok(sum(results, (r) => r.cluster.selfStops) > 0, 'some member stopped itself (a storage fault or its removal)');
    assert.ok(sum(results, (r) => r.cluster.snapshotsSent) > 0, 'some follower caught up by snapshot');
    assert.ok(sum(results, (r) => r.watches.resumes) > 0, 'some watcher resumed on another member');
    // A cluster left without a quorum by a removal (run-seed.ts quorumLostToRemoval) is rare; many would hide a real liveness bug.
    assert.ok(results.filter((r) => r.quorumLost).length <= results.length / 50, 'few runs lost their quorum to a removal');
  });
}
