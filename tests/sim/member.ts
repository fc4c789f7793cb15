/**
 * One simulated cluster member: a RawNode, its simulated disk, its KV state machine, and the
 * client requests it took. It runs the driver loop of engine/raft/raw-node.ts to the letter:
 *
 *   ready -> send messages -> persist snapshot, entries, hard state -> fsync if mustSync
 *         -> send messagesAfterPersist -> apply -> serve reads -> advance
 *
 * and can crash at any point of it (after the first sends, before the fsync, before advance),
 * losing whatever the disk had not synced. A restart rebuilds everything from the durable image:
 * the RawNode from hard state + entries + snapshot, the KV map from the snapshot, and the
 * committed entries after it are applied again.
 */
import { decodeConfChange, ConfChangeType } from '../../engine/raft/confchange.js';
import { isRaftError, type RaftError } from '../../engine/raft/errors.js';
import { MessageType, type Message } from '../../engine/raft/message.js';
import { RawNode, SnapshotStatus, StateRole, type Ready } from '../../engine/raft/raw-node.js';
import { EntryType, type ConfState, type Entry } from '../../engine/raft/types.js';
import type { KvInput, KvOutput } from '../lin/kv-model.js';
import { SimDisk, type DiskWrite } from './disk.js';
import type { InvariantChecker } from './invariants.js';
import type { SimNetwork } from './network.js';
import type { Prng } from './prng.js';
import { decodeCommand, encodeCommand, KvStateMachine } from './state-machine.js';
import { formatMessage, formatReady, type Trace } from './trace.js';

/** Knobs a seed chooses for its members. */
export interface MemberTuning {
  electionTicks: number;
  heartbeatTicks: number;
  /** Take a snapshot after this many applied entries... */
  snapshotEveryEntries: number;
  /** ...and keep this many entries behind it, so slightly slow followers still catch up by log. */
  entriesKeptAfterCompaction: number;
}

/** What a member needs from the simulation around it. */
export interface MemberEnvironment {
  readonly prng: Prng;
  readonly network: SimNetwork;
  readonly invariants: InvariantChecker;
  nowTicks(): number;
  /** Chance, now, that handling one Ready crashes the member part-way (the fault profile's). */
  crashInReadyProbability(): number;
  /** A request this member took has its answer: hand it to the client. */
  respond(opId: number, output: KvOutput): void;
  /** The verbose trace (undefined unless --verbose). */
  readonly trace: Trace;
}

/** Where a Ready's handling is interrupted by a crash. */
type CrashPoint = 'none' | 'after-messages' | 'before-fsync' | 'before-advance';
const CRASH_POINTS: readonly CrashPoint[] = ['after-messages', 'before-fsync', 'before-advance'];

/** Readies handled per call of handleReadies; a core that never runs dry is a bug worth stopping on. */
export const READIES_PER_TURN_MAX = 64;
/** Messages a paused member's socket buffers hold; later ones are dropped, as a full buffer would. */
export const INBOX_MESSAGES_MAX = 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A simulated member. */
export class SimMember {
  readonly disk: SimDisk;
  private node: RawNode | null = null;
  private kv = KvStateMachine.empty();
  private appliedIndex = 0;
  private snapshotIndex = 0;
  private commitSeen = 0;
  private confState: ConfState;
  private role: StateRole = StateRole.Follower;
  /** Requests this member took, by op id: proposals await their entry, reads their key. */
  private readonly proposals = new Set<number>();
  private readonly reads = new Map<number, string>();
  /** Confirmed reads waiting for the applied index to reach their read index. */
  private readyReads: { opId: number; index: number }[] = [];
  /**
   * Applied its own removal. It keeps running as a Raft node outside the configuration (it still
   * answers votes, as etcd's raft does), because stopping it can wedge the cluster: a survivor that
   * lost the commit index of that removal in a crash (commit-only hard states are not synced) still
   * counts the removed member as a voter. Clients stop using it.
   */
  removed = false;
  crashes = 0;
  /** Frozen (like SIGSTOP) until this tick: no ticks, no Readies; messages wait in `inbox`. */
  private pausedUntilTicks = 0;
  private inbox: Message[] = [];

