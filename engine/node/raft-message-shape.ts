/**
 * The shape check a Raft message from a peer must pass before the core sees it, and its size
 * estimate for the transport's queue bounds. A peer is trusted to run Raft, not to send well-formed
 * bytes: a malformed message closes the connection instead of reaching step() and throwing there.
 */
import { MessageType, type Message } from '../raft/message.js';

const MESSAGE_OVERHEAD_BYTES = 96;
const ENTRY_OVERHEAD_BYTES = 40;

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isEntry(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return isCount(entry.term) && isCount(entry.index) && (entry.type === 0 || entry.type === 1) && entry.data instanceof Uint8Array;
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

/** True when `value` is a well-formed Raft message a peer may send. */
export function isRaftMessage(value: unknown): value is Message {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return typeof m.type === 'number' && m.type in MessageType &&
    isCount(m.to) && isCount(m.from) && isCount(m.term) && isCount(m.logTerm) && isCount(m.index) &&
    isCount(m.commit) && isCount(m.rejectHint) && typeof m.reject === 'boolean' &&
    Array.isArray(m.entries) && m.entries.every(isEntry) &&
    (m.snapshot === undefined || m.snapshot === null || isSnapshot(m.snapshot)) &&
    (m.context === undefined || m.context === null || m.context instanceof Uint8Array);
}

/** An upper estimate of a message's encoded size. */
export function raftMessageBytes(message: Message): number {
  let bytes = MESSAGE_OVERHEAD_BYTES + (message.context?.byteLength ?? 0) + (message.snapshot?.data.byteLength ?? 0);
  for (const entry of message.entries) bytes += ENTRY_OVERHEAD_BYTES + entry.data.byteLength;
  return bytes;
}
