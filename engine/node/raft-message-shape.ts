/**
 * The check a Raft message from a peer must pass before the core sees it, and its size estimate
 * for the transport's queue bounds. A member is trusted to run Raft, not to send well-formed bytes:
 * a message that fails closes the connection (counted and logged by the transport) instead of
 * reaching step() and breaking an invariant there, which would stop the member.
 *
 * Beyond the types of the fields, it checks what the core assumes of a message and only a correct
 * sender guarantees: a peer never sends a local message; a proposal carries entries; a snapshot
 * message carries a snapshot; an append's entries follow its (index, logTerm) one index at a time
 * with terms that never decrease and never pass the message's term (so none can conflict with a
 * committed entry); a ConfChange entry decodes (it is decoded when it applies, on every member).
 */
import { isConfChangeData } from '../raft/confchange.js';
import { isLocalMessage, MessageType, type Message } from '../raft/message.js';
import { EntryType, type Entry } from '../raft/types.js';

const MESSAGE_OVERHEAD_BYTES = 96;
const ENTRY_OVERHEAD_BYTES = 40;

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isEntry(value: unknown): value is Entry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  if (!isCount(entry.term) || !isCount(entry.index) || !(entry.data instanceof Uint8Array)) return false;
  return entry.type === EntryType.Normal || (entry.type === EntryType.ConfChange && isConfChangeData(entry.data));
}

function isSnapshot(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const snapshot = value as { meta?: Record<string, unknown>; data?: unknown };
  const meta = snapshot.meta;
  if (typeof meta !== 'object' || meta === null || !isCount(meta.index) || !isCount(meta.term)) return false;
  const confState = meta.confState as Record<string, unknown> | undefined;
  return typeof confState === 'object' && confState !== null &&
    Array.isArray(confState.voters) && confState.voters.every(isCount) &&
    Array.isArray(confState.learners) && confState.learners.every(isCount) &&
    snapshot.data instanceof Uint8Array;
}

/** An append's entries follow (index, logTerm) one by one, in terms from logTerm up to the message's term. */
function isAppendedRun(m: Message): boolean {
  let previousTerm = m.logTerm;
  for (let i = 0; i < m.entries.length; i++) {
    const entry = m.entries[i]!;
    if (entry.index !== m.index + 1 + i || entry.term < previousTerm || entry.term > m.term) return false;
    previousTerm = entry.term;
  }
  return true;
}

/** True when the fields of a well-typed message hold what the core assumes of a peer's message. */
function isConsistent(m: Message): boolean {
  if (isLocalMessage(m.type)) return false;
  switch (m.type) {
    case MessageType.MsgProp:
      return m.entries.length > 0;
    case MessageType.MsgApp:
      return m.logTerm <= m.term && isAppendedRun(m);
    case MessageType.MsgSnap:
      return m.snapshot !== undefined && m.snapshot !== null;
    default:
      return true;
  }
}

/** True when `value` is a well-formed Raft message a peer may send. */
export function isRaftMessage(value: unknown): value is Message {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return typeof m.type === 'number' && m.type in MessageType &&
    isCount(m.to) && isCount(m.from) && isCount(m.term) && isCount(m.logTerm) && isCount(m.index) &&
    isCount(m.commit) && isCount(m.rejectHint) && typeof m.reject === 'boolean' &&
    Array.isArray(m.entries) && m.entries.every(isEntry) &&
    (m.snapshot === undefined || m.snapshot === null || isSnapshot(m.snapshot)) &&
    (m.context === undefined || m.context === null || m.context instanceof Uint8Array) &&
    isConsistent(value as Message);
}

/** An upper estimate of a message's encoded size. */
export function raftMessageBytes(message: Message): number {
  let bytes = MESSAGE_OVERHEAD_BYTES + (message.context?.byteLength ?? 0) + (message.snapshot?.data.byteLength ?? 0);
  for (const entry of message.entries) bytes += ENTRY_OVERHEAD_BYTES + entry.data.byteLength;
  return bytes;
}