  constructor(
    readonly id: number,
    genesis: ConfState,
    private readonly tuning: MemberTuning,
    private readonly env: MemberEnvironment,
  ) {
    this.disk = new SimDisk(genesis);
    this.confState = genesis;
  }

  /** True while the member runs. */
  isUp(): boolean {
    return this.node !== null;
  }

  /** True when up and leading. */
  isLeader(): boolean {
    return this.node !== null && this.role === StateRole.Leader;
  }

  /** The running RawNode (for proposals of membership changes and status). */
  raw(): RawNode | null {
    return this.node;
  }

  /** The membership this member last applied. */
  membership(): ConfState {
    return this.confState;
  }

  /** Starts (or restarts) the member from its durable state. */
  start(): void {
    if (this.node !== null) throw new Error(`member ${this.id} is already running`);
    const storage = this.disk.live;
    const snapshot = storage.snapshot();
    this.kv = KvStateMachine.fromSnapshot(snapshot.data);
    this.appliedIndex = snapshot.meta.index;
    this.snapshotIndex = snapshot.meta.index;
    this.commitSeen = snapshot.meta.index;
    this.confState = snapshot.meta.confState;
    this.role = StateRole.Follower;
    const prng = this.env.prng;
    this.node = new RawNode({
      id: this.id,
      storage,
      random: () => prng.float(),
      electionTick: this.tuning.electionTicks,
      heartbeatTick: this.tuning.heartbeatTicks,
      applied: this.appliedIndex,
    });
    this.env.invariants.observeSnapshotRestored(this.id, snapshot.meta.index, snapshot.meta.term);
    this.env.invariants.checkDurableLog(this.id, storage, storage.initialState().hardState.commit);
    this.env.trace?.(`m${this.id} starts at applied ${this.appliedIndex}, last index ${storage.lastIndex()}`);
  }

  /**
   * Crashes the member: unsynced writes are (partly) lost, the state machine and every pending
   * request with it. Returns the op ids whose outcome is now unknown.
   */
  crash(): number[] {
    if (this.node === null) return [];
    this.node = null;
    this.crashes++;
    this.disk.crash(this.env.prng);
    const lost = [...this.proposals, ...this.reads.keys()];
    this.proposals.clear();
    this.reads.clear();
    this.readyReads = [];
    this.inbox = [];
    this.pausedUntilTicks = 0;
    this.env.trace?.(`m${this.id} crashes`);
    return lost;
  }

  /**
   * Freezes the member until `untilTicks`, like SIGSTOP or a long GC pause: it neither ticks nor
   * handles Readies, and messages queue up for it. When it resumes it acts on a stale view of the
   * world (an old leader still believes it leads), which is what this fault is for.
   */
  pause(untilTicks: number): void {
    this.pausedUntilTicks = untilTicks;
    this.env.trace?.(`m${this.id} pauses until t=${untilTicks}`);
  }

  /** True while frozen. */
  isPaused(): boolean {
    return this.node !== null && this.env.nowTicks() < this.pausedUntilTicks;
  }

  tick(): void {
    if (this.node === null || this.isPaused()) return;
    this.drainInbox(this.node);
    this.node.tick();
  }

  /** Delivers a message from the network (errors, such as a response from a removed member, are dropped as etcd does). */
  receive(message: Message): void {
    if (this.node === null) return;
    if (this.isPaused()) {
      if (this.inbox.length < INBOX_MESSAGES_MAX) this.inbox.push(message);
      return;
    }
    this.drainInbox(this.node);
    this.step(this.node, message);
  }

  private step(node: RawNode, message: Message): void {
    this.env.trace?.(`m${this.id} <- ${formatMessage(message)}`);
    node.step(message);
  }

  /** Steps the messages that arrived while paused, in arrival order. */
  private drainInbox(node: RawNode): void {
    if (this.inbox.length === 0) return;
    const waiting = this.inbox;
    this.inbox = [];
    for (const message of waiting) this.step(node, message);
  }

