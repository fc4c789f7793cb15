import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawNode, StateRole } from '../../engine/raft/raw-node.js';
import { MemoryStorage } from '../../engine/raft/memory-storage.js';
import { MessageType, makeMessage } from '../../engine/raft/message.js';
import { RaftErrorCode } from '../../engine/raft/errors.js';
import { ConfChangeType } from '../../engine/raft/confchange.js';
import { EntryType } from '../../engine/raft/types.js';

function singleNode(): { node: RawNode; storage: MemoryStorage } {
  const storage = new MemoryStorage({ voters: [1], learners: [] });
  return { node: new RawNode({ id: 1, storage, random: () => 0 }), storage };
}

function persist(node: RawNode, storage: MemoryStorage): void {
  const rd = node.ready();
  storage.append(rd.entries);
  if (rd.hardState !== null) storage.setHardState(rd.hardState);
  node.advance();
}

test('the configuration is checked at construction', () => {
  const storage = new MemoryStorage();
  assert.throws(() => new RawNode({ id: 0, storage, random: () => 0 }), /positive integer/);
  assert.throws(() => new RawNode({ id: 1, storage, random: () => 0, electionTick: 2, heartbeatTick: 2 }), /electionTick/);
});

test('one Ready is outstanding at a time', () => {
  const { node } = singleNode();
  node.campaign();
  assert.equal(node.hasReady(), true);
  node.ready();
  assert.equal(node.hasReady(), false, 'nothing new is offered until advance');
  assert.throws(() => node.ready(), /before advance/);
  node.advance();
  assert.throws(() => node.advance(), /without an outstanding Ready/);
});

test('a single voter commits its own entries only after advance reports them durable', () => {
  const { node, storage } = singleNode();
  node.campaign();
  persist(node, storage);
  persist(node, storage);
  assert.equal(node.status().role, StateRole.Leader);
  assert.equal(node.status().applied, 1);
  assert.equal(node.propose(new TextEncoder().encode('x')), null);
  const rd = node.ready();
  assert.equal(rd.entries.length, 1);
  assert.equal(rd.mustSync, true);
  assert.equal(node.status().commit, 1, 'the new entry is not committed before it is durable');
  storage.append(rd.entries);
  node.advance();
  const next = node.ready();
  assert.deepEqual(next.committedEntries.map((e) => e.index), [2]);
  assert.equal(next.hardState?.commit, 2);
  node.advance();
  assert.equal(node.status().applied, 2);
});

test('local message types cannot be stepped from the network', () => {
  const { node } = singleNode();
  const err = node.step(makeMessage({ type: MessageType.MsgHup, from: 2, to: 1 }));
  assert.equal(err?.code, RaftErrorCode.InvalidRequest);
  const resp = node.step(makeMessage({ type: MessageType.MsgAppResp, from: 9, to: 1, term: 1 }));
  assert.equal(resp?.code, RaftErrorCode.InvalidRequest, 'a response from an unknown member');
});

test('invalid membership changes are refused before they are proposed', () => {
  const { node, storage } = singleNode();
  node.campaign();
  persist(node, storage);
  assert.equal(node.proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 1 })?.code, RaftErrorCode.InvalidRequest);
  assert.equal(node.proposeConfChange({ type: ConfChangeType.AddNode, nodeId: 0 })?.code, RaftErrorCode.InvalidRequest);
  assert.equal(node.proposeConfChange({ type: ConfChangeType.AddLearnerNode, nodeId: 1 })?.code, RaftErrorCode.InvalidRequest);
});

test('a single voter answers ReadIndex at once with its commit index', () => {
  const { node, storage } = singleNode();
  node.campaign();
  persist(node, storage);
  persist(node, storage);
  assert.equal(node.readIndex(new Uint8Array([42])), null);
  const rd = node.ready();
  assert.deepEqual(rd.readStates, [{ index: 1, requestCtx: new Uint8Array([42]) }]);
  node.advance();
});

