/**
 * The simulated cluster: production Members over the seed's clock, network and disks, and the
 * fault injector. Time moves in fault ticks; in each one the injector may act, clients act, and
 * then every event due in the tick runs (timers, deliveries, fsyncs, apply turns):
 *
 *   inject faults -> clients send -> run the tick's events -> note who leads
 *
 * The network moves messages every NET_TICK_MS. Everything random comes from the one seeded Prng
 * and members are visited in id order, so a seed replays exactly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ConfChangeType } from '../../engine/raft/confchange.js';
import type { ConfState } from '../../engine/raft/types.js';
import type { FaultProfile } from './faults.js';
import { InvariantChecker } from './invariants.js';
import { SimNetwork } from './network.js';
import type { Prng } from './prng.js';
import { SimScheduler, type MemberClock } from './scheduler.js';
import { ErrTimeout } from '../../engine/errors.js';
import type { ForwardedLeaseRequest } from '../../engine/lease/lease-server.js';
import type { LeaseTimeToLiveResponse } from '../../engine/lease/lease-rpc.js';
import { LEASE_FORWARD_TIMEOUT_MS } from '../../net/peer/lease-forward.js';
import { SimMember, type MemberTuning, type MemberWorld } from './sim-member.js';
import type { SimPeerWorld } from './sim-peer-network.js';
import type { Trace } from './trace.js';

/** The network's delivery granularity: delays are whole network ticks. */
export const NET_TICK_MS = 10;
/** One fault tick: the injector and the clients act once per tick. */
export const FAULT_TICK_MS = 50;
/** Members ever created in one run (initial ones included): bounds membership churn. */
export const MEMBERS_CREATED_MAX = 12;
/** Voters and learners at once, beyond which no member is added. */
export const MEMBERS_CONFIGURED_MAX = 7;
/** Where members' stores live: tmpfs, so LMDB's syncs cost nothing (the simulated disk is the WAL). */
const SIM_ROOT = '/dev/shm';

/** Counters for the summary and for tests that a profile really exercised its faults. */
export interface ClusterStats {
  restarts: number;
  pauses: number;
  partitions: number;
  diskFaults: number;
  confChangesProposed: number;
  confChangesApplied: number;
  /** Snapshot transfers started (followers the log could no longer catch up). */
  snapshotsSent: number;
  /** Members that stopped themselves (fail-stop on a storage fault, or removed). */
  selfStops: number;
}

export class SimCluster {
  readonly scheduler = new SimScheduler();
  readonly network: SimNetwork;
  readonly invariants = new InvariantChecker();
  readonly members = new Map<number, SimMember>();
  readonly stats: ClusterStats = { restarts: 0, pauses: 0, partitions: 0, diskFaults: 0, confChangesProposed: 0, confChangesApplied: 0, snapshotsSent: 0, selfStops: 0 };
  readonly root = mkdtempSync(join(SIM_ROOT, 'cairn-sim-'));
  /** Members that failed to start, with why: each is a violation. */
  readonly startFailures: string[] = [];
  /** Op ids whose member crashed: their outcome is unknown (the client pool sets it). */
  onCrash: (memberId: number) => void = () => {};
  private nextMemberId: number;
  private readonly world: MemberWorld;
  private readonly founders: number[];
  /** The highest term each member was seen leading in (election safety is checked on each new one). */
  private readonly seenLeading = new Map<number, number>();

