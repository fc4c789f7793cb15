/**
 * Membership changes, one at a time (etcd's ConfChange v1, no joint consensus): add a voter, add a
 * learner, promote a learner (AddNode on a learner), remove a member. A change is proposed as an
 * EntryType.ConfChange entry and takes effect when the application, having seen it committed,
 * calls RawNode.applyConfChange. The leader refuses a new change while one is proposed but not
 * yet applied, so at most one change is ever in flight and every two consecutive configurations
 * share a majority.
 */
import type { RaftError } from './errors.js';
import { assert, errInvalidRequest } from './errors.js';
import { isMemberId } from './config.js';
import type { ProgressTracker } from './tracker.js';

export enum ConfChangeType {
  /** Add a voter; on a current learner, promote it. */
  AddNode = 0,
  RemoveNode = 1,
  /** Changes nothing Raft tracks; lets the application record new member metadata (context). */
  UpdateNode = 2,
  AddLearnerNode = 3,
}

/** One membership change. `context` is opaque to Raft (etcd stores the member's URLs there). */
export interface ConfChange {
  type: ConfChangeType;
  nodeId: number;
  context?: Uint8Array;
}

/** Fixed header: type (1 byte) + nodeId as two 32-bit halves (8 bytes). */
const CONF_CHANGE_HEADER_BYTES = 9;
const TWO_TO_32 = 2 ** 32;

/** The bytes of a ConfChange entry's data. */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  const context = cc.context ?? new Uint8Array(0);
  const bytes = new Uint8Array(CONF_CHANGE_HEADER_BYTES + context.byteLength);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, cc.type);
  view.setUint32(1, Math.floor(cc.nodeId / TWO_TO_32));
  view.setUint32(5, cc.nodeId % TWO_TO_32);
  bytes.set(context, CONF_CHANGE_HEADER_BYTES);
  return bytes;
}

/**
 * True when `data` decodes as a ConfChange: what a ConfChange entry from a peer must hold, since
 * decodeConfChange treats anything else as a broken invariant once the entry is committed.
 */
export function isConfChangeData(data: Uint8Array): boolean {
  return data.byteLength >= CONF_CHANGE_HEADER_BYTES && data[0]! in ConfChangeType;
}

/** Reads a ConfChange entry's data back. A malformed entry is a bug (Raft only commits what was encoded). */
export function decodeConfChange(data: Uint8Array): ConfChange {
  assert(data.byteLength >= CONF_CHANGE_HEADER_BYTES, 'ConfChange entry shorter than its header');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const type = view.getUint8(0);
  assert(type in ConfChangeType, `unknown ConfChange type ${type}`);
  const nodeId = view.getUint32(1) * TWO_TO_32 + view.getUint32(5);
  const context = data.slice(CONF_CHANGE_HEADER_BYTES);
  return context.byteLength > 0 ? { type, nodeId, context } : { type, nodeId };
}

/** Refuses a change that could never be applied sensibly, before it is proposed. */
export function checkConfChange(tracker: ProgressTracker, cc: ConfChange): RaftError | null {
  if (!isMemberId(cc.nodeId)) return errInvalidRequest(`member id ${cc.nodeId} is not a positive integer below 2^53`);
  if (cc.type === ConfChangeType.AddLearnerNode && tracker.isVoter(cc.nodeId)) {
    return errInvalidRequest(`member ${cc.nodeId} is a voter; demotion to learner is not supported`);
  }
  if (cc.type === ConfChangeType.RemoveNode && tracker.voters.length === 1 && tracker.isVoter(cc.nodeId)) {
    return errInvalidRequest('cannot remove the last voter');
  }
  return null;
}

/**
 * Applies a committed change to the membership. Every member applies the same committed changes
 * in the same order, so a change that makes no sense here (adding a present member, removing the
 * last voter, demoting a voter) is ignored the same way everywhere.
 */
export function applyToTracker(tracker: ProgressTracker, cc: ConfChange, nextIndex: number): void {
  switch (cc.type) {
    case ConfChangeType.AddNode:
      if (!tracker.isVoter(cc.nodeId)) tracker.addVoter(cc.nodeId, nextIndex);
      break;
    case ConfChangeType.AddLearnerNode:
      if (!tracker.progress.has(cc.nodeId)) tracker.addLearner(cc.nodeId, nextIndex);
      break;
    case ConfChangeType.RemoveNode:
      if (!(tracker.voters.length === 1 && tracker.isVoter(cc.nodeId))) tracker.remove(cc.nodeId);
      break;
    case ConfChangeType.UpdateNode:
      break;
  }
}
