/**
 * One simulated cluster member: the production Member (engine/node/member.ts) with its KV server,
 * over simulated ports: the seed's clock, the simulated network, a simulated WAL disk, and the
 * real MVCC store (the Applier running its apply loop inline, on LMDB in a tmpfs dir).
 *
 * It lives through incarnations. A crash kills the running one at once, as kill -9 does: its clock
 * dies (no timer or delivery of it runs again), the WAL disk loses what was not synced, the store
 * keeps what its transactions committed. A restart builds a new Member from what survived, as a
 * restarted process does. A storage fault stops the member the way production does (fail-stop:
 * Member.onFatal), after which it is down until restarted.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Applier } from '../../engine/mvcc/applier.js';
import { EventsMode } from '../../engine/mvcc/write-txn.js';
import type { KvServer } from '../../engine/node/kv-server.js';
import { Member } from '../../engine/node/member.js';
import { attachServices, closeServices, type MemberServices } from '../../engine/node/member-services.js';
import { MvccReader } from '../../engine/mvcc/store.js';
import type { LeaderForwarder } from '../../engine/lease/lease-server.js';
import { ClusterMembership } from '../../engine/node/membership.js';
import { EtcdServer } from '../../engine/server/etcd-server.js';
import { StateRole } from '../../engine/raft/raw-node.js';
import type { Entry } from '../../engine/raft/types.js';
import { ConfChangeType } from '../../engine/raft/confchange.js';
import type { InvariantChecker } from './invariants.js';
import type { Prng } from './prng.js';
import type { MemberClock, SimScheduler } from './scheduler.js';
import { SimDisk, SimLogStore, type DiskProfile } from './sim-log.js';
import { SimPeerNetwork, simPeerUrl, type SimPeerWorld } from './sim-peer-network.js';
import { SimSnapshotStore } from './sim-snapshot-store.js';
import type { Trace } from './trace.js';

/** Knobs a seed chooses for its members. */
export interface MemberTuning {
  heartbeatMs: number;
  electionMs: number;
  /** Applied entries between Raft snapshots (etcd's --snapshot-count). */
  snapshotCount: number;
  /** Entries kept below a snapshot for slightly lagging followers. */
  snapshotCatchUpEntries: number;
  disk: DiskProfile;
}

/** What a member needs from the simulated cluster around it. */
export interface MemberWorld {
  readonly scheduler: SimScheduler;
  readonly prng: Prng;
  readonly invariants: InvariantChecker;
  readonly peers: SimPeerWorld;
  readonly trace: Trace;
  /** Where every member's data lives (a tmpfs dir of the seed). */
  readonly root: string;
  /** The member stopped by itself (a storage fault, or its own removal). */
  onStopped(member: SimMember, why: string): void;
  /** A restart failed: the member's data could not be read back (a bug worth a violation). */
  onStartFailed(member: SimMember, error: Error): void;
  /** True once the faults stopped (the quiet end of a run): slow fsyncs stop too. */
  calm(): boolean;
  /** How this member's lease server reaches the leader's (net/peer/lease-forward.ts in production). */
  leaseForwarder(from: number, clock: MemberClock): LeaderForwarder;
}

/** A running incarnation: the member, its services as the server attaches them, and its ports. */
interface Incarnation {
  clock: MemberClock;
  member: Member;
  /** The one etcd server API every transport calls: what the simulated clients call. */
  etcd: EtcdServer;
  kv: KvServer;
  services: MemberServices;
  reader: MvccReader;
  applier: Applier;
  network: SimPeerNetwork;
}

export class SimMember {
  readonly disk = new SimDisk();
  private running: Incarnation | null = null;
  /** Set while an incarnation is being built (Member.start waits for the disk). */
  private starting: Promise<void> | null = null;
  /** Applied its own removal: clients stop using it and it is not restarted. */
  removed = false;
  crashes = 0;
  private readonly kvPath: string;
  /** The last incarnation's store, closing: a restart opens it again only once it closed. */
  private storeClosed: Promise<void> = Promise.resolve();

