/** The read-storm verdict: an election shows as a leader change seen by any member or as a term that moved. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agreedLeader, leaderChangesOf, noElection, type ServerRun } from '../../bench/readstorm/readstorm-result.js';
import { counterDelta, unexported } from '../../bench/readstorm/member-counter.js';
import type { RaftStatus } from '../../bench/readstorm/raft-status.js';

function status(term: number | null, leaders: (string | null)[]): RaftStatus {
  return { term, members: Object.fromEntries(leaders.map((leader, i) => [`m${i + 1}`, { term, leader }])) };
}

function run(changes: Record<string, number | null>, before: RaftStatus, after: RaftStatus): ServerRun {
  return { storm: { leader_changes: changes, raft_before: before, raft_after: after } } as unknown as ServerRun;
}

test('no leader change and the same term is no election', () => {
  const steady = status(2, ['m1', 'm1', 'm1']);
  assert.equal(noElection(run({ m1: 0, m2: 0, m3: 0 }, steady, steady)), true);
});

test('a leader change seen by one member, or a term that moved with no change counted, is an election', () => {
  const steady = status(2, ['m1', 'm1', 'm1']);
  assert.equal(leaderChangesOf(run({ m1: 0, m2: 1, m3: 2 }, steady, steady)), 2);
  assert.equal(noElection(run({ m1: 0, m2: 1, m3: 0 }, steady, steady)), false);
  // A failed election raises the term without a new leader: no change is counted, but it still disrupted the cluster.
  assert.equal(noElection(run({ m1: 0, m2: 0, m3: 0 }, steady, status(3, ['m1', 'm1', 'm1']))), false);
  // A term nobody answered cannot vouch for anything.
  assert.equal(noElection(run({}, status(null, [null, null, null]), status(null, [null, null, null]))), false);
});

test('the leader after the storm is the one most members name', () => {
  assert.equal(agreedLeader(status(3, ['m2', 'm2', 'm1'])), 'm2');
  assert.equal(agreedLeader(status(3, [null, 'm3', null])), 'm3');
  assert.equal(agreedLeader(status(null, [null, null, null])), null);
});

test('a member whose /metrics was not read is unknown, not zero: it cannot vouch for "no election"', () => {
  const changes = counterDelta({ m1: 1, m2: 1, m3: null }, { m1: 1, m2: 1, m3: 1 });
  assert.deepEqual(changes, { m1: 0, m2: 0, m3: null });
  const steady = status(2, ['m1', 'm1', 'm1']);
  assert.equal(leaderChangesOf(run(changes, steady, steady)), 0);
  assert.equal(noElection(run(changes, steady, steady)), false);
});

test('a counter no member exports is told apart from one that stayed at zero', () => {
  assert.equal(unexported({ m1: null, m2: null }), true);
  assert.equal(unexported({ m1: 0, m2: null }), false);
});
