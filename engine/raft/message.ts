/**
 * The messages Raft members exchange, shaped like etcd's raftpb.Message. Plain objects of numbers,
 * booleans and byte arrays, so a transport can msgpack them without a schema.
 */
import type { Entry, SnapshotMeta } from './types.js';

/** Every message type, with etcd's names and numbers. Local ones (never sent) say so. */
export enum MessageType {
  /** Local: start an election (the election timer fired, or campaign() was called). */
  MsgHup = 0,
  /** Local: the leader's heartbeat timer fired; broadcast heartbeats. */
  MsgBeat = 1,
  /** A client proposal; followers forward it to the leader. */
  MsgProp = 2,
  /** The leader appends entries to a follower's log (Raft paper: AppendEntries). */
  MsgApp = 3,
  /** A follower's answer to MsgApp (success, or a rejection with a hint). */
  MsgAppResp = 4,
  /** A candidate asks for a vote (Raft paper: RequestVote). */
  MsgVote = 5,
  MsgVoteResp = 6,
  /** The leader sends a snapshot (metadata; the payload comes from the application). */
  MsgSnap = 7,
  MsgHeartbeat = 8,
  MsgHeartbeatResp = 9,
  /** Local: the transport could not reach a member (reportUnreachable). */
  MsgUnreachable = 10,
  /** Local: a snapshot transfer finished or failed (reportSnapshot). */
  MsgSnapStatus = 11,
  /** Local: the leader's election timer fired; check that a quorum is still active. */
  MsgCheckQuorum = 12,
  /** Ask the leader to hand leadership to `from` (or to the member named in transferLeadership). */
  MsgTransferLeader = 13,
  /** The leader tells the transferee to campaign at once, ignoring its lease. */
  MsgTimeoutNow = 14,
  /** Ask for a read index (ReadIndex, Raft thesis 6.4); followers forward it to the leader. */
  MsgReadIndex = 15,
  MsgReadIndexResp = 16,
  /** A pre-candidate asks whether it would win an election, without raising any term. */
  MsgPreVote = 17,
  MsgPreVoteResp = 18,
}

/** A snapshot as it travels in MsgSnap and Ready: metadata plus the application's payload. */
export interface Snapshot {
  meta: SnapshotMeta;
  /**
   * The application's state at meta.index. The core never reads it. A real transport streams it
   * in chunks (a later concern of net/peer); in memory it is one byte array.
   */
  data: Uint8Array;
}

/**
 * One Raft message. Which fields matter depends on the type, as in etcd:
 * - MsgApp: logTerm/index identify the entry before `entries`; commit is the leader's commit.
 * - MsgAppResp: index is the follower's last index (success) or the rejected index; rejectHint is
 *   the follower's best guess for where the logs could match, with logTerm its term there.
 * - MsgVote/MsgPreVote: logTerm/index are the candidate's last entry.
 * - MsgVoteResp/MsgPreVoteResp: a rejection from a member outside its own configuration carries
 *   its commit index in commit and that entry's term in logTerm (Raft.learnCommitFromVoter).
 * - MsgHeartbeat: commit is min(leader commit, follower match); context carries a ReadIndex round.
 * - MsgReadIndex/MsgReadIndexResp: context identifies the read; index is the read index.
 */
export interface Message {
  type: MessageType;
  to: number;
  from: number;
  term: number;
  logTerm: number;
  index: number;
  entries: Entry[];
  commit: number;
  snapshot?: Snapshot;
  reject: boolean;
  rejectHint: number;
  context?: Uint8Array;
}

/**
 * A message with every field at its zero value except those given. Written out field by field
 * (not with a spread) so every message has one hidden class and creation stays cheap: it runs
 * once per proposal and per append.
 */
export function makeMessage(fields: Partial<Message> & Pick<Message, 'type'>): Message {
  const m: Message = {
    type: fields.type,
    to: fields.to ?? 0,
    from: fields.from ?? 0,
    term: fields.term ?? 0,
    logTerm: fields.logTerm ?? 0,
    index: fields.index ?? 0,
    entries: fields.entries ?? NO_ENTRIES,
    commit: fields.commit ?? 0,
    reject: fields.reject ?? false,
    rejectHint: fields.rejectHint ?? 0,
  };
  if (fields.snapshot !== undefined) m.snapshot = fields.snapshot;
  if (fields.context !== undefined) m.context = fields.context;
  return m;
}

/** Shared empty entry list: most messages carry none, so they need not allocate one. */
export const NO_ENTRIES: Entry[] = Object.freeze([]) as unknown as Entry[];

/** Local messages never leave the member; the others go through the transport. */
export function isLocalMessage(type: MessageType): boolean {
  return type === MessageType.MsgHup || type === MessageType.MsgBeat || type === MessageType.MsgUnreachable
    || type === MessageType.MsgSnapStatus || type === MessageType.MsgCheckQuorum;
}

/** Responses carry no new term information for the receiver beyond their term. */
export function isResponseMessage(type: MessageType): boolean {
  return type === MessageType.MsgAppResp || type === MessageType.MsgVoteResp
    || type === MessageType.MsgHeartbeatResp || type === MessageType.MsgUnreachable
    || type === MessageType.MsgPreVoteResp;
}

/** MsgVoteResp or MsgPreVoteResp. */
export function isVoteResponse(type: MessageType): boolean {
  return type === MessageType.MsgVoteResp || type === MessageType.MsgPreVoteResp;
}

/** The vote response that answers a vote request of the given type. */
export function voteResponseType(type: MessageType): MessageType {
  return type === MessageType.MsgVote ? MessageType.MsgVoteResp : MessageType.MsgPreVoteResp;
}
