/**
 * Member: one cluster member. It drives the pure Raft core over the ports it is given
 * (ports.ts): a clock, a peer network, a log store (the WAL), a state machine (the apply worker's
 * Applier) and a snapshot store. It opens none of them itself: net/member-wiring.ts wires the
 * real ones, the simulator its own. Clients reach it through `propose` (writes) and `readIndex`
 * (linearizable reads); kv-server.ts turns those into etcd's KV API.
 *
 * One turn of the loop (processReady), following the core's contract (engine/raft/raw-node.ts):
 *   1. send rd.messages at once (a leader's appends go out while it persists its own copy);
 *   2. persist rd.entries + rd.hardState into MemoryStorage (what the core reads) and the WAL;
 *      when rd.mustSync, wait until the WAL worker's fdatasync covers them;
 *   3. send rd.messagesAfterPersist (votes, acknowledgements: they promise durability);
 *   4. hand rd.committedEntries to the apply worker (membership changes take effect here too);
 *   5. hand rd.readStates to the ReadIndex batcher; advance().
 * While step 2 waits for the disk, proposals and peer messages keep arriving and pile up in the
 * core, so the next turn carries them all: one WAL group and one fsync per turn (group commit).
 *
 * Snapshots (snapshots.ts): every `snapshotCount` applied entries the member records a Raft
 * snapshot at its applied index (the state itself is the LMDB store, durable at that index), saves
 * the marker in the WAL, drops the in-memory log below it (keeping `snapshotCatchUpEntries` for
 * slightly lagging followers) and releases WAL segments below it. A follower the log can no longer
 * catch up gets the store streamed to it (SnapshotTransfers).
 *
 * Storage faults are fail-stop, as in etcd: when a WAL write or fdatasync, a store transaction, a
 * compaction or a snapshot file fails (disk full or failing), or a worker dies, the member stops
 * for good and reports the fault once (onFatal; the server process then exits). What it had
 * acknowledged is durable: restarted once the cause is gone, it replays its WAL over the store.
 */
import { join } from 'node:path';
import { ErrLeaderChanged, ErrNoLeader, ErrRequestTooLarge, ErrStopped, ErrTimeout, ErrTooManyRequests, EtcdError } from '../errors.js';
import { Applier, WARN_APPLY_MS_DEFAULT, type ApplierEvent, type ApplyResult } from '../mvcc/applier.js';
import { AlarmType } from '../alarm/alarm-rpc.js';
import { goDuration, SILENT_LOGGER, type Logger } from '../logger.js';
import { RaftEventLog } from './raft-event-log.js';
import { encodeInternalRequest, type InternalRequest } from '../mvcc/request.js';
import { etcdRequestBytes } from '../mvcc/request-size.js';
import { ConfChangeType, decodeConfChange, encodeConfChange, type ConfChange } from '../raft/confchange.js';
import { decodeMemberContext, encodeMemberContext, type MemberContext } from '../mvcc/members.js';
import type { RaftError } from '../raft/errors.js';
import { MemoryStorage } from '../raft/memory-storage.js';
import { MessageType, type Message } from '../raft/message.js';
import { RawNode, StateRole, type Ready } from '../raft/raw-node.js';
import { EntryType, type ConfState, type Entry, type HardState } from '../raft/types.js';
import { isRaftError } from '../raft/errors.js';
import { ServerMetrics } from './server-metrics.js';
import type { HistogramSnapshot } from '../metrics/shared-metrics.js';
import { SnapshotTransfers, type SnapshotTransferStats } from './snapshot-transfers.js';
import type { Clock, LogReplay, LogStore, PeerHandler, PeerNetwork, SnapshotStore, TimerHandle } from './ports.js';
import { ReadIndexBatcher } from './read-index-batcher.js';
import { RequestIdGenerator } from './request-id.js';
import { RequestWaiters } from './request-waiters.js';

/** etcd's default --max-request-bytes (1.5 MiB). */
export const MAX_REQUEST_BYTES_DEFAULT = 1.5 * 1024 * 1024;
/** Bounds on what clients may have in flight on one member. */
export const PROPOSALS_PENDING_MAX = 100_000;
export const READS_PENDING_MAX = 100_000;
/** etcd's defaults: --snapshot-count and the entries kept for catching up from the log. */
export const SNAPSHOT_COUNT_DEFAULT = 100_000;
export const SNAPSHOT_CATCH_UP_ENTRIES_DEFAULT = 5_000;
const EMPTY_SNAPSHOT_DATA = new Uint8Array(0);
/** etcd waits up to rafthttp's 5 s connection read timeout for its peers before advancing ticks, polling every 50 ms. */
const TICK_ADVANCE_WAIT_MS = 5000;
const TICK_ADVANCE_POLL_MS = 50;

