/**
 * RawNode: the Raft core's public face, a deterministic state machine with no timers, disk or
 * network. The driver (engine/node, the simulator, tests) owns all of those.
 *
 * The driver loop, like etcd's doc.go:
 *
 *   1. Feed inputs: tick() every tick interval; step(m) for every message from a peer;
 *      propose(data) / proposeConfChange(cc) / readIndex(ctx) for client requests.
 *   2. If hasReady(), take rd = ready(). Then, in this order:
 *      a. Send rd.messages at once; they may go out before or while step b persists (they are a
 *         leader's appends, heartbeats and snapshots, which depend on nothing in this Ready being
 *         durable: the leader counts its own entries toward commit only after step e).
 *      b. Persist: rd.snapshot if set (storage.applySnapshot), then rd.entries (storage.append,
 *         which replaces a conflicting suffix), then rd.hardState if set. Sync to disk if
 *         rd.mustSync.
 *      c. Only now send rd.messagesAfterPersist (votes, append acknowledgements, forwarded
 *         requests: each promises that this Ready's state is on disk).
 *      d. Apply: the snapshot payload if rd.snapshot, then rd.committedEntries in order (for a
 *         ConfChange entry, call applyConfChange(decodeConfChange(e.data))). Serve rd.readStates
 *         once the applied index reaches their index.
 *      e. advance(): tells the core everything in rd is durable and applied. Only then does a
 *         leader count its own new entries toward the commit index.
 *   One Ready is outstanding at a time: hasReady() is false and ready() throws between ready()
 *   and advance(). Inputs (step, tick, propose) may arrive in between; they show in the next Ready.
 *
 * Batching: proposals and acknowledgements stepped in between two ready() calls are sent as one
 * MsgApp per follower (bounded by maxSizePerMsgBytes and maxInflightMsgs), so one event-loop turn
 * of proposals costs one append round and one sync.
 */
import type { Config } from './config.js';
import { resolveConfig } from './config.js';
import type { ConfChange } from './confchange.js';
import { encodeConfChange } from './confchange.js';
import type { RaftError } from './errors.js';
import { assert, errInvalidRequest } from './errors.js';
import type { Message, Snapshot } from './message.js';
import { MessageType, isLocalMessage, isResponseMessage, makeMessage } from './message.js';
import { Raft } from './raft.js';
import type { ReadState, SoftState, Status } from './status.js';
import type { ConfState, Entry, HardState } from './types.js';
import { EntryType, isHardStateEqual, payloadSizeBytes } from './types.js';

export { StateRole } from './status.js';
export type { ProgressStatus, ReadState, SoftState, Status } from './status.js';

/** Everything the driver must do in one turn of the loop; see the file comment for the order. */
export interface Ready {
  /** Set if the leader or our role changed. Needs no persistence. */
  softState: SoftState | null;
  /** Set if term, vote or commit changed. Persist BEFORE sending messagesAfterPersist. */
  hardState: HardState | null;
  /** ReadIndex confirmations; serve each once the application has applied up to its index. */
  readStates: ReadState[];
  /** Entries to append to stable storage BEFORE sending messagesAfterPersist. */
  entries: Entry[];
  /** A snapshot to persist (and apply) BEFORE entries and BEFORE sending messagesAfterPersist. */
  snapshot: Snapshot | null;
  /** Committed entries to apply, in order, AFTER persisting this Ready's entries. */
  committedEntries: Entry[];
  /** Messages that may be sent immediately, in parallel with persisting (a leader's). */
  messages: Message[];
  /** Messages to send only AFTER entries, hardState and snapshot of this Ready are durable. */
  messagesAfterPersist: Message[];
  /** True if a snapshot, entries or term/vote changed: the persistence must be synced (fdatasync). */
  mustSync: boolean;
}

/** Whether a snapshot sent with MsgSnap reached its follower (reportSnapshot). */
export enum SnapshotStatus {
  Finish = 0,
  Failure = 1,
}

/** What advance() must acknowledge: the durable and applied extents of the outstanding Ready. */
interface OutstandingReady {
  lastEntryIndex: number;
  lastEntryTerm: number;
  snapshotIndex: number;
  lastCommittedIndex: number;
  committedPayloadBytes: number;
}

/** The Raft state machine behind a driver-friendly, synchronous API. */
export class RawNode {
  private readonly raft: Raft;
  private prevSoftState: SoftState;
  private prevHardState: HardState;
  private outstanding: OutstandingReady | null = null;

  constructor(config: Config) {
    this.raft = new Raft(resolveConfig(config));
    this.prevSoftState = this.raft.softState();
    this.prevHardState = this.raft.hardState();
  }

  /** Advances the logical clock by one tick (election and heartbeat timeouts count ticks). */
  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now (subject to PreVote), as if the election timeout had fired. */
  campaign(): RaftError | null {
    return this.raft.step(makeMessage({ type: MessageType.MsgHup, from: this.raft.id }));
  }

  /** Proposes data to be appended to the log. Null means accepted (or forwarded), not committed. */
  propose(data: Uint8Array): RaftError | null {
    return this.raft.step(makeMessage({
      type: MessageType.MsgProp, from: this.raft.id,
      entries: [{ term: 0, index: 0, type: EntryType.Normal, data }],
    }));
  }

  /** Proposes a membership change; it takes effect when applied via applyConfChange. */
  proposeConfChange(cc: ConfChange): RaftError | null {
    const invalid = this.raft.validateConfChange(cc);
    if (invalid !== null) return invalid;
    return this.raft.step(makeMessage({
      type: MessageType.MsgProp, from: this.raft.id,
      entries: [{ term: 0, index: 0, type: EntryType.ConfChange, data: encodeConfChange(cc) }],
    }));
  }

