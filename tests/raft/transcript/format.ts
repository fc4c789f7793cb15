/**
 * Human-readable renderings of Raft messages, entries and Ready contents for transcript tests,
 * in the spirit of etcd-io/raft's DescribeMessage / DescribeReady.
 */
import { ConfChangeType, decodeConfChange } from '../../../engine/raft/confchange.js';
import type { Message, Snapshot } from '../../../engine/raft/message.js';
import { MessageType } from '../../../engine/raft/message.js';
import type { Ready } from '../../../engine/raft/raw-node.js';
import type { ConfState, Entry } from '../../../engine/raft/types.js';
import { EntryType } from '../../../engine/raft/types.js';

const CONF_CHANGE_NAMES: Record<ConfChangeType, string> = {
  [ConfChangeType.AddNode]: 'add',
  [ConfChangeType.RemoveNode]: 'remove',
  [ConfChangeType.UpdateNode]: 'update',
  [ConfChangeType.AddLearnerNode]: 'add-learner',
};

/** Bytes as a quoted string if printable ASCII, else hex. */
export function formatBytes(bytes: Uint8Array): string {
  let printable = true;
  for (const b of bytes) if (b < 0x20 || b > 0x7e) printable = false;
  if (printable) return JSON.stringify(String.fromCharCode(...bytes));
  return `0x${Buffer.from(bytes).toString('hex')}`;
}

export function formatEntry(e: Entry): string {
  if (e.type === EntryType.ConfChange) {
    const cc = decodeConfChange(e.data);
    return `${e.term}/${e.index} EntryConfChange ${CONF_CHANGE_NAMES[cc.type]} ${cc.nodeId}`;
  }
  return `${e.term}/${e.index} EntryNormal ${formatBytes(e.data)}`;
}

export function formatEntries(entries: readonly Entry[]): string {
  return `[${entries.map(formatEntry).join(', ')}]`;
}

export function formatConfState(cs: ConfState): string {
  const learners = cs.learners.length > 0 ? ` Learners:[${cs.learners.join(' ')}]` : '';
  return `Voters:[${cs.voters.join(' ')}]${learners}`;
}

export function formatSnapshot(s: Snapshot): string {
  return `Index:${s.meta.index} Term:${s.meta.term} ConfState:${formatConfState(s.meta.confState)}`;
}

export function formatMessage(m: Message): string {
  let out = `${m.from}->${m.to} ${MessageType[m.type]} Term:${m.term}`;
  switch (m.type) {
    case MessageType.MsgApp:
      out += ` Log:${m.logTerm}/${m.index} Commit:${m.commit}`;
      if (m.entries.length > 0) out += ` Entries:${formatEntries(m.entries)}`;
      break;
    case MessageType.MsgAppResp:
      out += m.reject ? ` Rejected Index:${m.index} Hint:${m.logTerm}/${m.rejectHint}` : ` Index:${m.index}`;
      break;
    case MessageType.MsgVote:
    case MessageType.MsgPreVote:
      out += ` Log:${m.logTerm}/${m.index}`;
      break;
    case MessageType.MsgVoteResp:
    case MessageType.MsgPreVoteResp:
      out += m.reject ? ' Rejected' : ' Granted';
      if (m.commit !== 0) out += ` Commit:${m.logTerm}/${m.commit}`;
      break;
    case MessageType.MsgHeartbeat:
      out += ` Commit:${m.commit}`;
      break;
    case MessageType.MsgSnap:
      out += ` Snapshot:[${formatSnapshot(m.snapshot!)}]`;
      break;
    case MessageType.MsgReadIndexResp:
      out += ` Index:${m.index}`;
      break;
    case MessageType.MsgProp:
      out += ` Entries:${formatEntries(m.entries)}`;
      break;
    default:
      break;
  }
  if (m.context !== undefined && m.context.length > 0) out += ` Context:${formatBytes(m.context)}`;
  return out;
}

/** The Ready as indented lines; empty sections are left out. */
export function formatReady(rd: Ready): string[] {
  const lines: string[] = [];
  if (rd.softState !== null) lines.push(`Lead:${rd.softState.lead} Role:${rd.softState.role}`);
  if (rd.hardState !== null) lines.push(`HardState Term:${rd.hardState.term} Vote:${rd.hardState.vote} Commit:${rd.hardState.commit}`);
  if (rd.snapshot !== null) lines.push(`Snapshot ${formatSnapshot(rd.snapshot)}`);
  if (rd.entries.length > 0) {
    lines.push('Entries:');
    for (const e of rd.entries) lines.push(`  ${formatEntry(e)}`);
  }
  if (rd.committedEntries.length > 0) {
    lines.push('CommittedEntries:');
    for (const e of rd.committedEntries) lines.push(`  ${formatEntry(e)}`);
  }
  if (rd.messages.length > 0) {
    lines.push('Messages:');
    for (const m of rd.messages) lines.push(`  ${formatMessage(m)}`);
  }
  if (rd.messagesAfterPersist.length > 0) {
    lines.push('MessagesAfterPersist:');
    for (const m of rd.messagesAfterPersist) lines.push(`  ${formatMessage(m)}`);
  }
  if (rd.readStates.length > 0) {
    lines.push('ReadStates:');
    for (const rs of rd.readStates) lines.push(`  Index:${rs.index} Context:${formatBytes(rs.requestCtx)}`);
  }
  return lines;
}