export interface MemberOptions {
  id: number;
  clusterId: number;
  dataDir: string;
  /**
   * The founding members, when this member founds the cluster (--initial-cluster-state new): with
   * a data dir that holds no member yet, its log starts with one AddNode entry per founding member
   * (as etcd bootstraps), so the membership is in the log and a member added later learns it.
   * Absent when joining a running cluster (existing): the log then comes from the leader.
   */
  bootstrap?: { members: { id: number; name: string; peerUrls: string[] }[] };
  /** Called once this member applied its own removal from the cluster. */
  onRemoved?: () => void;
  /**
   * Called once when a fault of this member's own storage stopped it for good: a WAL write or
   * fdatasync failed, a store transaction failed (disk full, I/O error), a worker thread died.
   * The member has already stopped answering (requests fail with "server stopped"); the process
   * should log the error and exit non-zero, as etcd does, so clients fail over. Restarted on the
   * same data dir once the cause is gone, the member recovers from its WAL and store.
   */
  onFatal?: (error: Error) => void;
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
  maxRequestBytes?: number;
  /** Applied entries between Raft snapshots (etcd's --snapshot-count, default 100,000). */
  snapshotCount?: number;
  /** Entries kept in memory below a snapshot for slightly lagging followers (etcd: 5,000). */
  snapshotCatchUpEntries?: number;
  /**
   * Where the member reports events, with etcd's messages: elections and leader changes, snapshots
   * taken, sent and installed, slow fdatasyncs and applies, compactions, membership changes,
   * alarms. Silent by default.
   */
  logger?: Logger;
  /** Raft's PreVote phase (etcd's --pre-vote); on by default. */
  preVote?: boolean;
  /**
   * etcd's --initial-election-tick-advance: once it hears from its peers, a member of a multi-member
   * cluster fast-forwards its election clock (a restarted cluster elects sooner). A one-member
   * cluster always does, as in etcd.
   */
  initialElectionTickAdvance?: boolean;
  /** Applying a batch of entries for longer than this is logged (etcd's --experimental-warning-apply-duration; 100 ms). */
  warningApplyDurationMs?: number;
  /** The election-timeout randomness; seeded in tests. */
  random?: () => number;
}

/** What the member drives Raft over (ports.ts); the composition root opens them. */
export interface MemberPorts {
  clock: Clock;
  network: PeerNetwork;
  /** The Raft log on disk, and what it held when opened. */
  log: LogStore;
  replay: LogReplay;
  /** The state machine: the MVCC store behind the apply worker, opened on <dataDir>/member/kv. */
  applier: Applier;
  /** Snapshot files: the store copied for a lagging follower, and incoming snapshots. */
  snapshotStore: SnapshotStore;
}

/**
 * Sees every applied entry's result and every applied batch's store revision, on every member
 * (the watch hub and the lessor follow the member's own apply this way).
 */
export interface ApplyObserver {
  onResult(result: ApplyResult): void;
  onBatch(revision: number): void;
}

/** Sees this member's Raft role and the leader it knows each time either changes (its soft state). */
export type LeadershipObserver = (role: StateRole, leader: number) => void;

/** What a member reports about itself (Maintenance.Status). */
export interface MemberStatus {
  id: number;
  leader: number;
  role: StateRole;
  term: number;
  commitIndex: number;
  appliedIndex: number;
  revision: number;
}

export class Member {
  /** Leader changes, failed proposals, heartbeat send failures (for /metrics). */
  readonly serverMetrics = new ServerMetrics();
  private readonly ids: RequestIdGenerator;
  private readonly waiters: RequestWaiters<ApplyResult>;
  private readonly reads: ReadIndexBatcher;
  private readonly maxRequestBytes: number;
  private ticker: TimerHandle | null = null;
  private turnScheduled = false;
  private turnRunning = false;
  /** Settles when the turn loop running now ends (waited on, not polled: nothing spins). */
  private turnDone: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | null = null;
  /** The storage fault that stopped this member, once one did. */
  private failure: Error | null = null;
  private leaderId = 0;
  /** Requests that arrived while no leader was known; released when one is (see whenLeader). */
  private leaderWaiters: { resolve: () => void; reject: (error: Error) => void; timer: TimerHandle }[] = [];
  private role: StateRole = StateRole.Follower;
  private term: number;
  private commitIndex: number;
  private readonly snapshots: SnapshotTransfers;
  private readonly snapshotCount: number;
  private readonly snapshotCatchUpEntries: number;
  /** The newest Raft snapshot saved (taken here or installed from the leader). */
  private snapshotIndex: number;
  private snapshotInProgress = false;
  /** Settles when the snapshot being taken now is done (or abandoned). */
  private snapshotDone: Promise<void> = Promise.resolve();
  /** The membership as of the last committed entry handed to the apply worker. */
  private appliedConfState: ConfState;
  private lastQueuedIndex: number;
  /** Members removed from the cluster: nothing they send is stepped. */
  private readonly removed = new Set<number>();
  private removedFromCluster = false;
  /** Ticks in a row without a leader's message: after two election timeouts the member asks for peers it may not know. */
  private silentTicks = 0;
  /** A leader's message (append, heartbeat) arrived since the last tick. */
  private heardFromLeader = false;
  /** Set while an incoming snapshot replaces the store: no Ready is processed meanwhile. */
  private restoring = false;
  private readonly applyObservers: ApplyObserver[] = [];
  private readonly leadershipObservers: LeadershipObserver[] = [];
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly network: PeerNetwork;
  private readonly log: LogStore;
  readonly applier: Applier;
  private readonly snapshotStore: SnapshotStore;
  /** Logs the core's role, term and leader changes as etcd's raft does. */
  private readonly raftLog: RaftEventLog;

