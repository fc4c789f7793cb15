import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdError } from '../../engine/errors.js';
import { encodeMemberContext, type MemberAttributes } from '../../engine/mvcc/members.js';
import { decodeInternalRequest, encodeInternalRequest } from '../../engine/mvcc/request.js';
import { ConfChangeType, encodeConfChange, type ConfChange } from '../../engine/raft/confchange.js';
import { EntryType, type Entry } from '../../engine/raft/types.js';
import { put, withStore } from './helpers.js';

let nextIndex = 0;
function confChange(change: ConfChange): Entry {
  return { index: ++nextIndex, term: 1, type: EntryType.ConfChange, data: encodeConfChange(change) };
}

function addNode(id: number, name: string, peer: string, learner = false, clusterId?: number): Entry {
  return confChange({
    type: learner ? ConfChangeType.AddLearnerNode : ConfChangeType.AddNode, nodeId: id,
    context: encodeMemberContext({ member: { id, name, peer_urls: [peer], is_learner: learner }, ...(clusterId ? { cluster_id: clusterId } : {}) }),
  });
}

test('ConfChange entries add, promote, update and remove members; removed ids are remembered; the bootstrap entries set the cluster id', () => withStore((store) => {
  nextIndex = 0;
  store.applyEntries([addNode(0x2a, 'b', 'http://127.0.0.1:2', false, 99), addNode(7, 'a', 'http://127.0.0.1:1', false, 99)]);
  assert.equal(store.clusterId(), 99);
  store.applyEntries([addNode(0x30, '', 'http://127.0.0.1:3', true)]);
  assert.deepEqual(store.members().map((m) => [m.id, m.name, m.peer_urls[0], m.is_learner]), [
    [7, 'a', 'http://127.0.0.1:1', false], [0x2a, 'b', 'http://127.0.0.1:2', false], [0x30, '', 'http://127.0.0.1:3', true],
  ]);
  // Promote: AddNode on a learner.
  store.applyEntries([confChange({ type: ConfChangeType.AddNode, nodeId: 0x30 })]);
  assert.equal(store.members().find((m) => m.id === 0x30)!.is_learner, false);
  store.applyEntries([confChange({
    type: ConfChangeType.UpdateNode, nodeId: 7,
    context: encodeMemberContext({ member: { id: 7, name: '', peer_urls: ['http://127.0.0.1:11'], is_learner: false } }),
  })]);
  assert.deepEqual(store.members().find((m) => m.id === 7)!.peer_urls, ['http://127.0.0.1:11']);
  assert.equal(store.members().find((m) => m.id === 7)!.name, 'a', 'an update keeps the name');
  store.applyEntries([confChange({ type: ConfChangeType.RemoveNode, nodeId: 0x2a })]);
  assert.deepEqual(store.members().map((m) => m.id), [7, 0x30]);
  assert.deepEqual(store.removedMembers(), [0x2a]);
  assert.equal(store.status().current_revision, 1, 'membership changes are not KV writes');
}));

test('member attributes set the name and client URLs of a known member, and are ignored for an unknown one', () => withStore((store) => {
  nextIndex = 0;
  store.applyEntries([addNode(7, 'a', 'http://127.0.0.1:1', false, 5)]);
  put(store, 'k', 'v');
  store.write({ member_attributes: { id: 7, name: 'a2', client_urls: ['http://127.0.0.1:11', 'http://127.0.0.1:12'] } });
  store.write({ member_attributes: { id: 8, name: 'ghost', client_urls: [] } });
  assert.equal(store.status().current_revision, 2, 'publishing is not a KV write');
  assert.deepEqual(store.members(), [
    { id: 7, name: 'a2', peer_urls: ['http://127.0.0.1:1'], client_urls: ['http://127.0.0.1:11', 'http://127.0.0.1:12'], is_learner: false },
  ]);
}));

test('malformed member attributes are refused and change nothing', () => withStore((store) => {
  nextIndex = 0;
  store.applyEntries([addNode(1, 'x', 'http://127.0.0.1:1', false, 5)]);
  const malformed = [
    { id: 0, name: 'x', client_urls: [] },
    { id: 1, name: 5, client_urls: [] },
    { id: 1, name: 'x', client_urls: 'http://x' },
    { id: 1, name: 'x', client_urls: [3] },
  ] as unknown as MemberAttributes[];
  for (const attributes of malformed) {
    assert.throws(() => store.write({ member_attributes: attributes }), EtcdError);
  }
  assert.deepEqual(store.members()[0]!.client_urls, []);
}));

test('a member-attributes request survives the entry encoding', () => {
  const request = { member_attributes: { id: 9, name: 'n', client_urls: ['http://h:1'] }, header: { id: 3 } };
  assert.deepEqual(decodeInternalRequest(encodeInternalRequest(request)), request);
});