  constructor(
    private readonly prng: Prng,
    size: number,
    private profile: FaultProfile,
    private readonly tuning: MemberTuning,
    traceSink: Trace,
  ) {
    this.network = new SimNetwork(prng, profile.network);
    const peers: SimPeerWorld = {
      send: (message) => this.network.send(message, this.netTick()),
      reachable: (from, to) => this.network.isConnected(from, to) && this.members.get(to)?.isUp() === true,
      receiver: (to) => {
        const incarnation = this.members.get(to)?.incarnation;
        if (incarnation === null || incarnation === undefined || incarnation.network.handler === null) return null;
        return { handler: incarnation.network.handler, network: incarnation.network, clock: incarnation.clock };
      },
      membersOf: (id) => this.members.get(id)?.incarnation?.reader.members() ?? null,
      snapshotTransferMs: (bytes) => {
        this.stats.snapshotsSent++;
        return NET_TICK_MS * (2 + Math.ceil(bytes / (1 << 20)));
      },
    };
    this.world = {
      scheduler: this.scheduler, prng, invariants: this.invariants, peers, root: this.root,
      trace: traceSink === undefined ? undefined : (line) => traceSink(`${this.scheduler.nowMs} ms ${line}`),
      onStopped: (member, why) => {
        this.stats.selfStops++;
        this.world.trace?.(`m${member.id} stopped: ${why}`);
        this.onCrash(member.id);
      },
      onStartFailed: (member, error) => {
        this.startFailures.push(`m${member.id} failed to start at ${this.scheduler.nowMs} ms: ${error.stack ?? error.message}`);
      },
      calm: () => this.profile.name === 'quiet',
      leaseForwarder: (from, clock) => ({
        keepAlives: (leaderId, ids) => this.forwardLease(from, clock, leaderId, { keep_alives: ids }) as Promise<number[]>,
        timeToLive: (leaderId, request) =>
          this.forwardLease(from, clock, leaderId, { time_to_live: request }) as Promise<LeaseTimeToLiveResponse>,
      }),
    };
    this.founders = Array.from({ length: size }, (_, i) => i + 1);
    this.nextMemberId = size + 1;
    for (const id of this.founders) void this.addMember(id, this.founders).start();
    const deliver = (): void => {
      for (const message of this.network.takeDue(this.netTick())) {
        const incarnation = this.members.get(message.to)?.incarnation;
        // A paused member's clock holds the delivery until it resumes.
        incarnation?.clock.after(0, () => incarnation.network.deliver(message));
      }
      this.scheduler.at(this.scheduler.nowMs + NET_TICK_MS, deliver);
    };
    this.scheduler.at(NET_TICK_MS, deliver);
  }