test('a single voter that restarts with a lagging commit index answers ReadIndex only after its new term commits', () => {
  // Entries 1..3 are durable but the commit-only hard state that said 3 was lost in a crash:
  // acknowledged writes may sit above commit 1, so a read point of 1 would miss them.
  const storage = new MemoryStorage({ voters: [1], learners: [] });
  storage.append([1, 2, 3].map((index) => ({ term: 1, index, type: EntryType.Normal, data: new Uint8Array([index]) })));
  storage.setHardState({ term: 1, vote: 1, commit: 1 });
  const node = new RawNode({ id: 1, storage, random: () => 0 });
  node.campaign();
  assert.equal(node.readIndex(new Uint8Array([7])), null);
  const rd = node.ready();
  assert.deepEqual(rd.entries.map((e) => e.index), [4], 'the no-op entry of the new term');
  assert.deepEqual(rd.readStates, [], 'no read point before an entry of this term commits');
  storage.append(rd.entries);
  if (rd.hardState !== null) storage.setHardState(rd.hardState);
  node.advance();
  const next = node.ready();
  assert.deepEqual(next.readStates, [{ index: 4, requestCtx: new Uint8Array([7]) }]);
  node.advance();
});

test('a Ready carrying a snapshot must be synced even if term and vote are unchanged', () => {
  const storage = new MemoryStorage({ voters: [1, 2], learners: [] });
  storage.setHardState({ term: 1, vote: 0, commit: 0 });
  const node = new RawNode({ id: 2, storage, random: () => 0 });
  const snapshot = { meta: { index: 10, term: 1, confState: { voters: [1, 2], learners: [] } }, data: new Uint8Array(0) };
  assert.equal(node.step(makeMessage({ type: MessageType.MsgSnap, from: 1, to: 2, term: 1, snapshot })), null);
  const rd = node.ready();
  assert.equal(rd.snapshot?.meta.index, 10);
  assert.deepEqual(rd.messagesAfterPersist.map((m) => [MessageType[m.type], m.index]), [['MsgAppResp', 10]],
    'the acknowledgement promises the leader that the snapshot is durable');
  assert.equal(rd.mustSync, true);
  node.advance();
});

test('the random source must return numbers in [0, 1)', () => {
  const storage = new MemoryStorage({ voters: [1, 2, 3], learners: [] });
  assert.throws(() => new RawNode({ id: 1, storage, random: () => 1 }), /outside \[0, 1\)/);
});

function entriesOfTerms(terms: number[]): { term: number; index: number; type: EntryType; data: Uint8Array }[] {
  return terms.map((term, i) => ({ term, index: i + 1, type: EntryType.Normal, data: new Uint8Array(0) }));
}

test('a removed member refuses a vote with its commit index; a voter refuses without it', () => {
  for (const voters of [[2], [1, 2]]) {
    const storage = new MemoryStorage({ voters, learners: [] });
    storage.append(entriesOfTerms([1, 1, 1]));
    storage.setHardState({ term: 1, vote: 0, commit: 2 });
    const node = new RawNode({ id: 1, storage, random: () => 0 });
    node.step(makeMessage({ type: MessageType.MsgPreVote, from: 2, to: 1, term: 2, index: 2, logTerm: 1 }));
    const [resp] = node.ready().messagesAfterPersist;
    assert.equal(resp?.type, MessageType.MsgPreVoteResp);
    assert.equal(resp?.reject, true, 'the candidate lacks entry 3');
    const removed = !voters.includes(1);
    assert.deepEqual([resp?.commit, resp?.logTerm], removed ? [2, 1] : [0, 0]);
  }
});