  private constructor(
    readonly options: MemberOptions,
    private readonly node: RawNode,
    private readonly storage: MemoryStorage,
    ports: MemberPorts,
    hardState: HardState,
  ) {
    this.clock = ports.clock;
    this.network = ports.network;
    this.log = ports.log;
    this.applier = ports.applier;
    this.snapshotStore = ports.snapshotStore;
    this.term = hardState.term;
    this.commitIndex = hardState.commit;
    this.logger = options.logger ?? SILENT_LOGGER;
    this.raftLog = new RaftEventLog(options.id, this.logger.named('raft'), hardState.term);
    this.snapshotCount = options.snapshotCount ?? SNAPSHOT_COUNT_DEFAULT;
    this.snapshotCatchUpEntries = options.snapshotCatchUpEntries ?? SNAPSHOT_CATCH_UP_ENTRIES_DEFAULT;
    this.snapshotIndex = storage.snapshot().meta.index;
    this.appliedConfState = node.status().confState;
    this.lastQueuedIndex = ports.applier.appliedIndex;
    this.maxRequestBytes = options.maxRequestBytes ?? MAX_REQUEST_BYTES_DEFAULT;
    // etcd's request timeout: 5 s plus two election timeouts.
    const requestTimeoutMs = 5000 + 2 * options.electionTimeoutMs;
    this.ids = new RequestIdGenerator(options.id, this.clock.now());
    this.waiters = new RequestWaiters(PROPOSALS_PENDING_MAX, requestTimeoutMs, this.clock);
    // etcd re-sends an unanswered ReadIndex every 500 ms; never slower than an election timeout.
    const readRetryMs = Math.min(500, options.electionTimeoutMs);
    this.reads = new ReadIndexBatcher(options.id, requestTimeoutMs, readRetryMs, READS_PENDING_MAX,
      (context) => etcdErrorOf(this.node.readIndex(context), this.leaderId),
      (index) => this.applier.waitApplied(index), this.clock);
    this.snapshots = new SnapshotTransfers({
      dir: join(options.dataDir, 'member', 'snap'),
      kvPath: this.kvPath,
      store: this.snapshotStore,
      network: this.network,
      clock: this.clock,
      install: (message, path) => this.installSnapshot(message, path),
      logger: this.logger.named('rafthttp'),
      reportSnapshot: (to, status) => {
        this.node.reportSnapshot(to, status);
        this.scheduleTurn();
      },
      onStorageFault: (error) => this.fail(error),
    });
  }

  /**
   * Builds the member over its ports (the log already replayed, the applier open on the store),
   * then starts its clock and takes peer messages. A founding member with an empty log writes its
   * bootstrap entries first.
   */
  static async start(options: MemberOptions, ports: MemberPorts): Promise<Member> {
    const { storage, hardState } = await restoreStorage(ports.log, ports.replay, options, ports.applier.appliedIndex);
    const node = new RawNode({
      id: options.id,
      storage,
      random: options.random ?? Math.random,
      electionTick: Math.max(2, Math.round(options.electionTimeoutMs / options.heartbeatIntervalMs)),
      heartbeatTick: 1,
      applied: ports.applier.appliedIndex,
      preVote: options.preVote ?? true,
    });
    const member = new Member(options, node, storage, ports, hardState);
    ports.applier.listen({
      onResult: (result) => member.onApplied(result),
      onBatch: (revision) => member.onAppliedBatch(revision),
      onEvent: (event) => member.onApplierEvent(event),
    });
    member.raftLog.started();
    member.startNetworkAndClock();
    void member.adjustTicks();
    // A worker may fail while the member is idle: it stops then, not at its next write. Subscribed
    // once there is something to stop; a failure while starting still counts (the promises keep it).
    ports.log.whenFailed().catch((error: Error) => member.fail(error));
    ports.applier.whenFailed().catch((error: Error) => member.fail(error));
    return member;
  }

  get id(): number {
    return this.options.id;
  }

  /** Members removed before this start (from the membership table): nothing they send is stepped. */
  noteRemovedMembers(ids: readonly number[]): void {
    for (const id of ids) {
      this.removed.add(id);
      this.network.removePeer(id);
    }
  }

  /** Where this member's MVCC store lives: readers open it there. */
  get kvPath(): string {
    return join(this.options.dataDir, 'member', 'kv');
  }

  status(): MemberStatus {
    return {
      id: this.options.id,
      leader: this.leaderId,
      role: this.role,
      term: this.term,
      commitIndex: this.commitIndex,
      appliedIndex: this.applier.appliedIndex,
      revision: this.applier.revision,
    };
  }

  /** The membership as of the last committed entry handed to the state machine. */
  get appliedMembership(): ConfState {
    return this.appliedConfState;
  }

  /** Proposals waiting to be applied here (etcd_server_proposals_pending). */
  get proposalsPending(): number {
    return this.waiters.size;
  }

  /** The newest Raft snapshot's index (taken here or installed from the leader). */
  get snapshotIndexValue(): number {
    return this.snapshotIndex;
  }

  /** Durations of received store snapshots: their fsync, and the whole save. */
  snapshotSaveMetrics(): { dbFsyncSeconds: HistogramSnapshot; dbSaveSeconds: HistogramSnapshot } {
    return { dbFsyncSeconds: this.snapshots.dbFsyncSeconds.snapshot(), dbSaveSeconds: this.snapshots.dbSaveSeconds.snapshot() };
  }

  /** Snapshot transfers sent and received (and how many failed). */
  snapshotTransferStats(): SnapshotTransferStats {
    return { ...this.snapshots.stats };
  }

  /** The first index still in the in-memory Raft log (it moves up as snapshots compact it). */
  get firstLogIndex(): number {
    return this.storage.firstIndex();
  }

  /** A new id, unique across the cluster and across restarts (a lease granted without one). */
  newId(): number {
    return this.ids.nextId();
  }

  /** The current Raft term (response headers carry it). */
  get raftTerm(): number {
    return this.term;
  }

