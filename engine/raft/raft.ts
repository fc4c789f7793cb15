/**
 * Raft: the algorithm itself (etcd's raft.go), in the Raft paper's vocabulary. It is driven by
 * RawNode and knows nothing of time, disk or network: tick() counts logical time, step() takes a
 * message, and its outputs accumulate in msgs / msgsAfterPersist / readStates / the log until
 * RawNode hands them out in a Ready.
 */
import type { ResolvedConfig } from './config.js';
import type { ConfChange } from './confchange.js';
import { applyToTracker, checkConfChange, decodeConfChange } from './confchange.js';
import type { RaftError } from './errors.js';
import { assert, errInvalidRequest, errProposalDropped, errReadIndexDropped, isRaftError } from './errors.js';
import { RaftLog } from './log.js';
import type { Message, Snapshot } from './message.js';
import { MessageType, NO_ENTRIES, isVoteResponse, makeMessage, voteResponseType } from './message.js';
import { ProgressState } from './progress.js';
import type { Progress } from './progress.js';
import { VoteResult } from './quorum.js';
import { ReadOnly, READ_INDEX_PENDING_MAX } from './read-only.js';
import { StateRole, type ProgressStatus, type ReadState, type SoftState, type Status } from './status.js';
import { ProgressTracker } from './tracker.js';
import type { ConfState, Entry, HardState } from './types.js';
import { EntryType, payloadSizeBytes } from './types.js';

export { StateRole } from './status.js';

/** Marks a MsgVote sent on the leader's request (MsgTimeoutNow): voters ignore their lease for it. */
export const CAMPAIGN_TRANSFER_CONTEXT = new TextEncoder().encode('CampaignTransfer');

const EMPTY_DATA = new Uint8Array(0);

type StepFunction = (m: Message) => RaftError | null;

export class Raft {
  readonly id: number;
  term = 0;
  vote = 0;
  lead = 0;
  role: StateRole = StateRole.Follower;
  readonly raftLog: RaftLog;
  readonly tracker: ProgressTracker;
  readonly readOnly = new ReadOnly();
  /** Messages that may be sent at once (the leader's). */
  msgs: Message[] = [];
  /** Messages to send only after the Ready carrying them is durable. */
  msgsAfterPersist: Message[] = [];
  readStates: ReadState[] = [];
  /** The member leadership is being transferred to (0 = no transfer in progress). */
  leadTransferee = 0;
  /** Index of the newest ConfChange entry proposed; a new one waits until applied passes it. */
  pendingConfIndex = 0;
  /** Bytes of entry data appended by this leader and not yet applied. */
  uncommittedSizeBytes = 0;
  /** ReadIndex requests that arrived before this leader committed an entry of its term. */
  private pendingReadIndexMessages: Message[] = [];
  /** A ReadIndex request arrived since the last heartbeat round: send a round at flush. */
  private readHeartbeatPending = false;
  /** New entries or commit: offer every member an append at flush. */
  private broadcastPending = false;
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private readonly config: ResolvedConfig;
  private step_: StepFunction;

  constructor(config: ResolvedConfig) {
    this.config = config;
    this.id = config.id;
    this.raftLog = new RaftLog(config.storage, config.maxCommittedSizePerReadyBytes);
    this.tracker = new ProgressTracker(config.maxInflightMsgs);
    const { hardState, confState } = config.storage.initialState();
    this.tracker.reset(confState, this.raftLog.lastIndex() + 1);
    if (hardState.term !== 0 || hardState.vote !== 0 || hardState.commit !== 0) this.loadState(hardState);
    if (config.applied > this.raftLog.applied) {
      this.raftLog.appliedTo(Math.min(config.applied, this.raftLog.committed));
      this.replayAppliedConfChanges();
    }
    this.step_ = this.stepFollower;
    this.becomeFollower(this.term, 0);
  }

  /**
   * On restart the membership comes from the storage's snapshot, but the application already
   * applied the entries up to `applied` and will not see them again: re-apply the ConfChanges
   * among them, so the membership is the one as of `applied`.
   */
  private replayAppliedConfChanges(): void {
    const log = this.raftLog;
    let next = log.firstIndex();
    while (next <= log.applied) {
      const entries = log.slice(next, log.applied + 1, this.config.maxCommittedSizePerReadyBytes);
      assert(!isRaftError(entries), `applied entries from ${next} unavailable at start-up`);
      for (const entry of entries) {
        if (entry.type === EntryType.ConfChange) this.applyConfChange(decodeConfChange(entry.data));
      }
      next += entries.length;
    }
  }

  private loadState(state: HardState): void {
    assert(state.commit >= this.raftLog.committed && state.commit <= this.raftLog.lastIndex(),
      `hard state commit ${state.commit} outside [${this.raftLog.committed}, ${this.raftLog.lastIndex()}]`);
    this.raftLog.committed = state.commit;
    this.term = state.term;
    this.vote = state.vote;
  }