  /** Applies a committed membership change; returns the membership now in force. */
  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /** Feeds a message received from a peer. Local message types are refused. */
  step(m: Message): RaftError | null {
    if (isLocalMessage(m.type)) return errInvalidRequest(`cannot step local message type ${MessageType[m.type]}`);
    if (isResponseMessage(m.type) && !this.raft.hasProgress(m.from)) {
      return errInvalidRequest(`response from unknown member ${m.from}`);
    }
    if (m.type === MessageType.MsgProp) {
      // The leader stamps term and index into the entries it appends, and the message is not
      // ours: a transport may hold it to deliver again, and a proposal forwarded back to the
      // member it came from (its from is ours) is no local one. Append copies.
      return this.raft.step({ ...m, entries: m.entries.map((e) => ({ ...e })) });
    }
    return this.raft.step(m);
  }

  /**
   * Asks for a linearizable read point. The answer comes as a ReadState carrying the same context
   * in a later Ready (batched: all requests made in one turn are confirmed by one heartbeat round).
   * The leader keys pending requests by context, so it must be unique across the cluster (e.g.
   * member id + a counter); a duplicate is refused.
   */
  readIndex(context: Uint8Array): RaftError | null {
    return this.raft.step(makeMessage({ type: MessageType.MsgReadIndex, from: this.raft.id, context }));
  }

  /** Asks the leader (this member or, forwarded, the current leader) to hand leadership to `to`. */
  transferLeadership(to: number): void {
    this.raft.step(makeMessage({ type: MessageType.MsgTransferLeader, from: to, to: this.raft.id }));
  }

  /** The transport could not deliver to `id`; the leader stops pipelining to it until it answers. */
  reportUnreachable(id: number): void {
    this.raft.step(makeMessage({ type: MessageType.MsgUnreachable, from: id }));
  }

  /**
   * A snapshot sent to `id` was delivered (Finish) or not (Failure). The transport must report
   * every MsgSnap it was handed: until it does, the leader sends that member nothing else.
   */
  reportSnapshot(id: number, status: SnapshotStatus): void {
    this.raft.step(makeMessage({ type: MessageType.MsgSnapStatus, from: id, reject: status === SnapshotStatus.Failure }));
  }

  /** True if ready() would return something to do. False while a Ready awaits advance(). */
  hasReady(): boolean {
    if (this.outstanding !== null) return false;
    const raft = this.raft;
    raft.flushPending();
    const soft = raft.softState();
    if (soft.lead !== this.prevSoftState.lead || soft.role !== this.prevSoftState.role) return true;
    if (!isHardStateEqual(raft.hardState(), this.prevHardState)) return true;
    const log = raft.raftLog;
    return log.unstable.snapshot !== null || log.unstable.entries.length > 0
      || raft.msgs.length > 0 || raft.msgsAfterPersist.length > 0
      || raft.readStates.length > 0 || log.hasNextCommittedEntries();
  }

  /** The work for this turn. Call advance() once it is done (see the file comment for the order). */
  ready(): Ready {
    assert(this.outstanding === null, 'ready() called again before advance()');
    const raft = this.raft;
    raft.flushPending();
    const log = raft.raftLog;
    const soft = raft.softState();
    const hard = raft.hardState();
    const softChanged = soft.lead !== this.prevSoftState.lead || soft.role !== this.prevSoftState.role;
    const hardChanged = !isHardStateEqual(hard, this.prevHardState);
    const entries = log.unstable.entries.length > 0 ? log.unstable.entries.slice() : [];
    const snapshot = log.unstable.snapshot;
    const committedEntries = log.nextCommittedEntries();
    const rd: Ready = {
      softState: softChanged ? soft : null,
      hardState: hardChanged ? hard : null,
      readStates: raft.readStates,
      entries,
      snapshot,
      committedEntries,
      messages: raft.msgs,
      messagesAfterPersist: raft.msgsAfterPersist,
      // A snapshot must be synced too: the MsgAppResp acknowledging it (in messagesAfterPersist)
      // promises the leader it is durable, so were it lost in a crash, the leader's later commit
      // indexes would lie beyond our log. A follower that already has the term changes neither
      // term nor vote, so those tests alone miss it.
      mustSync: entries.length > 0 || snapshot !== null
        || hard.term !== this.prevHardState.term || hard.vote !== this.prevHardState.vote,
    };
    raft.readStates = [];
    raft.msgs = [];
    raft.msgsAfterPersist = [];
    if (softChanged) this.prevSoftState = soft;
    if (hardChanged) this.prevHardState = hard;
    let committedPayloadBytes = 0;
    for (let i = 0; i < committedEntries.length; i++) committedPayloadBytes += payloadSizeBytes(committedEntries[i]!);
    const last = entries.length > 0 ? entries[entries.length - 1]! : null;
    this.outstanding = {
      lastEntryIndex: last === null ? 0 : last.index,
      lastEntryTerm: last === null ? 0 : last.term,
      snapshotIndex: snapshot === null ? 0 : snapshot.meta.index,
      lastCommittedIndex: committedEntries.length > 0 ? committedEntries[committedEntries.length - 1]!.index : 0,
      committedPayloadBytes,
    };
    return rd;
  }

  /**
   * Acknowledges the last Ready: its snapshot and entries are durable and its committed entries
   * applied. A leader now counts its own new entries toward commit (its self-acknowledgement).
   */
  advance(): void {
    const done = this.outstanding;
    assert(done !== null, 'advance() called without an outstanding Ready');
    this.outstanding = null;
    this.raft.advance(done.snapshotIndex, done.lastEntryIndex, done.lastEntryTerm,
      done.lastCommittedIndex, done.committedPayloadBytes);
  }

  /** The member's Raft state (progress rows only on the leader). */
  status(): Status {
    return this.raft.status();
  }
}