  /**
   * Replicates `request` through Raft and resolves with its result once it applied here. Rejects
   * with etcd's errors: request too large, no leader, too many requests, request timed out.
   */
  async propose(request: InternalRequest): Promise<ApplyResult> {
    try {
      return await this.proposeOnce(request);
    } catch (error) {
      this.serverMetrics.observeProposalError(error);
      throw error;
    }
  }

  private async proposeOnce(request: InternalRequest): Promise<ApplyResult> {
    this.checkServing();
    if (this.leaderId === 0) await this.whenLeader();
    this.checkServing();
    const id = this.ids.nextId();
    const data = encodeInternalRequest({ ...request, header: { id } });
    // Measured as etcd measures it (its protobuf), so what etcd accepts just under the limit is accepted.
    if ((etcdRequestBytes(request) ?? data.byteLength) > this.maxRequestBytes) return Promise.reject(ErrRequestTooLarge);
    const applied = this.waiters.register(id);
    const refused = etcdErrorOf(this.node.propose(data), this.leaderId);
    if (refused !== null) this.waiters.fail(id, refused);
    this.scheduleTurn();
    return applied;
  }

  /** Runs `read` once this member has applied everything committed before the call (ReadIndex). */
  async readIndex<T>(read: () => T): Promise<T> {
    this.checkServing();
    if (this.leaderId === 0) await this.whenLeader();
    this.checkServing();
    return new Promise<T>((resolve, reject) => {
      this.reads.enqueue({
        run: () => {
          try {
            resolve(read());
          } catch (error) {
            reject(error as Error);
          }
        },
        reject,
      });
      this.scheduleTurn();
    });
  }