  /** Proposes a client command. Null: accepted (the answer comes when it applies here). */
  propose(opId: number, input: KvInput): RaftError | null {
    if (this.node === null) throw new Error(`member ${this.id} is down`);
    const error = this.node.propose(encodeCommand({ opId, input }));
    if (error === null) this.proposals.add(opId);
    return error;
  }

  /** Starts a linearizable read of `key` through ReadIndex. */
  readIndex(opId: number, key: string): RaftError | null {
    if (this.node === null) throw new Error(`member ${this.id} is down`);
    const error = this.node.readIndex(encoder.encode(String(opId)));
    if (error === null) this.reads.set(opId, key);
    return error;
  }

  /** The local state machine's value of `key`, without any Raft round (a serializable read). */
  readLocal(key: string): string | null {
    return this.kv.read(key);
  }

  /** The client gave up on a request: stop tracking it. */
  forget(opId: number): void {
    this.proposals.delete(opId);
    this.reads.delete(opId);
  }

  /**
   * Handles every Ready the node has. Returns the op ids whose outcome became unknown because the
   * member crashed part-way (empty otherwise).
   */
  handleReadies(): number[] {
    for (let turn = 0; turn < READIES_PER_TURN_MAX; turn++) {
      const node = this.node;
      if (node === null || this.isPaused() || !node.hasReady()) return [];
      const crashPoint: CrashPoint = this.env.prng.chance(this.env.crashInReadyProbability()) ? this.env.prng.pick(CRASH_POINTS) : 'none';
      const lost = this.handleReady(node, node.ready(), crashPoint);
      if (lost !== null) return lost;
    }
    throw new Error(`member ${this.id} still has a Ready after ${READIES_PER_TURN_MAX} turns`);
  }

  /** One Ready, in the contract's order; returns the lost op ids if it crashed part-way, else null. */
  private handleReady(node: RawNode, rd: Ready, crashPoint: CrashPoint): number[] | null {
    this.env.trace?.(`m${this.id} ready: ${formatReady(rd)}${crashPoint === 'none' ? '' : `, crash ${crashPoint}`}`);
    this.sendAll(node, rd.messages);
    if (crashPoint === 'after-messages') return this.crash();
    this.persist(rd);
    if (crashPoint === 'before-fsync') return this.crash();
    if (rd.mustSync) this.disk.fsync();
    this.observeDurableEntries(rd.entries);
    this.sendAll(node, rd.messagesAfterPersist);
    if (rd.softState !== null) this.observeRole(node, rd.softState.role);
    this.observeCommit(rd);
    if (rd.snapshot !== null) {
      this.kv = KvStateMachine.fromSnapshot(rd.snapshot.data);
      this.appliedIndex = rd.snapshot.meta.index;
      this.snapshotIndex = rd.snapshot.meta.index;
      this.confState = rd.snapshot.meta.confState;
      this.env.invariants.observeSnapshotRestored(this.id, rd.snapshot.meta.index, rd.snapshot.meta.term);
    }
    for (const entry of rd.committedEntries) this.apply(node, entry);
    for (const readState of rd.readStates) {
      const opId = Number(decoder.decode(readState.requestCtx));
      if (this.reads.has(opId)) this.readyReads.push({ opId, index: readState.index });
    }
    this.serveReads();
    if (crashPoint === 'before-advance') return this.crash();
    node.advance();
    this.maybeSnapshot();
    return null;
  }

  private sendAll(node: RawNode, messages: readonly Message[]): void {
    const network = this.env.network;
    for (const message of messages) {
      const connected = network.isConnected(message.from, message.to);
      const delivered = network.send(message, this.env.nowTicks());
      if (!connected) node.reportUnreachable(message.to);
      if (message.type === MessageType.MsgSnap) {
        node.reportSnapshot(message.to, delivered ? SnapshotStatus.Finish : SnapshotStatus.Failure);
      }
    }
  }