test('a candidate takes a commit index from a vote refusal only if its log holds that entry', () => {
  const storage = new MemoryStorage({ voters: [1, 2], learners: [] });
  storage.append(entriesOfTerms([1, 1, 2]));
  storage.setHardState({ term: 2, vote: 0, commit: 1 });
  const node = new RawNode({ id: 2, storage, random: () => 0 });
  const refusal = (commit: number, logTerm: number) => makeMessage({
    type: MessageType.MsgPreVoteResp, from: 1, to: 2, term: 2, reject: true, commit, logTerm,
  });
  node.step(refusal(3, 3));
  assert.equal(node.status().commit, 1, 'our entry 3 has another term');
  node.step(refusal(5, 2));
  assert.equal(node.status().commit, 1, 'we do not hold entry 5');
  node.step(refusal(2, 1));
  assert.equal(node.status().commit, 2);
  node.step(refusal(1, 1));
  assert.equal(node.status().commit, 2, 'a commit index never moves back');
});

test('a proposal delivered twice, forwarded back to the member it came from, appends two distinct entries', () => {
  const { node, storage } = singleNode();
  node.campaign();
  persist(node, storage);
  persist(node, storage);
  const data = new TextEncoder().encode('x');
  const m = makeMessage({ type: MessageType.MsgProp, from: 1, to: 1, entries: [{ term: 0, index: 0, type: EntryType.Normal, data }] });
  assert.equal(node.step(m), null);
  assert.equal(node.step(m), null);
  assert.deepEqual(node.ready().entries.map((e) => [e.term, e.index]), [[1, 2], [1, 3]]);
  assert.deepEqual([m.entries[0]!.term, m.entries[0]!.index], [0, 0], 'the message is left as it came');
});

/** Member 1 of voters [1, 2], elected with member 2's votes; its entries persisted. */
function twoVoterLeader(): { node: RawNode; storage: MemoryStorage } {
  const storage = new MemoryStorage({ voters: [1, 2], learners: [] });
  const node = new RawNode({ id: 1, storage, random: () => 0 });
  node.campaign();
  for (let turn = 0; turn < 10 && node.status().role !== StateRole.Leader; turn++) {
    const rd = node.ready();
    storage.append(rd.entries);
    if (rd.hardState !== null) storage.setHardState(rd.hardState);
    node.advance();
    for (const m of [...rd.messages, ...rd.messagesAfterPersist]) {
      if (m.type === MessageType.MsgPreVote || m.type === MessageType.MsgVote) {
        const type = m.type === MessageType.MsgVote ? MessageType.MsgVoteResp : MessageType.MsgPreVoteResp;
        node.step(makeMessage({ type, from: 2, to: 1, term: m.term }));
      }
    }
  }
  assert.equal(node.status().role, StateRole.Leader);
  persist(node, storage);
  return { node, storage };
}

test('a follower clamps a heartbeat\'s commit to its last index instead of failing on it', () => {
  const storage = new MemoryStorage({ voters: [1, 2, 3], learners: [] });
  const node = new RawNode({ id: 2, storage, random: () => 0 });
  assert.equal(node.step(makeMessage({ type: MessageType.MsgHeartbeat, from: 1, to: 2, term: 1, commit: 2 ** 52 })), null);
  assert.equal(node.status().commit, 0, 'nothing is committed beyond the (empty) log');
  assert.equal(node.status().lead, 1);
  const rd = node.ready();
  assert.deepEqual(rd.messages.concat(rd.messagesAfterPersist).map((m) => m.type), [MessageType.MsgHeartbeatResp]);
});

test('a leader ignores an acknowledgement of entries it never had, and a proposal without entries', () => {
  const { node } = twoVoterLeader();
  const { term } = node.status();
  const lastIndex = node.status().progress.find((p) => p.id === 1)!.match;
  node.step(makeMessage({ type: MessageType.MsgAppResp, from: 2, to: 1, term, index: 2 ** 52 }));
  assert.ok(node.status().progress.find((p) => p.id === 2)!.match <= lastIndex);
  assert.equal(node.step(makeMessage({ type: MessageType.MsgProp, from: 2, to: 1 }))?.code, RaftErrorCode.InvalidRequest);
  assert.equal(node.propose(new TextEncoder().encode('x')), null);
  const rd = node.ready();
  assert.deepEqual(rd.entries.map((e) => e.index), [lastIndex + 1]);
  node.advance();
});
