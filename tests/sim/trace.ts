/**
 * The verbose trace of a run (`--verbose`): one line per event, in simulated-time order, enough to
 * follow a failing seed message by message. A run without --verbose passes no tracer, and every
 * call site uses `trace?.(...)`, so the lines are not even formatted.
 */
import { MessageType, type Message } from '../../engine/raft/message.js';
import type { Ready } from '../../engine/raft/raw-node.js';
import type { Entry } from '../../engine/raft/types.js';

/** Receives trace lines; undefined when tracing is off. */
export type Trace = ((line: string) => void) | undefined;

function range(entries: readonly Entry[]): string {
  if (entries.length === 0) return '-';
  const first = entries[0];
  const last = entries[entries.length - 1];
  return first === last ? `${first.index}@${first.term}` : `${first.index}@${first.term}..${last.index}@${last.term}`;
}

/** `MsgApp 1->2 term 3 index 7 logTerm 3 entries 8@3..9@3 commit 6`, with only the fields that matter. */
export function formatMessage(message: Message): string {
  let line = `${MessageType[message.type]} ${message.from}->${message.to} term ${message.term}`;
  if (message.index !== 0 || message.logTerm !== 0) line += ` index ${message.index} logTerm ${message.logTerm}`;
  if (message.entries.length > 0) line += ` entries ${range(message.entries)}`;
  if (message.commit !== 0) line += ` commit ${message.commit}`;
  if (message.reject) line += ` reject (hint ${message.rejectHint})`;
  if (message.snapshot !== undefined) line += ` snapshot ${message.snapshot.meta.index}@${message.snapshot.meta.term}`;
  return line;
}

/** One line summarizing a Ready. */
export function formatReady(rd: Ready): string {
  const parts: string[] = [];
  if (rd.softState !== null) parts.push(`role ${rd.softState.role} lead ${rd.softState.lead}`);
  if (rd.hardState !== null) parts.push(`hardState term ${rd.hardState.term} vote ${rd.hardState.vote} commit ${rd.hardState.commit}`);
  if (rd.snapshot !== null) parts.push(`snapshot ${rd.snapshot.meta.index}@${rd.snapshot.meta.term}`);
  if (rd.entries.length > 0) parts.push(`entries ${range(rd.entries)}`);
  if (rd.committedEntries.length > 0) parts.push(`committed ${range(rd.committedEntries)}`);
  if (rd.readStates.length > 0) parts.push(`readStates ${rd.readStates.map((state) => state.index).join(',')}`);
  parts.push(`messages ${rd.messages.length}+${rd.messagesAfterPersist.length}${rd.mustSync ? ' mustSync' : ''}`);
  return parts.join(', ');
}
