/**
 * What a peer's Raft message must hold before the core sees it: the fields' types, and what the
 * core assumes of a correct sender (an append's entries follow its index in non-decreasing terms
 * up to its own term, a proposal has entries, ConfChange entries decode, no local types).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRaftMessage } from '../../engine/node/raft-message-shape.js';
import { ConfChangeType, encodeConfChange } from '../../engine/raft/confchange.js';
import { makeMessage, MessageType, type Message } from '../../engine/raft/message.js';
import { EntryType, type Entry } from '../../engine/raft/types.js';

const entry = (index: number, term: number, type = EntryType.Normal, data: Uint8Array = new Uint8Array(1)): Entry => ({ index, term, type, data });
const append = (fields: Partial<Message>): Message =>
  makeMessage({ type: MessageType.MsgApp, from: 1, to: 2, term: 3, index: 5, logTerm: 2, commit: 5, ...fields });

test('an append whose entries follow its index in terms up to its own is well formed', () => {
  assert.ok(isRaftMessage(append({ entries: [entry(6, 2), entry(7, 3), entry(8, 3)] })));
  assert.ok(isRaftMessage(append({})), 'an empty probe');
  const conf = encodeConfChange({ type: ConfChangeType.AddNode, nodeId: 4 });
  assert.ok(isRaftMessage(append({ entries: [entry(6, 3, EntryType.ConfChange, conf)] })));
});

test('an append the core could not take safely is refused', () => {
  assert.equal(isRaftMessage(append({ entries: [entry(7, 3)] })), false, 'a gap after its index');
  assert.equal(isRaftMessage(append({ entries: [entry(6, 3), entry(6, 3)] })), false, 'an index repeated');
  assert.equal(isRaftMessage(append({ entries: [entry(6, 4)] })), false, 'an entry of a later term than the message');
  assert.equal(isRaftMessage(append({ entries: [entry(6, 1)] })), false, 'an entry of an earlier term than the one before it');
  assert.equal(isRaftMessage(append({ logTerm: 4 })), false, 'a previous entry of a later term than the message');
  assert.equal(isRaftMessage(append({ entries: [entry(6, 3, EntryType.ConfChange, new Uint8Array([9]))] })), false,
    'a ConfChange entry that does not decode');
});

test('local messages, empty proposals and snapshot messages without a snapshot are refused', () => {
  assert.equal(isRaftMessage(makeMessage({ type: MessageType.MsgHup, from: 1, to: 2 })), false);
  assert.equal(isRaftMessage(makeMessage({ type: MessageType.MsgSnapStatus, from: 1, to: 2 })), false);
  assert.equal(isRaftMessage(makeMessage({ type: MessageType.MsgProp, from: 1, to: 2 })), false);
  assert.ok(isRaftMessage(makeMessage({ type: MessageType.MsgProp, from: 1, to: 2, entries: [entry(0, 0)] })));
  assert.equal(isRaftMessage(makeMessage({ type: MessageType.MsgSnap, from: 1, to: 2, term: 3 })), false);
  assert.ok(isRaftMessage(makeMessage({ type: MessageType.MsgHeartbeat, from: 1, to: 2, term: 3, commit: 2 ** 52 })),
    'a heartbeat commit beyond the log is the core\'s to clamp');
});