  /**
   * Resolves once a leader is known. A request that arrives during an election waits for it (as
   * long as an election may take: three election timeouts) instead of failing at once; after
   * that it fails with etcd's "no leader". Bounded like every other queue of pending requests.
   */
  private whenLeader(): Promise<void> {
    if (this.leaderWaiters.length >= PROPOSALS_PENDING_MAX) return Promise.reject(ErrTooManyRequests);
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve, reject,
        timer: this.clock.setTimeout(() => {
          this.leaderWaiters = this.leaderWaiters.filter((w) => w !== waiter);
          reject(ErrNoLeader);
        }, 3 * this.options.electionTimeoutMs),
      };
      this.leaderWaiters.push(waiter);
    });
  }

  private releaseLeaderWaiters(error: Error | null): void {
    const waiters = this.leaderWaiters;
    this.leaderWaiters = [];
    for (const waiter of waiters) {
      this.clock.clear(waiter.timer);
      if (error === null) waiter.resolve();
      else waiter.reject(error);
    }
  }

  /**
   * Throws etcd's "server stopped" once the member stopped or failed: a member that lost its disk
   * answers nothing from its (frozen) state, not even a serializable read.
   */
  checkServing(): void {
    if (this.stopping !== null) throw ErrStopped;
  }

  /** The storage fault that stopped this member (see MemberOptions.onFatal), or null. */
  get fatalError(): Error | null {
    return this.failure;
  }

  /** Stops the clock, peers and workers; pending requests fail with "server stopped". */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    if (this.ticker !== null) this.clock.clear(this.ticker);
    this.releaseLeaderWaiters(ErrStopped);
    this.waiters.failAll(ErrStopped);
    this.reads.failAll(ErrStopped);
    await this.network.close();
    while (this.turnRunning || this.snapshotInProgress) await Promise.all([this.turnDone, this.snapshotDone]);
    await this.snapshots.close();
    await Promise.allSettled([this.log.close(), this.applier.close()]);
    await this.snapshotStore.close();
  }

  /** Takes peer messages from now on, and starts the Raft clock. */
  private startNetworkAndClock(): void {
    const handler: PeerHandler = {
      // The network delivers only a current member's messages, each from that member and to us.
      onMessage: (message) => {
        // A snapshot counts only with its data, so it must come through a snapshot stream.
        if (message.type === MessageType.MsgSnap) return;
        if (message.type === MessageType.MsgApp || message.type === MessageType.MsgHeartbeat) this.heardFromLeader = true;
        this.node.step(message);
        this.scheduleTurn();
      },
      onDrop: (to, message) => {
        if (message.type === MessageType.MsgHeartbeat) this.serverMetrics.heartbeatSendFailures++;
        this.node.reportUnreachable(to);
      },
      isMember: (id) => this.appliedConfState.voters.includes(id) || this.appliedConfState.learners.includes(id),
      isRemoved: (id) => this.removed.has(id),
      onSnapshot: (from, term) => (this.isLeaderOfCurrentTerm(from, term) ? this.snapshots.incoming(from) : null),
      onRemovedByPeer: () => this.onRemovedFromCluster(),
    };
    this.network.attach(handler);
    this.ticker = this.clock.setInterval(() => {
      this.node.tick();
      this.noteSilentTick();
      this.scheduleTurn();
    }, this.options.heartbeatIntervalMs);
    this.scheduleTurn();
  }

  /**
   * A member that hears from no leader for two election timeouts asks its peers for members it
   * does not know: while it was cut off or stopped, members may have joined, and one of them may
   * lead now. Its messages are refused until it is known (etcd instead takes a pipelined message
   * from any sender of its cluster), and this member would never catch up. A learner counts too:
   * it never campaigns, so it may go on naming a leader that left long ago. Asked again every two
   * election timeouts for as long as no leader is heard.
   */
  private noteSilentTick(): void {
    if (this.heardFromLeader || this.role === StateRole.Leader || this.removedFromCluster) {
      this.heardFromLeader = false;
      this.silentTicks = 0;
      return;
    }
    const electionTicks = Math.max(2, Math.round(this.options.electionTimeoutMs / this.options.heartbeatIntervalMs));
    if (++this.silentTicks % (2 * electionTicks) === 0) this.network.discoverPeers();
  }

  private scheduleTurn(): void {
    if (this.turnScheduled || this.stopping !== null) return;
    this.turnScheduled = true;
    this.clock.soon(() => {
      this.turnScheduled = false;
      void this.runTurns();
    });
  }

  /** Processes Readies until the core has nothing more to do; one at a time. */
  private async runTurns(): Promise<void> {
    if (this.turnRunning || this.restoring || this.failure !== null) return;
    this.turnRunning = true;
    let markDone!: () => void;
    this.turnDone = new Promise((resolve) => { markDone = resolve; });
    try {
      for (;;) {
        if (this.stopping !== null || this.restoring) return;
        this.reads.flush();
        if (!this.node.hasReady()) return;
        await this.processReady(this.node.ready());
      }
    } catch (error) {
      this.fail(error as Error);
    } finally {
      this.turnRunning = false;
      markDone();
    }
  }

  private async processReady(rd: Ready): Promise<void> {
    if (rd.hardState !== null) {
      this.term = rd.hardState.term;
      this.commitIndex = rd.hardState.commit;
    }
    if (rd.softState !== null) this.onSoftState(rd.softState.lead, rd.softState.role);
    if (rd.softState !== null || rd.hardState !== null) this.raftLog.observe(this.role, this.leaderId, this.term);
    this.send(rd.messages);
    let lastSeq = 0;
    if (rd.snapshot !== null) {
      // The store already holds the snapshot's state (installSnapshot restored it before the
      // message reached the core); the log restarts after it, and the WAL records where.
      this.storage.applySnapshot(rd.snapshot);
      lastSeq = await this.log.saveSnapshot(rd.snapshot.meta);
      this.snapshotIndex = rd.snapshot.meta.index;
      this.appliedConfState = rd.snapshot.meta.confState;
      this.lastQueuedIndex = Math.max(this.lastQueuedIndex, rd.snapshot.meta.index);
      this.adoptSnapshotMembership();
    }
    if (rd.entries.length > 0) this.storage.append(rd.entries);
    if (rd.hardState !== null) this.storage.setHardState(rd.hardState);
    if (rd.entries.length > 0 || rd.hardState !== null) lastSeq = await this.log.append(rd.entries, rd.hardState ?? undefined);
    if (rd.mustSync && lastSeq > 0) await this.log.whenDurable(lastSeq);
    this.send(rd.messagesAfterPersist);
    if (rd.committedEntries.length > 0) await this.applyCommitted(rd.committedEntries);
    for (const state of rd.readStates) this.reads.onReadState(state.requestCtx, state.index);
    this.node.advance();
    this.maybeSnapshot();
  }

  /** Sends messages to peers; a snapshot goes as a stream of the store (SnapshotTransfers). */
  private send(messages: Message[]): void {
    if (!messages.some((m) => m.type === MessageType.MsgSnap)) return this.network.send(messages);
    for (const message of messages) {
      if (message.type === MessageType.MsgSnap) this.snapshots.send(message);
      else this.network.send([message]);
    }
  }

  private async applyCommitted(entries: Entry[]): Promise<void> {
    for (const entry of entries) {
      if (entry.type !== EntryType.ConfChange) continue;
      const change = decodeConfChange(entry.data);
      this.appliedConfState = this.node.applyConfChange(change);
      this.onMembershipChange(change, entry.index);
    }
    this.lastQueuedIndex = entries.at(-1)!.index;
    await this.applier.apply(entries);
  }

  /**
   * A membership change took effect in Raft: connect to an added member, move an updated one,
   * drop a removed one (and stop listening to it). A member that applied its own removal stops
   * a little later (etcd waits 10 ticks), so it can still tell the others the removal committed.
   * Its proposer is answered once the apply worker has recorded it in the membership table.
   */
  private onMembershipChange(change: ConfChange, index: number): void {
    const context = decodeMemberContext(change.context);
    const self = change.nodeId === this.options.id;
    this.logMembershipChange(change, context);
    if (change.type === ConfChangeType.RemoveNode) {
      this.removed.add(change.nodeId);
      if (self) {
        this.onRemovedFromCluster();
      } else {
        this.network.removePeer(change.nodeId);
      }
    } else if (!self && context.member !== undefined && context.member.peer_urls.length > 0) {
      // A known peer at the same address keeps its connection.
      this.network.setPeer(change.nodeId, context.member.peer_urls);
    }
    const requestId = context.request_id;
    if (requestId !== undefined && this.waiters.has(requestId)) {
      this.applier.waitApplied(index).then(
        () => this.waiters.trigger(requestId, { index, revision: this.applier.revision, events: [] }),
        (error: Error) => this.waiters.fail(requestId, error));
    }
  }

  /**
   * A snapshot replaced the store, and with it the membership table: the membership changes it
   * covers never pass through onMembershipChange here. As etcd's applySnapshot does, the peers
   * are set from the table: members added meanwhile become reachable (a member that later leads
   * must reach them), members removed are dropped, and this member stops if it was removed.
   */
  private adoptSnapshotMembership(): void {
    this.applier.read({ op: 'members' }).then(({ members, removed }) => {
      if (this.stopping !== null) return;
      for (const id of removed) {
        this.removed.add(id);
        if (id === this.options.id) this.onRemovedFromCluster();
        else this.network.removePeer(id);
      }
      for (const record of members) {
        if (record.id !== this.options.id && record.peer_urls.length > 0) this.network.setPeer(record.id, record.peer_urls);
      }
    }, (error: Error) => {
      if (error !== ErrStopped) this.fail(error);
    });
  }

  /** etcd's "added member" / "removed member" lines, logged by every member as it applies the change. */
  private logMembershipChange(change: ConfChange, context: MemberContext): void {
    const log = this.logger.named('membership');
    const ids = { 'cluster-id': this.options.clusterId.toString(16), 'local-member-id': this.options.id.toString(16) };
    if (change.type === ConfChangeType.RemoveNode) {
      const url = change.nodeId === this.options.id ? this.network.localUrl() : this.network.peerUrlOf(change.nodeId);
      log.info('removed member', {
        ...ids, 'removed-remote-peer-id': change.nodeId.toString(16), 'removed-remote-peer-urls': url === undefined ? [] : [url],
      });
    } else if (change.type === ConfChangeType.UpdateNode) {
      log.info('updated member', { ...ids, 'updated-remote-peer-id': change.nodeId.toString(16), 'updated-remote-peer-urls': context.member?.peer_urls ?? [] });
    } else if (context.member !== undefined) {
      log.info('added member', {
        ...ids, 'added-peer-id': change.nodeId.toString(16), 'added-peer-peer-urls': context.member.peer_urls,
        ...(change.type === ConfChangeType.AddLearnerNode ? { 'added-peer-is-learner': true } : {}),
      });
    } else {
      log.info('promote member', { ...ids, 'promoted-member-id': change.nodeId.toString(16) });
    }
  }

  /** What the apply worker reports, in etcd's words. */
  private onApplierEvent(event: ApplierEvent): void {
    switch (event.kind) {
      case 'slow-apply':
        this.logger.named('etcdserver').warn('apply request took too long', {
          took: goDuration(event.tookMs), 'expected-duration': goDuration(this.options.warningApplyDurationMs ?? WARN_APPLY_MS_DEFAULT),
          prefix: '', request: `${event.entries} committed entries up to index ${event.lastIndex}, applied in one batch`,
        });
        break;
      case 'compacted':
        this.logger.named('mvcc').info('finished scheduled compaction', { 'compact-revision': event.revision, took: goDuration(event.tookMs) });
        break;
      case 'alarm':
        this.logger.named('etcdserver').warn(event.raised ? 'alarm raised' : 'alarm disarmed',
          { alarm: AlarmType[event.alarm.alarm] ?? String(event.alarm.alarm), from: event.alarm.memberID.toString(16) });
        break;
    }
  }

  /**
   * etcd's adjustTicks: a one-member cluster fast-forwards its election clock to one tick before an
   * election at once; with --initial-election-tick-advance, a member of a larger cluster does so
   * (less one more tick, for a leader's message in flight) once it is connected to more than one
   * peer, waiting up to 5 s for them, so a restarted cluster elects without a full timeout.
   */
  private async adjustTicks(): Promise<void> {
    const electionTicks = Math.max(2, Math.round(this.options.electionTimeoutMs / this.options.heartbeatIntervalMs));
    const server = this.logger.named('etcdserver');
    const advance = (ticks: number, message: string, extra: Record<string, unknown>): void => {
      for (let i = 0; i < ticks; i++) this.node.tick();
      this.scheduleTurn();
      server.info(message, {
        'local-member-id': this.options.id.toString(16), 'forward-ticks': ticks,
        'forward-duration': goDuration(ticks * this.options.heartbeatIntervalMs), 'election-ticks': electionTicks,
        'election-timeout': goDuration(this.options.electionTimeoutMs), ...extra,
      });
    };
    // Before the bootstrap entries apply, the founding list and the known peers tell the size.
    const peers = this.network.peerIds();
    const size = Math.max(this.appliedConfState.voters.length, this.options.bootstrap?.members.length ?? 0, peers.length + 1);
    if (size === 1) {
      advance(electionTicks - 1, 'started as single-node; fast-forwarding election ticks', {});
      return;
    }
    if (this.options.initialElectionTickAdvance !== true) {
      server.info('skipping initial election tick advance', { 'election-ticks': electionTicks });
      return;
    }
    for (let waitedMs = 0; waitedMs < TICK_ADVANCE_WAIT_MS && this.stopping === null; waitedMs += TICK_ADVANCE_POLL_MS) {
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, TICK_ADVANCE_POLL_MS, true));
      const active = peers.filter((id) => this.network.isConnected(id)).length;
      if (active > 1) {
        // Only a follower that has not heard from a leader yet gains anything.
        if (this.leaderId === 0 && this.stopping === null) {
          advance(electionTicks - 2, 'initialized peer connections; fast-forwarding election ticks', { 'active-remote-members': active });
        }
        return;
      }
    }
  }

  /**
   * This member applied its own removal, or a peer refused it as removed: it stops a little later,
   * so a removed leader can still tell the others the removal committed. etcd waits 10 ticks; this
   * member also waits out four election timeouts, long enough for a voter that missed the commit
   * (the news lost, then a leadership hand-over that started its campaign) to ask for this
   * member's vote a few times and learn the commit index from the answer (raft.ts
   * learnCommitFromVoter), or win with it. Stopped sooner, a remaining voter may count it for
   * ever: the simulator found clusters of one voter that could never elect itself, after one and
   * then two election timeouts of lingering with lossy links.
   */
  private onRemovedFromCluster(): void {
    if (this.removedFromCluster) return;
    this.removedFromCluster = true;
    this.logger.named('etcdserver').warn('the member has been permanently removed from the cluster',
      { 'local-member-id': this.options.id.toString(16) });
    const lingerMs = Math.max(10 * this.options.heartbeatIntervalMs, 4 * this.options.electionTimeoutMs);
    this.clock.setTimeout(() => this.options.onRemoved?.(), lingerMs, true);
  }

  /**
   * Proposes a membership change and resolves once it applied here (etcd's Cluster API). The
   * caller validates it against the membership first (see membership.ts).
   */
  async changeMembership(type: ConfChangeType, nodeId: number, member?: MemberContext['member']): Promise<void> {
    this.checkServing();
    if (this.leaderId === 0) await this.whenLeader();
    this.checkServing();
    const id = this.ids.nextId();
    const context = encodeMemberContext({ request_id: id, ...(member !== undefined ? { member } : {}) });
    const applied = this.waiters.register(id);
    const refused = etcdErrorOf(this.node.proposeConfChange({ type, nodeId, context }), this.leaderId);
    if (refused !== null) this.waiters.fail(id, refused);
    this.scheduleTurn();
    await applied;
  }

  /**
   * True when this member leads and `id`'s log is within 10% of the leader's (etcd's check before
   * promoting a learner); null when this member does not lead and cannot tell.
   */
  learnerCaughtUp(id: number): boolean | null {
    const status = this.node.status();
    if (status.role !== StateRole.Leader) return null;
    const leader = status.progress.find((p) => p.id === this.options.id);
    const learner = status.progress.find((p) => p.id === id);
    if (leader === undefined || learner === undefined) return false;
    return learner.match >= 0.9 * leader.match;
  }

  /** Starts a snapshot once `snapshotCount` entries were applied since the last one. */
  private maybeSnapshot(): void {
    if (this.snapshotInProgress || this.lastQueuedIndex - this.snapshotIndex < this.snapshotCount) return;
    this.snapshotInProgress = true;
    const index = this.lastQueuedIndex;
    this.logger.named('etcdserver').info('triggering snapshot', {
      'local-member-id': this.options.id.toString(16), 'local-member-applied-index': index,
      'local-member-snapshot-index': this.snapshotIndex, 'local-member-snapshot-count': this.snapshotCount,
    });
    const confState = this.appliedConfState;
    this.snapshotDone = this.takeSnapshot(index, confState)
      .catch((error: Error) => this.fail(error))
      .finally(() => { this.snapshotInProgress = false; });
  }

  /**
   * Records a Raft snapshot at `index` once the store has durably applied it, then compacts the
   * in-memory log and releases WAL segments below it. Runs beside the turn loop: nothing here
   * waits for, or holds up, a Ready.
   */
  private async takeSnapshot(index: number, confState: ConfState): Promise<void> {
    await this.applier.waitApplied(index);
    if (this.stopping !== null) return;
    const snapshot = this.storage.createSnapshot(index, confState, EMPTY_SNAPSHOT_DATA);
    // A newer snapshot arrived from the leader meanwhile: it covers this one.
    if (isRaftError(snapshot)) return;
    const seq = await this.log.saveSnapshot(snapshot.meta);
    // A newer snapshot arrived from the leader while this one waited for room.
    if (this.snapshotIndex >= index || this.stopping !== null) return;
    await this.log.whenDurable(seq);
    this.snapshotIndex = Math.max(this.snapshotIndex, index);
    const compactIndex = index - this.snapshotCatchUpEntries;
    const server = this.logger.named('etcdserver');
    server.info('saved snapshot', { 'snapshot-index': index });
    if (compactIndex > this.storage.firstIndex()) {
      this.storage.compact(compactIndex);
      server.info('compacted Raft logs', { 'compact-index': compactIndex });
    }
    if (this.stopping === null) await this.log.releaseBefore(this.snapshotIndex + 1);
  }

  /**
   * A snapshot stream from the leader arrived whole: replace the store with it, then let the core
   * see the message (its Ready then resets the log). A snapshot the core would ignore (not newer
   * than what this member knows committed) is stepped without touching the store.
   */
  private async installSnapshot(message: Message, path: string): Promise<void> {
    const meta = message.snapshot?.meta;
    if (meta === undefined || message.to !== this.options.id) throw new Error('not a snapshot for this member');
    if (this.stopping !== null || this.failure !== null) throw ErrStopped;
    // Checked when the stream opened, and again now: the term or leader may have moved meanwhile.
    if (!this.isLeaderOfCurrentTerm(message.from, message.term)) {
      throw new Error(`snapshot from ${message.from.toString(16)} at term ${message.term}: not the leader of the current term`);
    }
    if (meta.index > this.commitIndex) {
      const server = this.logger.named('etcdserver');
      const fields = {
        'current-snapshot-index': this.snapshotIndex, 'current-applied-index': this.applier.appliedIndex,
        'incoming-leader-snapshot-index': meta.index, 'incoming-leader-snapshot-term': meta.term,
      };
      server.info('applying snapshot', fields);
      this.restoring = true;
      try {
        while (this.turnRunning) await this.turnDone;
        const outcome = await this.applier.restoreSnapshot(path);
        if (outcome.error !== undefined) throw new Error(`snapshot refused: ${outcome.error}`);
        if (this.applier.appliedIndex < meta.index) {
          throw new Error(`snapshot holds applied index ${this.applier.appliedIndex}, below its Raft index ${meta.index}`);
        }
        server.info('applied snapshot', { ...fields, 'current-applied-index': this.applier.appliedIndex });
      } finally {
        this.restoring = false;
      }
    }
    this.node.step(message);
    this.scheduleTurn();
  }

  /**
   * True when `from` leads term `term` and that is our current term, as the core knows it now: the
   * only member whose snapshot may replace the store. A leader sends one only to a follower that
   * already follows it (the follower refused its appends), so a true leader is never refused for
   * long; anyone else (another member, a deposed leader, a forged term) is refused before a byte of
   * the snapshot is written.
   */
  private isLeaderOfCurrentTerm(from: number, term: number): boolean {
    const status = this.node.status();
    return status.role !== StateRole.Leader && status.term === term && status.lead === from && from !== this.options.id;
  }

  private onSoftState(leader: number, role: StateRole): void {
    this.serverMetrics.observeLeader(leader);
    this.role = role;
    this.leaderId = leader;
    for (const observer of this.leadershipObservers) observer(role, leader);
    if (leader !== 0) this.releaseLeaderWaiters(null);
  }

  /** Has `observer` see every change of this member's role or leader from now on (status() has the current ones). */
  observeLeadership(observer: LeadershipObserver): void {
    this.leadershipObservers.push(observer);
  }

  /**
   * Has `observer` see every entry and batch applied from now on. Attach before the first turn
   * (in the same turn as Member.start resolves) to miss nothing.
   */
  observeApplies(observer: ApplyObserver): void {
    this.applyObservers.push(observer);
  }

  private onAppliedBatch(revision: number): void {
    for (const observer of this.applyObservers) observer.onBatch(revision);
  }

  /** An entry applied here: observers see it; the client that waits for it on this member is answered. */
  private onApplied(result: ApplyResult): void {
    for (const observer of this.applyObservers) observer.onResult(result);
    if (result.requestId === undefined || !this.waiters.has(result.requestId)) return;
    if (result.error !== undefined) this.waiters.fail(result.requestId, result.error);
    else this.waiters.trigger(result.requestId, result);
  }

  /**
   * A storage fault (disk full or failing, a worker died): this member cannot go on safely. It
   * stops at once (every pending and later request fails with "server stopped", which clients
   * retry elsewhere) and reports the fault once. Errors its own stop caused are no fault.
   */
  private fail(error: Error): void {
    if (this.failure !== null || error === ErrStopped) return;
    this.failure = error;
    void this.stop();
    this.options.onFatal?.(error);
  }
}