  /**
   * A follower's lease request to the leader, as net/peer/lease-forward.ts sends it: a network
   * hop each way, answered by the leader's lease server; lost with its link or member, it times
   * out with etcd's "request timed out" after LEASE_FORWARD_TIMEOUT_MS.
   */
  private forwardLease(from: number, clock: MemberClock, leaderId: number, body: ForwardedLeaseRequest): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (error: Error | null, answer?: unknown): void => {
        if (settled) return;
        settled = true;
        if (error === null) resolve(answer);
        else reject(error);
      };
      clock.setTimeout(() => settle(ErrTimeout), LEASE_FORWARD_TIMEOUT_MS);
      clock.after(NET_TICK_MS, () => {
        const leader = this.members.get(leaderId)?.incarnation;
        if (leader === null || leader === undefined || !this.network.isConnected(from, leaderId)) return;
        leader.clock.after(0, () => {
          leader.services.lease.answerForwarded(body).then(
            (answer) => clock.after(NET_TICK_MS, () => settle(null, answer)),
            (error: Error) => clock.after(NET_TICK_MS, () => settle(error)));
        });
      });
    });
  }

  get nowMs(): number {
    return this.scheduler.nowMs;
  }

  private netTick(): number {
    return Math.floor(this.scheduler.nowMs / NET_TICK_MS);
  }

  /** A new member (not started): a founder, or (`founders` null) one that joins a running cluster. */
  addMember(id: number, founders: readonly number[] | null): SimMember {
    const member = new SimMember(id, founders, () => [...this.members.keys()], this.tuning, this.world);
    this.members.set(id, member);
    return member;
  }

  /** Switches fault profile (the end of a run switches to the quiet one). */
  setProfile(profile: FaultProfile): void {
    this.profile = profile;
    this.network.setProfile(profile.network);
  }

  /**
   * Running, responsive members of the cluster: where clients send requests. As clients take
   * their endpoints from the member list, a member started for a MemberAdd that never applied is
   * not one of them (it has no leader and never will).
   */
  serving(): SimMember[] {
    const leader = this.leader();
    const configured = leader === undefined ? null : this.membershipOf(leader);
    return [...this.members.values()].filter((member) => member.isUp() && !member.removed && !member.isPaused()
      && (configured === null || configured.voters.includes(member.id) || configured.learners.includes(member.id)));
  }

  /** True when `id` is in the current leader's configuration (or no leader is known). */
  isConfigured(id: number): boolean {
    const leader = this.leader();
    if (leader === undefined) return true;
    const { voters, learners } = this.membershipOf(leader);
    return voters.includes(id) || learners.includes(id);
  }

  /**
   * The running leader with the highest term, if any. A leader that applied its own removal
   * keeps leading for a while to hand over (raft.ts handOverAfterRemoval), but is no longer the
   * cluster's: it is not counted.
   */
  leader(): SimMember | undefined {
    let best: SimMember | undefined;
    let bestTerm = -1;
    for (const member of this.members.values()) {
      if (!member.isLeader()) continue;
      const running = member.incarnation!.member;
      if (!running.appliedMembership.voters.includes(member.id)) continue;
      const term = running.status().term;
      if (term > bestTerm) {
        best = member;
        bestTerm = term;
      }
    }
    return best;
  }

  /** One fault tick: faults, then `clients` act, then the tick's events run. */
  async tick(clients: () => void): Promise<void> {
    await this.injectFaults();
    clients();
    await this.scheduler.runUntil(this.scheduler.nowMs + FAULT_TICK_MS);
    this.noteLeaders();
  }

  /**
   * Election safety (every member seen leading a term is the only one for that term) and leader
   * completeness (a new leader's log holds every entry committed so far).
   */
  private noteLeaders(): void {
    for (const member of this.members.values()) {
      if (!member.isUp()) continue;
      const status = member.incarnation!.member.status();
      if (status.role !== 'Leader' || this.seenLeading.get(member.id) === status.term) continue;
      this.seenLeading.set(member.id, status.term);
      this.invariants.observeLeader(member.id, status.term);
      this.invariants.checkLeaderCompleteness(member.id, status.term, member.disk.logView());
      this.world.trace?.(`m${member.id} leads term ${status.term}`);
    }
  }

  private async injectFaults(): Promise<void> {
    const prng = this.prng;
    const profile = this.profile;
    if (prng.chance(profile.crashProbability)) await this.crashOne();
    if (prng.chance(profile.restartProbability)) await this.restartOne();
    if (prng.chance(profile.pauseProbability)) this.pauseOne();
    if (prng.chance(profile.diskFullProbability)) this.fillOneDisk();
    if (this.network.isPartitioned()) {
      if (prng.chance(profile.healProbability)) {
        this.network.heal();
        this.world.trace?.('network heals');
      }
    } else if (prng.chance(profile.partitionProbability)) {
      this.partition();
    }
    if (prng.chance(profile.membershipChangeProbability)) this.changeMembership();
  }

  /** A victim: the leader half the time (leader faults exercise elections and uncommitted tails), else any candidate. */
  private victim(candidates: SimMember[]): SimMember | undefined {
    if (candidates.length === 0) return undefined;
    const leader = this.leader();
    if (leader !== undefined && candidates.includes(leader) && this.prng.chance(0.5)) return leader;
    return this.prng.pick(candidates);
  }

  private running(): SimMember[] {
    return [...this.members.values()].filter((member) => member.isUp());
  }

  private async crashOne(): Promise<void> {
    const victim = this.victim(this.running());
    if (victim === undefined) return;
    await victim.crash();
    this.onCrash(victim.id);
  }

  /** Crashes so far. */
  crashCount(): number {
    let crashes = 0;
    for (const member of this.members.values()) crashes += member.crashes;
    return crashes;
  }

  private async restartOne(): Promise<void> {
    const down = [...this.members.values()].filter((member) => member.isDown() && !member.removed);
    if (down.length === 0) return;
    await this.prng.pick(down).start();
    this.stats.restarts++;
  }

  /** Freezes a running member for one to three election timeouts. */
  private pauseOne(): void {
    const victim = this.victim(this.running().filter((member) => !member.isPaused()));
    if (victim === undefined) return;
    const electionMs = this.tuning.electionMs;
    victim.pause(this.scheduler.nowMs + this.prng.between(electionMs, 3 * electionMs));
    this.stats.pauses++;
  }

  /** The next write or fsync of one member's WAL fails (disk full): it must stop, and is restarted later. */
  private fillOneDisk(): void {
    const victim = this.victim(this.running());
    if (victim === undefined) return;
    victim.disk.full = true;
    this.stats.diskFaults++;
    this.world.trace?.(`m${victim.id}'s disk fills up`);
  }

  private partition(): void {
    const ids = [...this.members.keys()];
    if (ids.length < 2) return;
    this.stats.partitions++;
    const kind = this.prng.int(3);
    if (kind === 0) {
      const member = this.victim([...this.members.values()])!.id;
      this.network.isolate(member, ids);
      this.world.trace?.(`network isolates m${member}`);
      return;
    }
    if (kind === 1) {
      const from = this.prng.pick(ids);
      const to = this.prng.pick(ids.filter((id) => id !== from));
      this.network.cut(from, to);
      this.world.trace?.(`network cuts m${from} -> m${to} (one way)`);
      return;
    }
    const side = ids.filter(() => this.prng.chance(0.5));
    const rest = ids.filter((id) => !side.includes(id));
    this.network.partition([side, rest]);
    this.world.trace?.(`network splits [${side.join(',')}] | [${rest.join(',')}]`);
  }

  /** The membership as the leader applied it. */
  private membershipOf(leader: SimMember): ConfState {
    return leader.incarnation!.member.appliedMembership;
  }

  /** Proposes one single-step membership change through the leader (etcd's ConfChange v1). */
  private changeMembership(): void {
    const leader = this.leader();
    if (leader === undefined) return;
    const { voters, learners } = this.membershipOf(leader);
    const canAdd = voters.length + learners.length < MEMBERS_CONFIGURED_MAX && this.nextMemberId <= MEMBERS_CREATED_MAX;
    const choices: { type: ConfChangeType; nodeId: number; adds: boolean }[] = [];
    if (canAdd) {
      choices.push({ type: ConfChangeType.AddLearnerNode, nodeId: this.nextMemberId, adds: true });
      choices.push({ type: ConfChangeType.AddNode, nodeId: this.nextMemberId, adds: true });
    }
    for (const learner of learners) choices.push({ type: ConfChangeType.AddNode, nodeId: learner, adds: false });
    for (const learner of learners) choices.push({ type: ConfChangeType.RemoveNode, nodeId: learner, adds: false });
    if (voters.length > 1) for (const voter of voters) choices.push({ type: ConfChangeType.RemoveNode, nodeId: voter, adds: false });
    if (choices.length === 0) return;
    const change = this.prng.pick(choices);
    if (change.adds) {
      this.nextMemberId++;
      // Started first, as an operator starts the new member right after MemberAdd.
      void this.addMember(change.nodeId, null).start();
    }
    this.stats.confChangesProposed++;
    this.world.trace?.(`m${leader.id} proposes ${ConfChangeType[change.type]} ${change.nodeId}`);
    leader.changeMembership(change.type, change.nodeId, change.adds).then(
      () => {
        this.stats.confChangesApplied++;
        this.world.trace?.(`${ConfChangeType[change.type]} ${change.nodeId} applied`);
      },
      (error: Error) => this.world.trace?.(`${ConfChangeType[change.type]} ${change.nodeId} failed: ${error.message}`));
  }

  /**
   * Ends the faults: heals the network, frees the full disks, resumes and restarts every member
   * not removed, calms the profile. Called on every quiet tick: a member that stopped itself on a
   * fault injected just before is restarted too, as an operator would.
   */
  async quiesce(quiet: FaultProfile): Promise<void> {
    this.setProfile(quiet);
    this.network.heal();
    for (const member of this.members.values()) {
      member.disk.full = false;
      if (member.isDown() && !member.removed) {
        await member.start();
        this.stats.restarts++;
      }
      if (member.isPaused()) member.pause(this.scheduler.nowMs);
    }
  }

  /** Crashes what still runs and removes the members' files. */
  async close(): Promise<void> {
    for (const member of this.members.values()) await member.crash();
    rmSync(this.root, { recursive: true, force: true });
  }
}
