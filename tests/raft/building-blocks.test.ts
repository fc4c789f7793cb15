import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Inflights } from '../../engine/raft/inflights.js';
import { committedIndex, majority, voteResult, VoteResult } from '../../engine/raft/quorum.js';
import { ConfChangeType, decodeConfChange, encodeConfChange } from '../../engine/raft/confchange.js';
import { Progress, ProgressState } from '../../engine/raft/progress.js';
import { Unstable } from '../../engine/raft/unstable.js';
import { EntryType } from '../../engine/raft/types.js';
import type { Entry } from '../../engine/raft/types.js';

function entry(index: number, term: number): Entry {
  return { index, term, type: EntryType.Normal, data: new Uint8Array() };
}

test('inflights fill to capacity, free by acknowledged index, and wrap around', () => {
  const inflights = new Inflights(4);
  for (const i of [10, 20, 30, 40]) inflights.add(i);
  assert.equal(inflights.full(), true);
  assert.throws(() => inflights.add(50), /full/);
  inflights.freeLE(25);
  assert.equal(inflights.count, 2);
  inflights.add(50);
  inflights.add(60);
  assert.equal(inflights.full(), true);
  inflights.freeFirstOne();
  assert.equal(inflights.count, 3);
  inflights.freeLE(60);
  assert.equal(inflights.count, 0);
  assert.throws(() => { inflights.add(5); inflights.add(5); }, /not above/);
});

test('the commit index is the highest index a majority holds', () => {
  const match = new Map([[1, 5], [2, 3], [3, 9], [4, 1], [5, 7]]);
  const scratch: number[] = [];
  assert.equal(committedIndex([1, 2, 3, 4, 5], (id) => match.get(id)!, scratch), 5);
  assert.equal(committedIndex([1, 2, 3], (id) => match.get(id)!, scratch), 5);
  assert.equal(committedIndex([2, 4], (id) => match.get(id)!, scratch), 1);
  assert.equal(committedIndex([3], (id) => match.get(id)!, scratch), 9);
  assert.equal(majority(4), 3);
});

test('an election is won by a majority of grants and lost once a majority is out of reach', () => {
  const voters = [1, 2, 3, 4, 5];
  assert.equal(voteResult(voters, new Map([[1, true], [2, true]])), VoteResult.Pending);
  assert.equal(voteResult(voters, new Map([[1, true], [2, true], [3, true]])), VoteResult.Won);
  assert.equal(voteResult(voters, new Map([[1, true], [2, false], [3, false]])), VoteResult.Pending);
  assert.equal(voteResult(voters, new Map([[1, true], [2, false], [3, false], [4, false]])), VoteResult.Lost);
});

test('a ConfChange survives encoding, ids up to 2^53 included', () => {
  for (const cc of [
    { type: ConfChangeType.AddLearnerNode, nodeId: 7 },
    { type: ConfChangeType.RemoveNode, nodeId: Number.MAX_SAFE_INTEGER },
    { type: ConfChangeType.UpdateNode, nodeId: 2 ** 40 + 3, context: new Uint8Array([1, 2, 3]) },
  ]) {
    assert.deepEqual(decodeConfChange(encodeConfChange(cc)), cc);
  }
  assert.throws(() => decodeConfChange(new Uint8Array(3)), /shorter/);
});

test('progress: probe waits for an answer, replicate streams, a stale rejection is ignored', () => {
  const pr = new Progress(0, 6, 2, false);
  assert.equal(pr.state, ProgressState.Probe);
  pr.probeSent = true;
  assert.equal(pr.isPaused(), true);
  assert.equal(pr.maybeDecrTo(4, 2), false, 'not an answer to the probe at 5');
  assert.equal(pr.maybeDecrTo(5, 2), true);
  assert.equal(pr.next, 3, 'the hint skips entries 3..5');
  assert.equal(pr.maybeUpdate(4), true);
  pr.becomeReplicate();
  assert.equal(pr.next, 5);
  pr.inflights.add(6);
  pr.inflights.add(7);
  assert.equal(pr.isPaused(), true, 'the in-flight window is full');
  assert.equal(pr.maybeDecrTo(3, 3), false, 'rejection below match is stale');
  pr.becomeSnapshot(20);
  assert.equal(pr.isPaused(), true);
  pr.becomeProbe();
  assert.equal(pr.next, 21, 'after a snapshot, probing resumes past it');
});

test('unstable entries are truncated and appended, and leave once stable', () => {
  const unstable = new Unstable(5);
  unstable.truncateAndAppend([entry(5, 1), entry(6, 1), entry(7, 1)]);
  unstable.truncateAndAppend([entry(6, 2)]);
  assert.deepEqual(unstable.entries.map((e) => e.term), [1, 2]);
  unstable.stableTo(6, 1);
  assert.equal(unstable.entries.length, 2, 'a stale stableTo (term changed) is ignored');
  unstable.stableTo(6, 2);
  assert.equal(unstable.entries.length, 0);
  assert.equal(unstable.offset, 7);
  unstable.truncateAndAppend([entry(4, 3)]);
  assert.equal(unstable.offset, 4, 'entries before the offset replace the stable tail');
});