/**
 * Rebuilds the Raft storage from the WAL. A founding member with an empty data dir writes its
 * bootstrap entries first: one committed AddNode per founding member, in id order, at term 1, with
 * the member's JSON and the cluster id as context (identical on every founding member). A joining
 * member with an empty data dir starts with an empty log and no membership: the leader sends both.
 */
async function restoreStorage(log: LogStore, replay: LogReplay, options: MemberOptions, appliedIndex: number):
  Promise<{ storage: MemoryStorage; hardState: HardState }> {
  const fresh = replay.snapshot === null && replay.entries.length === 0 && replay.hardState.term === 0;
  const noMembers: ConfState = { voters: [], learners: [] };
  if (fresh) {
    const storage = new MemoryStorage(noMembers);
    if (options.bootstrap === undefined) return { storage, hardState: { term: 0, vote: 0, commit: 0 } };
    const founders = [...options.bootstrap.members].sort((a, b) => a.id - b.id);
    const entries: Entry[] = founders.map((founder, i) => ({
      term: 1, index: i + 1, type: EntryType.ConfChange,
      data: encodeConfChange({
        type: ConfChangeType.AddNode, nodeId: founder.id,
        context: encodeMemberContext({
          cluster_id: options.clusterId,
          member: { id: founder.id, name: founder.name, peer_urls: founder.peerUrls, is_learner: false },
        }),
      }),
    }));
    const hardState: HardState = { term: 1, vote: 0, commit: entries.length };
    await log.whenDurable(await log.append(entries, hardState));
    storage.append(entries);
    storage.setHardState(hardState);
    return { storage, hardState };
  }
  const snapshot = replay.snapshot ?? { index: 0, term: 0, confState: noMembers };
  const storage = new MemoryStorage(snapshot.confState);
  if (snapshot.index > 0) storage.applySnapshot({ meta: snapshot, data: new Uint8Array(0) });
  storage.append(replay.entries);
  const lastIndex = replay.entries.at(-1)?.index ?? snapshot.index;
  // The apply worker may have applied entries whose commit index never reached the WAL (the
  // hard state that carried it was not synced before a crash). They were committed, so the
  // commit index is at least what was applied.
  const hardState = { ...replay.hardState, commit: Math.min(Math.max(replay.hardState.commit, appliedIndex), lastIndex) };
  storage.setHardState(hardState);
  return { storage, hardState };
}

/** Maps the core's refusals to the errors etcd clients know. */
export function etcdErrorOf(error: RaftError | null, leaderId: number): EtcdError | null {
  if (error === null) return null;
  if (error.reason === 'no leader' || leaderId === 0) return ErrNoLeader;
  if (error.reason === 'leader transfer in progress') return ErrLeaderChanged;
  if (error.reason === 'log too large' || error.reason === 'too many pending requests') return ErrTooManyRequests;
  return ErrTimeout;
}