  constructor(
    readonly id: number,
    /** The founding members (bootstrap), or null for a member that joins a running cluster. */
    private readonly founders: readonly number[] | null,
    private readonly knownPeers: () => number[],
    private readonly tuning: MemberTuning,
    private readonly world: MemberWorld,
  ) {
    this.kvPath = join(world.root, `m${id}`, 'member', 'kv');
    mkdirSync(this.kvPath, { recursive: true });
  }

  /** True while an incarnation runs (not while it is starting, crashed or stopped). */
  isUp(): boolean {
    return this.running !== null;
  }

  /** True while the member is down and not being started. */
  isDown(): boolean {
    return this.running === null && this.starting === null;
  }

  get incarnation(): Incarnation | null {
    return this.running;
  }

  isPaused(): boolean {
    return this.running !== null && this.running.clock.pausedUntilMs > this.world.scheduler.nowMs;
  }

  isLeader(): boolean {
    return this.running !== null && !this.isPaused() && this.running.member.status().role === StateRole.Leader;
  }

  /**
   * Starts a new incarnation from what the disk and the store hold, once the last one's store has
   * closed. Member.start waits for the simulated disk, so this only begins it; the incarnation is
   * up once the events it needs ran.
   */
  async start(): Promise<void> {
    if (!this.isDown()) throw new Error(`m${this.id} is already running`);
    let started!: () => void;
    this.starting = new Promise((resolve) => { started = resolve; });
    await this.storeClosed;
    // Restarted once the cause is gone: the operator freed space.
    this.disk.full = false;
    const { scheduler, prng } = this.world;
    const clock = scheduler.clockFor(prng.float() * 0.05);
    this.world.trace?.(`m${this.id} starts`);
    this.startIncarnation(clock).then(
      (incarnation) => {
        this.starting = null;
        started();
        if (!clock.dead) this.running = incarnation;
      },
      (error: Error) => {
        this.starting = null;
        started();
        this.world.onStartFailed(this, error);
      });
  }

  private async startIncarnation(clock: MemberClock): Promise<Incarnation> {
    const { prng, invariants } = this.world;
    const applier = await Applier.open({
      path: this.kvPath, eventsMode: EventsMode.KV_AND_PREV, inline: { soon: (fn) => clock.soon(fn), now: () => clock.now() },
    });
    this.observe(applier, clock);
    invariants.observeSnapshotRestored(this.id, applier.appliedIndex, applier.appliedTerm);
    const replay = this.disk.replay();
    // What survived the crash must agree with everything committed, up to its commit index.
    invariants.checkDurableLog(this.id, this.disk.logView(), replay.hardState.commit);
    const network = new SimPeerNetwork(this.id, clock, this.world.peers, this.knownPeers());
    const log = new SimLogStore(this.disk, clock, prng, () => (this.world.calm() ? { ...this.tuning.disk, slowFsyncProbability: 0 } : this.tuning.disk));
    const member = await Member.start({
      id: this.id, clusterId: 1, dataDir: join(this.world.root, `m${this.id}`),
      ...(this.founders !== null ? { bootstrap: { members: this.founders.map((id) => ({ id, name: `m${id}`, peerUrls: [simPeerUrl(id)] })) } } : {}),
      heartbeatIntervalMs: this.tuning.heartbeatMs, electionTimeoutMs: this.tuning.electionMs,
      snapshotCount: this.tuning.snapshotCount, snapshotCatchUpEntries: this.tuning.snapshotCatchUpEntries,
      random: () => prng.float(),
      onFatal: (error) => this.stopped(clock, `storage fault: ${error.message}`),
      onRemoved: () => this.stopped(clock, 'removed from the cluster'),
    }, { clock, network, log, replay, applier, snapshotStore: new SimSnapshotStore(clock) });
    // Attached in the turn the member started in, as the server does, so the hub misses nothing.
    const reader = new MvccReader(this.kvPath);
    const services = attachServices(member, reader, this.world.leaseForwarder(this.id, clock), { clock });
    const membership = new ClusterMembership(member, reader, 'sim', { now: () => clock.now() });
    const etcd = new EtcdServer({
      member, kv: services.kv, hub: services.hub, lease: services.lease, cluster: { membership, members: () => membership.list() },
    });
    return { clock, member, etcd, kv: services.kv, services, reader, applier, network };
  }