  /** Snapshot, then entries, then hard state (the Ready contract's order), as one disk batch. */
  private persist(rd: Ready): void {
    const batch: DiskWrite[] = [];
    if (rd.snapshot !== null) batch.push({ kind: 'receivedSnapshot', snapshot: rd.snapshot });
    if (rd.entries.length > 0) batch.push({ kind: 'entries', entries: rd.entries });
    if (rd.hardState !== null) batch.push({ kind: 'hardState', hardState: rd.hardState });
    this.disk.write(batch);
  }

  /**
   * Reports appended entries to the log-matching check once they are durable: entries lost in a
   * crash before the fsync were never acknowledged, and a single voter that also lost its new
   * term may legitimately reuse that (index, term) for other entries.
   */
  private observeDurableEntries(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const before = this.disk.live.term(entries[0].index - 1);
    this.env.invariants.observeAppend(this.id, entries, isRaftError(before) ? undefined : before);
  }

  private observeRole(node: RawNode, role: StateRole): void {
    this.role = role;
    if (role !== StateRole.Leader) return;
    const term = node.status().term;
    this.env.trace?.(`m${this.id} becomes leader of term ${term}`);
    this.env.invariants.observeLeader(this.id, term);
    this.env.invariants.checkLeaderCompleteness(this.id, term, this.disk.live);
  }

  /** Records the entries this member now knows to be committed. */
  private observeCommit(rd: Ready): void {
    if (rd.hardState === null || rd.hardState.commit <= this.commitSeen) return;
    const storage = this.disk.live;
    const from = Math.max(this.commitSeen + 1, storage.firstIndex());
    const entries = storage.entries(from, rd.hardState.commit + 1, Infinity);
    if (isRaftError(entries)) throw new Error(`member ${this.id}: committed entries unreadable: ${entries.message}`);
    for (const entry of entries) this.env.invariants.observeCommitted(this.id, entry);
    this.commitSeen = rd.hardState.commit;
  }

  private apply(node: RawNode, entry: Entry): void {
    this.env.invariants.observeCommitted(this.id, entry);
    this.env.invariants.observeApplied(this.id, entry);
    this.appliedIndex = entry.index;
    if (entry.type === EntryType.ConfChange) {
      const change = decodeConfChange(entry.data);
      this.confState = node.applyConfChange(change);
      this.env.trace?.(`m${this.id} applies conf change ${ConfChangeType[change.type]} ${change.nodeId} at ${entry.index}`);
      if (change.type === ConfChangeType.RemoveNode && change.nodeId === this.id) this.removed = true;
      if (change.type !== ConfChangeType.RemoveNode && change.nodeId === this.id) this.removed = false;
      return;
    }
    const command = decodeCommand(entry.data);
    if (command === undefined) return;
    const output = this.kv.apply(command);
    if (output !== undefined && this.proposals.delete(command.opId)) this.env.respond(command.opId, output);
  }

  private serveReads(): void {
    const waiting: { opId: number; index: number }[] = [];
    for (const read of this.readyReads) {
      const key = this.reads.get(read.opId);
      if (key === undefined) continue;
      if (read.index > this.appliedIndex) {
        waiting.push(read);
        continue;
      }
      this.reads.delete(read.opId);
      this.env.respond(read.opId, { type: 'get', value: this.kv.read(key) });
    }
    this.readyReads = waiting;
  }

  /** Snapshots the KV map and compacts the log now and then, so laggards catch up by snapshot. */
  private maybeSnapshot(): void {
    if (this.appliedIndex - this.snapshotIndex < this.tuning.snapshotEveryEntries) return;
    const batch: DiskWrite[] = [{ kind: 'createSnapshot', index: this.appliedIndex, confState: this.confState, data: this.kv.snapshot() }];
    const compactIndex = this.appliedIndex - this.tuning.entriesKeptAfterCompaction;
    if (compactIndex >= this.disk.live.firstIndex()) batch.push({ kind: 'compact', index: compactIndex });
    this.snapshotIndex = this.appliedIndex;
    this.disk.write(batch);
    this.disk.fsync();
  }
}