  softState(): SoftState {
    return { lead: this.lead, role: this.role };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  hasProgress(id: number): boolean {
    return this.tracker.progress.has(id);
  }

  /** Voters can campaign; learners and removed members cannot. */
  private promotable(): boolean {
    return this.tracker.isVoter(this.id);
  }

  // ---- sending ------------------------------------------------------------------------------

  /**
   * Queues a message. A leader's messages depend on nothing unpersisted that matters for safety
   * (it counts itself only after advance), so they may leave at once; anything else (votes, acks,
   * forwarded requests) promises durable state and waits for the Ready to be persisted.
   */
  private send(m: Message): void {
    // A forwarded request keeps its origin (MsgTransferLeader names the transferee in from).
    if (m.from === 0) m.from = this.id;
    if (m.type !== MessageType.MsgProp && m.type !== MessageType.MsgReadIndex && m.type !== MessageType.MsgPreVote
      && m.type !== MessageType.MsgPreVoteResp && m.type !== MessageType.MsgVoteResp) {
      m.term = this.term;
    }
    if (this.role === StateRole.Leader) this.msgs.push(m);
    else this.msgsAfterPersist.push(m);
  }

  /**
   * Sends `to` the entries from its next index, or a snapshot if we no longer hold them.
   * Returns true if a message was sent. With sendIfEmpty false, only sends if there are entries.
   */
  private maybeSendAppend(to: number, sendIfEmpty: boolean): boolean {
    const pr = this.tracker.progress.get(to)!;
    if (pr.isPaused()) return false;
    const log = this.raftLog;
    const prevIndex = pr.next - 1;
    const prevTerm = log.term(prevIndex);
    const entries = log.entries(pr.next, this.config.maxSizePerMsgBytes);
    if (isRaftError(prevTerm) || isRaftError(entries)) return this.maybeSendSnapshot(to, pr);
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send(makeMessage({
      type: MessageType.MsgApp, to, index: prevIndex, logTerm: prevTerm,
      entries: entries.length === 0 ? NO_ENTRIES : entries, commit: log.committed,
    }));
    pr.sentCommit = Math.max(pr.sentCommit, log.committed);
    if (pr.state === ProgressState.Replicate) {
      if (entries.length > 0) {
        const last = entries[entries.length - 1]!.index;
        pr.next = last + 1;
        pr.inflights.add(last);
      }
    } else {
      pr.probeSent = true;
    }
    return true;
  }

  /** A follower needs compacted entries: send it the newest snapshot (if it is reachable). */
  private maybeSendSnapshot(to: number, pr: Progress): boolean {
    if (!pr.recentActive) return false;
    const snapshot = this.raftLog.snapshot();
    if (isRaftError(snapshot)) return false;
    assert(snapshot.meta.index > 0, 'need a non-empty snapshot to send');
    pr.becomeSnapshot(snapshot.meta.index);
    this.send(makeMessage({ type: MessageType.MsgSnap, to, snapshot }));
    return true;
  }

  private sendHeartbeat(to: number, context: Uint8Array | undefined): void {
    const pr = this.tracker.progress.get(to)!;
    // A follower may not have entries up to our commit yet: never tell it to commit past its match.
    const commit = Math.min(pr.match, this.raftLog.committed);
    const m = makeMessage({ type: MessageType.MsgHeartbeat, to, commit });
    if (context !== undefined) m.context = context;
    this.send(m);
  }

  private bcastHeartbeat(context: Uint8Array | undefined): void {
    for (const id of this.tracker.progress.keys()) if (id !== this.id) this.sendHeartbeat(id, context);
  }

  /**
   * Turns what step() recorded into messages, once per Ready: new entries and commit advances
   * become one MsgApp per follower (plus more while the window allows), and ReadIndex requests
   * that arrived since the last round share one heartbeat round. RawNode calls it.
   */
  flushPending(): void {
    if (this.role !== StateRole.Leader) {
      this.broadcastPending = false;
      this.readHeartbeatPending = false;
      return;
    }
    const committed = this.raftLog.committed;
    for (const [id, pr] of this.tracker.progress) {
      if (id === this.id) continue;
      if (!this.broadcastPending && !pr.appendPending && !pr.appendForced) continue;
      const forced = pr.appendForced;
      pr.appendPending = false;
      pr.appendForced = false;
      let sent = false;
      while (this.maybeSendAppend(id, false)) {
        sent = true;
        if (pr.state !== ProgressState.Replicate) break;
      }
      if (!sent && (forced || (pr.sentCommit < committed && pr.match > pr.sentCommit))) this.maybeSendAppend(id, true);
    }
    this.broadcastPending = false;
    if (this.readHeartbeatPending) {
      this.readHeartbeatPending = false;
      const context = this.readOnly.lastPendingRequestContext();
      if (context !== null) this.bcastHeartbeat(context);
    }
  }

  // ---- state transitions ----------------------------------------------------------------------

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = 0;
    }
    this.lead = 0;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.leadTransferee = 0;
    this.tracker.resetVotes();
    const lastIndex = this.raftLog.lastIndex();
    for (const [id, pr] of this.tracker.progress) {
      // Our own match is what is durable here; nothing is known of the others yet.
      pr.match = id === this.id ? this.raftLog.persistedLastIndex() : 0;
      pr.sentCommit = 0;
      pr.appendPending = false;
      pr.appendForced = false;
      pr.becomeProbe();
      pr.next = lastIndex + 1;
    }
    this.pendingConfIndex = 0;
    this.uncommittedSizeBytes = 0;
    this.readOnly.reset();
    this.pendingReadIndexMessages = [];
    this.broadcastPending = false;
    this.readHeartbeatPending = false;
  }

  becomeFollower(term: number, lead: number): void {
    this.step_ = this.stepFollower;
    this.reset(term);
    this.lead = lead;
    this.role = StateRole.Follower;
  }

  becomePreCandidate(): void {
    assert(this.role !== StateRole.Leader, 'leader cannot become pre-candidate');
    // A pre-election changes neither term nor vote: a member that cannot win disrupts nobody.
    this.step_ = this.stepCandidate;
    this.tracker.resetVotes();
    this.lead = 0;
    this.role = StateRole.PreCandidate;
  }

  becomeCandidate(): void {
    assert(this.role !== StateRole.Leader, 'leader cannot become candidate');
    this.step_ = this.stepCandidate;
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = StateRole.Candidate;
  }

  becomeLeader(): void {
    assert(this.role !== StateRole.Follower, 'follower cannot become leader without an election');
    this.step_ = this.stepLeader;
    this.reset(this.term);
    this.lead = this.id;
    this.role = StateRole.Leader;
    const self = this.tracker.progress.get(this.id)!;
    self.becomeReplicate();
    self.recentActive = true;
    // Conservatively treat any ConfChange in the uncommitted tail as pending.
    this.pendingConfIndex = this.raftLog.lastIndex();
    // The empty entry of the new term lets this leader commit (and so serve reads) promptly.
    const appended = this.appendEntries([{ term: 0, index: 0, type: EntryType.Normal, data: EMPTY_DATA }]);
    assert(appended, 'a new leader must be able to append its empty entry');
  }

  private resetRandomizedElectionTimeout(): void {
    const timeout = this.config.electionTick;
    const r = this.config.random();
    assert(r >= 0 && r < 1, `config.random() returned ${r}, outside [0, 1)`);
    this.randomizedElectionTimeout = timeout + Math.floor(r * timeout);
  }

  // ---- ticks ----------------------------------------------------------------------------------

  tick(): void {
    if (this.role === StateRole.Leader) this.tickHeartbeat();
    else this.tickElection();
  }

  /** Followers and candidates: campaign when no leader was heard from for a randomized timeout. */
  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.step(makeMessage({ type: MessageType.MsgHup, from: this.id }));
    }
  }

  /** Leaders: heartbeat every heartbeatTick; every electionTick, check quorum and time out transfers. */
  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.config.electionTick) {
      this.electionElapsed = 0;
      // A transfer that did not finish within an election timeout is abandoned; a removed leader
      // retries at once (before CheckQuorum forgets which voters answered recently).
      this.leadTransferee = 0;
      if (!this.tracker.isVoter(this.id)) this.handOverAfterRemoval();
      if (this.config.checkQuorum) this.step(makeMessage({ type: MessageType.MsgCheckQuorum, from: this.id }));
    }
    if (this.role !== StateRole.Leader) return;
    if (this.heartbeatElapsed >= this.config.heartbeatTick) {
      this.heartbeatElapsed = 0;
      this.step(makeMessage({ type: MessageType.MsgBeat, from: this.id }));
    }
  }

  // ---- elections --------------------------------------------------------------------------------

  private hup(transfer: boolean): void {
    if (this.role === StateRole.Leader || !this.promotable()) return;
    // A member must apply every committed ConfChange before campaigning: it may not be a voter.
    if (this.hasUnappliedConfChange()) return;
    if (this.config.preVote && !transfer) this.campaign(true, false);
    else this.campaign(false, transfer);
  }

  private hasUnappliedConfChange(): boolean {
    const log = this.raftLog;
    if (log.committed <= log.applied) return false;
    const entries = log.slice(Math.max(log.applied + 1, log.firstIndex()), log.committed + 1, Number.MAX_SAFE_INTEGER);
    if (isRaftError(entries)) return false;
    return entries.some((e) => e.type === EntryType.ConfChange);
  }

  private campaign(pre: boolean, transfer: boolean): void {
    let term: number;
    let type: MessageType;
    if (pre) {
      this.becomePreCandidate();
      type = MessageType.MsgPreVote;
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      type = MessageType.MsgVote;
      term = this.term;
    }
    const result = this.tracker.recordVote(this.id, true);
    if (result === VoteResult.Won) {
      // A single voter wins at once.
      if (pre) this.campaign(false, transfer);
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.raftLog.lastIndex();
    const lastTerm = this.raftLog.lastTerm();
    for (const id of this.tracker.voters) {
      if (id === this.id) continue;
      const m = makeMessage({ type, to: id, term, index: lastIndex, logTerm: lastTerm });
      if (transfer) m.context = CAMPAIGN_TRANSFER_CONTEXT;
      this.send(m);
    }
  }

  // ---- step -------------------------------------------------------------------------------------

  /** Feeds one message (local or remote). Returns an error value if a request was refused. */
  step(m: Message): RaftError | null {
    if (isVoteResponse(m.type) && m.reject && m.commit !== 0) this.learnCommitFromVoter(m);
    if (m.term === 0) {
      // Local message (or a proposal/read forwarded by a peer, which carry no term).
    } else if (m.term > this.term) {
      if (m.type === MessageType.MsgVote || m.type === MessageType.MsgPreVote) {
        const force = m.context !== undefined && bytesEqual(m.context, CAMPAIGN_TRANSFER_CONTEXT);
        const inLease = this.config.checkQuorum && this.lead !== 0 && this.electionElapsed < this.config.electionTick;
        // Leader stickiness: while we hear from a leader, a disruptive candidate gets no answer.
        if (!force && inLease) return null;
      }
      if (m.type === MessageType.MsgPreVote) {
        // A pre-vote never changes our term.
      } else if (m.type === MessageType.MsgPreVoteResp && !m.reject) {
        // The pre-candidate's own future term: it becomes a candidate if a quorum grants.
      } else if (m.type === MessageType.MsgApp || m.type === MessageType.MsgHeartbeat || m.type === MessageType.MsgSnap) {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, 0);
      }
    } else if (m.term < this.term) {
      this.stepStale(m);
      return null;
    }
    switch (m.type) {
      case MessageType.MsgHup:
        this.hup(false);
        return null;
      case MessageType.MsgVote:
      case MessageType.MsgPreVote:
        this.stepVoteRequest(m);
        return null;
      default:
        return this.step_(m);
    }
  }

  /** A message from an older term. Answer only where the answer helps the sender catch up. */
  private stepStale(m: Message): void {
    if ((this.config.checkQuorum || this.config.preVote)
      && (m.type === MessageType.MsgHeartbeat || m.type === MessageType.MsgApp)) {
      // A leader cut off (and superseded) while we ignored its term: tell it our term so it steps
      // down, instead of leaving it to disrupt us with elections after its partition heals.
      this.send(makeMessage({ type: MessageType.MsgAppResp, to: m.from }));
    } else if (m.type === MessageType.MsgPreVote) {
      // Reject with our term, so a pre-candidate at a stale term learns it.
      this.rejectVote(m);
    }
  }

  /** Raft paper 5.2 and 5.4.1: one vote per term, only for a log at least as up to date as ours. */
  private stepVoteRequest(m: Message): void {
    const canVote = this.vote === m.from || (this.vote === 0 && this.lead === 0)
      || (m.type === MessageType.MsgPreVote && m.term > this.term);
    const responseType = voteResponseType(m.type);
    if (canVote && this.raftLog.isUpToDate(m.index, m.logTerm)) {
      // A pre-vote answer carries the term the pre-candidate would use, so it counts the grant.
      this.send(makeMessage({ type: responseType, to: m.from, term: m.term }));
      if (m.type === MessageType.MsgVote) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.rejectVote(m);
    }
  }

  /**
   * Refuses a (pre-)vote, at our term. A member outside its own configuration (it applied its
   * removal) adds its commit index and that entry's term: see learnCommitFromVoter.
   */
  private rejectVote(m: Message): void {
    const resp = makeMessage({ type: voteResponseType(m.type), to: m.from, term: this.term, reject: true });
    if (!this.promotable()) {
      const commitTerm = this.raftLog.term(this.raftLog.committed);
      if (!isRaftError(commitTerm) && commitTerm !== 0) {
        resp.commit = this.raftLog.committed;
        resp.logTerm = commitTerm;
      }
    }
    this.send(resp);
  }

  /**
   * A member outside its own configuration refused our (pre-)vote and told us its commit index:
   * take it if our log holds that entry.
   *
   * Why. A removed member has applied its removal, so its commit index covers the removal, and it
   * never campaigns. A voter that lost the news that the removal committed (commit-only hard
   * states are not synced, so a crash can roll the commit index back) still counts the removed
   * member as a voter and may need its vote; the removed member refuses it for as long as its log
   * is longer, for instance because it holds entries that a leader of the stale configuration
   * sent before crashing without persisting them. In a two-voter cluster that removed its
   * leader, nobody could ever be elected again. Learning the commit index, the voter applies the
   * removal (it campaigns only once every committed ConfChange is applied) and stops counting
   * the removed member.
   *
   * Why it is safe. Only our commit index moves; the log, term and vote do not. The sender's
   * commit index covers only entries it learned were committed. If our entry at that index has
   * the same term, Log Matching makes our log identical to the sender's up to there, so every
   * entry up to it is committed in our log too: the rule a follower applies to a leader's commit
   * in MsgApp (min(commit, last new index)). If the terms differ, or we no longer hold the entry,
   * we learn nothing. A leader ignores it: it commits by counting acknowledgements.
   *
   * Why not let a removed member grant votes more easily instead (say, to any log holding its
   * committed prefix): entries past its commit index may have been committed with its own
   * acknowledgement, by a leader that had not applied the removal yet, and a candidate lacking
   * them could then win.
   */
  private learnCommitFromVoter(m: Message): void {
    if (this.role === StateRole.Leader || m.commit <= this.raftLog.committed) return;
    if (this.raftLog.matchTerm(m.commit, m.logTerm)) this.raftLog.commitTo(m.commit);
  }

  private stepFollower(m: Message): RaftError | null {
    switch (m.type) {
      case MessageType.MsgProp:
        if (this.lead === 0) return errProposalDropped('no leader');
        if (this.config.disableProposalForwarding) return errProposalDropped('proposal forwarding disabled');
        this.send({ ...m, to: this.lead });
        return null;
      case MessageType.MsgApp:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return null;
      case MessageType.MsgHeartbeat:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return null;
      case MessageType.MsgSnap:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return null;
      case MessageType.MsgTransferLeader:
        if (this.lead === 0) return errProposalDropped('no leader');
        this.send({ ...m, to: this.lead });
        return null;
      case MessageType.MsgTimeoutNow:
        // The leader asks us to take over: campaign now, skipping PreVote and the voters' lease.
        this.hup(true);
        return null;
      case MessageType.MsgReadIndex:
        if (this.lead === 0) return errReadIndexDropped('no leader');
        this.send({ ...m, to: this.lead });
        return null;
      case MessageType.MsgReadIndexResp:
        this.readStates.push({ index: m.index, requestCtx: m.context ?? EMPTY_DATA });
        return null;
      default:
        return null;
    }
  }

  private stepCandidate(m: Message): RaftError | null {
    const myVoteResponse = this.role === StateRole.PreCandidate ? MessageType.MsgPreVoteResp : MessageType.MsgVoteResp;
    switch (m.type) {
      case MessageType.MsgProp:
        return errProposalDropped('no leader');
      case MessageType.MsgReadIndex:
        return errReadIndexDropped('no leader');
      case MessageType.MsgApp:
        // A leader of our term exists (Raft paper 5.2): step down and follow it.
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        return null;
      case MessageType.MsgHeartbeat:
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return null;
      case MessageType.MsgSnap:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return null;
      case myVoteResponse: {
        const result = this.tracker.recordVote(m.from, !m.reject);
        if (result === VoteResult.Won) {
          if (this.role === StateRole.PreCandidate) this.campaign(false, false);
          else this.becomeLeader();
        } else if (result === VoteResult.Lost) {
          // Lost (also a lost pre-election): wait for the next timeout as a follower.
          this.becomeFollower(this.term, 0);
        }
        return null;
      }
      default:
        return null;
    }
  }

  // ---- follower handlers ------------------------------------------------------------------------

  /** Raft paper 5.3: the log-matching check, conflict truncation, and a rejection hint. */
  private handleAppendEntries(m: Message): void {
    const log = this.raftLog;
    if (m.index < log.committed) {
      this.send(makeMessage({ type: MessageType.MsgAppResp, to: m.from, index: log.committed }));
      return;
    }
    const lastNewIndex = log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNewIndex !== null) {
      this.send(makeMessage({ type: MessageType.MsgAppResp, to: m.from, index: lastNewIndex }));
      return;
    }
    // Fast back-off: point the leader at the last of our entries that could match its log,
    // skipping every entry of a term above the leader's term at m.index.
    const hint = log.findConflictByTerm(Math.min(m.index, log.lastIndex()), m.logTerm);
    this.send(makeMessage({
      type: MessageType.MsgAppResp, to: m.from, index: m.index, reject: true,
      rejectHint: hint.index, logTerm: hint.term,
    }));
  }

  private handleHeartbeat(m: Message): void {
    // The leader sends at most our match (sendHeartbeat), which is within our log. A commit beyond
    // our last index (a bug, or a forged message) is clamped to what we hold instead of breaking
    // the log's invariant and stopping the member (etcd-raft's commitTo panics on it).
    this.raftLog.commitTo(Math.min(m.commit, this.raftLog.lastIndex()));
    const resp = makeMessage({ type: MessageType.MsgHeartbeatResp, to: m.from });
    if (m.context !== undefined) resp.context = m.context;
    this.send(resp);
  }

  private handleSnapshot(m: Message): void {
    const snapshot = m.snapshot;
    assert(snapshot !== undefined, 'MsgSnap without a snapshot');
    if (this.restore(snapshot)) {
      this.send(makeMessage({ type: MessageType.MsgAppResp, to: m.from, index: this.raftLog.lastIndex() }));
    } else {
      this.send(makeMessage({ type: MessageType.MsgAppResp, to: m.from, index: this.raftLog.committed }));
    }
  }

  /** Installs a snapshot from the leader; false if it is stale or our log already has it. */
  private restore(snapshot: Snapshot): boolean {
    const log = this.raftLog;
    const { index, term, confState } = snapshot.meta;
    if (index <= log.committed) return false;
    assert(this.role === StateRole.Follower, 'only a follower installs a snapshot');
    // The snapshot's membership may predate our (re-)addition: the leader sending it has us in
    // its configuration, and the log after the snapshot holds the ConfChange that added us, which
    // we apply in turn. Until then we are not promotable, so we cannot campaign.
    if (log.matchTerm(index, term)) {
      // Our log already holds the snapshot's last entry: just fast-forward the commit.
      log.commitTo(index);
      return false;
    }
    log.restore(snapshot);
    this.tracker.reset(confState, log.lastIndex() + 1);
    return true;
  }

  // ---- leader -------------------------------------------------------------------------------------

  /**
   * Appends proposed entries to the leader's log, stamping term and index. Refuses (false) if the
   * uncommitted bytes would exceed maxUncommittedEntriesBytes. The leader's own progress is NOT
   * updated here: it acknowledges its entries only once durable (advance).
   */
  private appendEntries(entries: Entry[]): boolean {
    let sizeBytes = 0;
    for (let i = 0; i < entries.length; i++) sizeBytes += payloadSizeBytes(entries[i]!);
    if (this.uncommittedSizeBytes > 0 && sizeBytes > 0
      && this.uncommittedSizeBytes + sizeBytes > this.config.maxUncommittedEntriesBytes) {
      return false;
    }
    this.uncommittedSizeBytes += sizeBytes;
    let index = this.raftLog.lastIndex();
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      entry.term = this.term;
      entry.index = ++index;
    }
    this.raftLog.append(entries);
    this.broadcastPending = true;
    return true;
  }

  /** Commit what a majority has durably (only an entry of this term, Raft paper 5.4.2). */
  private maybeCommit(): boolean {
    return this.raftLog.maybeCommit(this.tracker.committed(), this.term);
  }

  private committedEntryInCurrentTerm(): boolean {
    return this.raftLog.term(this.raftLog.committed) === this.term;
  }

  /** The commit index moved: tell everyone, and release reads that waited for this term's commit. */
  private onCommitted(): void {
    this.broadcastPending = true;
    if (this.pendingReadIndexMessages.length > 0 && this.committedEntryInCurrentTerm()) {
      const waiting = this.pendingReadIndexMessages;
      this.pendingReadIndexMessages = [];
      for (const m of waiting) this.handleReadIndex(m);
    }
  }

  private stepLeader(m: Message): RaftError | null {
    switch (m.type) {
      case MessageType.MsgBeat:
        this.bcastHeartbeat(this.readOnly.lastPendingRequestContext() ?? undefined);
        return null;
      case MessageType.MsgCheckQuorum:
        this.checkQuorum();
        return null;
      case MessageType.MsgProp:
        return this.handlePropose(m);
      case MessageType.MsgReadIndex:
        return this.handleReadIndex(m);
      case MessageType.MsgTransferLeader:
        this.handleTransferLeader(m.from);
        return null;
      default:
        break;
    }
    const pr = this.tracker.progress.get(m.from);
    if (pr === undefined) return null;
    switch (m.type) {
      case MessageType.MsgAppResp:
        this.handleAppendResponse(m, pr);
        break;
      case MessageType.MsgHeartbeatResp:
        this.handleHeartbeatResponse(m, pr);
        break;
      case MessageType.MsgSnapStatus:
        if (pr.state !== ProgressState.Snapshot) break;
        if (m.reject) pr.pendingSnapshot = 0;
        pr.becomeProbe();
        // Wait for the follower's MsgAppResp (or a heartbeat response) before the next append.
        pr.probeSent = true;
        break;
      case MessageType.MsgUnreachable:
        // Optimistic pipelining to an unreachable member only piles up loss: fall back to probing.
        if (pr.state === ProgressState.Replicate) pr.becomeProbe();
        break;
      default:
        break;
    }
    return null;
  }

  /** CheckQuorum: a leader that has not heard from a quorum in an election timeout steps down. */
  private checkQuorum(): void {
    const self = this.tracker.progress.get(this.id);
    if (self !== undefined) self.recentActive = true;
    // A removed leader stays on even without a quorum: it has no lease to give up (it takes no
    // proposals), and stepping down could leave a voter that lost the removal's commit index in
    // a crash waiting for a vote we would refuse it (see handOverAfterRemoval).
    if (!this.tracker.quorumActive() && this.tracker.isVoter(this.id)) this.becomeFollower(this.term, 0);
    for (const [id, pr] of this.tracker.progress) if (id !== this.id) pr.recentActive = false;
  }

  private handlePropose(m: Message): RaftError | null {
    if (m.entries.length === 0) return errInvalidRequest('a proposal without entries');
    if (!this.tracker.progress.has(this.id)) return errProposalDropped('not a member');
    if (this.leadTransferee !== 0) return errProposalDropped('leader transfer in progress');
    let confIndex = 0;
    for (let i = 0; i < m.entries.length; i++) {
      if (m.entries[i]!.type !== EntryType.ConfChange) continue;
      if (confIndex !== 0 || this.pendingConfIndex > this.raftLog.applied) return errProposalDropped('conf change pending');
      confIndex = this.raftLog.lastIndex() + i + 1;
    }
    // The entries are ours to stamp with term and index: RawNode.propose makes them, and
    // RawNode.step copies those of a proposal from the network.
    if (!this.appendEntries(m.entries)) return errProposalDropped('log too large');
    if (confIndex !== 0) this.pendingConfIndex = confIndex;
    return null;
  }

  private handleAppendResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    if (m.reject) {
      let nextProbeIndex = m.rejectHint;
      if (m.logTerm > 0) nextProbeIndex = this.raftLog.findConflictByTerm(m.rejectHint, m.logTerm).index;
      if (pr.maybeDecrTo(m.index, nextProbeIndex)) {
        if (pr.state === ProgressState.Replicate) pr.becomeProbe();
        pr.appendPending = true;
      }
      return;
    }
    // An acknowledgement of entries we never had (a bug, or a forged message) would set a match
    // beyond our log, and the next append would look up terms we do not hold: ignore it.
    if (m.index > this.raftLog.lastIndex()) return;
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) {
      if (wasPaused && !pr.isPaused()) pr.appendPending = true;
      return;
    }
    if (pr.state === ProgressState.Probe) {
      pr.becomeReplicate();
    } else if (pr.state === ProgressState.Snapshot) {
      if (pr.match + 1 >= this.raftLog.firstIndex()) {
        pr.becomeProbe();
        pr.becomeReplicate();
      }
    } else {
      pr.inflights.freeLE(m.index);
    }
    pr.appendPending = true;
    if (this.maybeCommit()) this.onCommitted();
    if (m.from === this.leadTransferee && pr.match === this.raftLog.lastIndex()) this.sendTimeoutNow(m.from);
  }

  private handleHeartbeatResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    pr.probeSent = false;
    if (pr.state === ProgressState.Replicate && pr.inflights.full()) pr.inflights.freeFirstOne();
    // Behind: an append may have been lost. An (empty, if need be) MsgApp finds out: the follower
    // rejects it if it lacks the previous entry, and the leader backs off.
    if (pr.match < this.raftLog.lastIndex()) pr.appendForced = true;
    if (m.context === undefined) return;
    const acks = this.readOnly.recvAck(m.from, m.context);
    if (acks === null) return;
    const withSelf = new Set(acks).add(this.id);
    if (!this.tracker.isQuorum(withSelf)) return;
    for (const status of this.readOnly.advance(m.context)) this.respondToReadIndex(status.request, status.index);
  }

  /** ReadIndex at the leader (Raft thesis 6.4): record the commit index, confirm leadership by a heartbeat round. */
  private handleReadIndex(m: Message): RaftError | null {
    if (!this.committedEntryInCurrentTerm()) {
      // A new leader's commit index may lag the true one until it commits an entry of its term.
      // This holds for a single voter too (so this check comes first): unlike etcd's leader, ours
      // counts its own entries toward commit only after advance(), so after a restart that lost
      // an unsynced commit-only hard state, its commit index can sit below acknowledged writes.
      // onCommitted answers the waiting requests once the no-op of this term commits.
      if (this.pendingReadIndexMessages.length >= READ_INDEX_PENDING_MAX) return errReadIndexDropped('too many pending requests');
      this.pendingReadIndexMessages.push(m);
      return null;
    }
    if (this.tracker.voters.length === 1 && this.tracker.isVoter(this.id)) {
      this.respondToReadIndex(m, this.raftLog.committed);
      return null;
    }
    const refused = this.readOnly.addRequest(this.raftLog.committed, m);
    if (refused !== null) return errReadIndexDropped(refused);
    this.readHeartbeatPending = true;
    return null;
  }

  private respondToReadIndex(request: Message, index: number): void {
    if (request.from === 0 || request.from === this.id) {
      this.readStates.push({ index, requestCtx: request.context ?? EMPTY_DATA });
      return;
    }
    const resp = makeMessage({ type: MessageType.MsgReadIndexResp, to: request.from, index });
    if (request.context !== undefined) resp.context = request.context;
    this.send(resp);
  }

  // ---- leader transfer ------------------------------------------------------------------------

  private handleTransferLeader(transferee: number): void {
    const pr = this.tracker.progress.get(transferee);
    if (pr === undefined || pr.isLearner) return;
    if (this.leadTransferee !== 0) {
      if (this.leadTransferee === transferee) return;
      this.leadTransferee = 0;
    }
    if (transferee === this.id) return;
    // The transfer must finish within an election timeout (tickHeartbeat aborts it otherwise).
    this.electionElapsed = 0;
    this.leadTransferee = transferee;
    if (pr.match === this.raftLog.lastIndex()) this.sendTimeoutNow(transferee);
    else pr.appendForced = true;
  }

  private sendTimeoutNow(to: number): void {
    this.send(makeMessage({ type: MessageType.MsgTimeoutNow, to }));
  }

  // ---- membership -------------------------------------------------------------------------------

  /** Rejects a change that could never be applied sensibly, before it is proposed. */
  validateConfChange(cc: ConfChange): RaftError | null {
    return checkConfChange(this.tracker, cc);
  }

  /** Applies a committed ConfChange (the application calls this in log order). */
  applyConfChange(cc: ConfChange): ConfState {
    applyToTracker(this.tracker, cc, this.raftLog.lastIndex() + 1);
    this.onConfigChanged();
    return this.tracker.confState();
  }

  private onConfigChanged(): void {
    if (this.role !== StateRole.Leader) return;
    if (this.leadTransferee !== 0 && !this.tracker.isVoter(this.leadTransferee)) this.leadTransferee = 0;
    // The quorum changed: a smaller one may already have committed more.
    if (this.maybeCommit()) this.onCommitted();
    this.broadcastPending = true;
    if (!this.tracker.isVoter(this.id)) this.handOverAfterRemoval();
  }

  /**
   * This leader applied its own removal. Like etcd's raft (StepDownOnRemoval off), it keeps
   * leading until a newer term reaches it (or the application stops it): it takes no proposals,
   * but goes on replicating and heartbeating the commit index, so the remaining voters learn that
   * the removal committed. Stepping down instead would leave a voter that has not learned it (or
   * lost it in a crash: commit-only hard states are not synced) counting us, and we refuse its
   * votes if its log is shorter than ours; it would only learn the commit index from our refusal
   * (learnCommitFromVoter), an election timeout or more later. To hand over promptly, it
   * transfers leadership to the most caught-up voter that answered recently (MsgTimeoutNow once
   * it has our whole log); tickHeartbeat retries, choosing afresh, every election timeout.
   */
  private handOverAfterRemoval(): void {
    let best: Progress | undefined;
    let bestId = 0;
    for (const id of this.tracker.voters) {
      const pr = this.tracker.progress.get(id)!;
      const better = best === undefined
        || (pr.recentActive !== best.recentActive ? pr.recentActive : pr.match > best.match);
      if (better) { best = pr; bestId = id; }
    }
    if (bestId !== 0) this.handleTransferLeader(bestId);
  }

  // ---- durability and application ---------------------------------------------------------------

  /**
   * The driver persisted a Ready (snapshot at snapshotIndex, entries up to lastEntryIndex of
   * lastEntryTerm) and applied its committed entries up to lastCommittedIndex. A leader now
   * acknowledges its own entries (its self-MsgAppResp), which may advance the commit index.
   */
  advance(snapshotIndex: number, lastEntryIndex: number, lastEntryTerm: number,
    lastCommittedIndex: number, committedPayloadBytes: number): void {
    const log = this.raftLog;
    if (snapshotIndex !== 0) {
      log.stableSnapTo(snapshotIndex);
      if (snapshotIndex > log.applied) log.applied = snapshotIndex;
    }
    if (lastEntryIndex !== 0) log.stableTo(lastEntryIndex, lastEntryTerm);
    if (lastCommittedIndex !== 0) log.appliedTo(lastCommittedIndex);
    if (this.role !== StateRole.Leader) return;
    this.uncommittedSizeBytes = Math.max(0, this.uncommittedSizeBytes - committedPayloadBytes);
    if (lastEntryIndex !== 0 && log.matchTerm(lastEntryIndex, lastEntryTerm)) {
      const self = this.tracker.progress.get(this.id);
      if (self !== undefined && self.maybeUpdate(lastEntryIndex) && this.maybeCommit()) this.onCommitted();
    }
  }

  // ---- status -----------------------------------------------------------------------------------

  status(): Status {
    const progress: ProgressStatus[] = [];
    if (this.role === StateRole.Leader) {
      const ids = [...this.tracker.progress.keys()].sort((a, b) => a - b);
      for (const id of ids) {
        const pr = this.tracker.progress.get(id)!;
        progress.push({
          id, match: pr.match, next: pr.next, state: pr.state, isLearner: pr.isLearner,
          recentActive: pr.recentActive, inflightCount: pr.inflights.count,
        });
      }
    }
    return {
      id: this.id, term: this.term, vote: this.vote, lead: this.lead, role: this.role,
      commit: this.raftLog.committed, applied: this.raftLog.applied, leadTransferee: this.leadTransferee,
      progress, confState: this.tracker.confState(),
    };
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