  /**
   * The state machine safety checks see every entry handed to the store, and every store reset.
   * An entry at or below one already handed is a re-send the store skips (after a snapshot the
   * store had already passed, the core hands the entries above it again): it must be the same
   * entry, which the committed check compares; only new ones count as applied, in order.
   */
  private observe(applier: Applier, clock: MemberClock): void {
    const invariants = this.world.invariants;
    let handed = applier.appliedIndex;
    const apply = applier.apply.bind(applier);
    applier.apply = (entries: readonly Entry[]) => {
      // A crashed incarnation's last promises may still run: what it hands no longer counts.
      if (clock.dead) return apply(entries);
      for (const entry of entries) {
        invariants.observeCommitted(this.id, entry);
        if (entry.index <= handed) continue;
        invariants.observeApplied(this.id, entry);
        handed = entry.index;
      }
      return apply(entries);
    };
    const restore = applier.restoreSnapshot.bind(applier);
    applier.restoreSnapshot = async (path: string) => {
      const outcome = await restore(path);
      if (outcome.restored && !clock.dead) {
        invariants.observeSnapshotRestored(this.id, applier.appliedIndex, applier.appliedTerm);
        handed = applier.appliedIndex;
      }
      return outcome;
    };
  }

  /** The member stopped itself (its stop runs on the simulated clock): it is down once the stop finished. */
  private stopped(clock: MemberClock, why: string): void {
    const incarnation = this.running;
    if (incarnation === null || incarnation.clock !== clock || clock.dead) return;
    if (why === 'removed from the cluster') this.removed = true;
    closeServices(incarnation.services);
    void incarnation.member.stop().catch(() => {}).then(() => {
      if (this.running !== incarnation) return;
      clock.dead = true;
      this.running = null;
      this.storeClosed = Promise.all([incarnation.applier.storeClosed(), incarnation.reader.close()]).then(() => {});
      this.world.onStopped(this, why);
    });
  }

  /** kill -9: the incarnation is gone at once; the disk keeps what was synced and some of the rest. */
  async crash(): Promise<void> {
    const incarnation = this.running;
    if (incarnation === null) return;
    this.running = null;
    this.crashes++;
    incarnation.clock.dead = true;
    this.disk.crash(this.world.prng);
    closeServices(incarnation.services);
    this.storeClosed = Promise.all([incarnation.applier.crash(), incarnation.reader.close()]).then(() => {});
    await this.storeClosed;
    this.world.trace?.(`m${this.id} crashes`);
  }

  /** SIGSTOP until `untilMs`: nothing of it runs meanwhile; what arrives waits. */
  pause(untilMs: number): void {
    if (this.running === null) return;
    this.running.clock.pausedUntilMs = untilMs;
    this.world.trace?.(`m${this.id} pauses until ${untilMs} ms`);
  }

  /**
   * Proposes a membership change on this member (the leader), as etcd's Cluster API does: an
   * added member (`adds`) comes with its peer URL; a promotion or a removal names only the id.
   */
  changeMembership(type: ConfChangeType, nodeId: number, adds: boolean): Promise<void> {
    const incarnation = this.running;
    if (incarnation === null) return Promise.reject(new Error('down'));
    return incarnation.member.changeMembership(type, nodeId, adds
      ? { id: nodeId, name: `m${nodeId}`, peer_urls: [simPeerUrl(nodeId)], is_learner: type === ConfChangeType.AddLearnerNode }
      : undefined);
  }
}
