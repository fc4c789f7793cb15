/**
 * The simulated cluster: members, the network between them, the clock, and the fault injector.
 * One tick of simulated time is advanceClock(), then the clients act, then handleReadies():
 *
 *   deliver the messages due -> tick every running member -> inject faults -> (clients act)
 *   -> every running member handles its Readies
 *
 * Everything random comes from the one seeded Prng, and members are visited in id order, so a
 * seed replays exactly.
 *
 * Every member starts from the same genesis membership (the initial voters, at index 0), as
 * etcd's members all start from --initial-cluster: a member added later replays the log's
 * membership changes on top of it, or takes a snapshot's membership instead.
 */
import { ConfChangeType, type ConfChange } from '../../engine/raft/confchange.js';
import type { ConfState } from '../../engine/raft/types.js';
import type { KvOutput } from '../lin/kv-model.js';
import type { FaultProfile } from './faults.js';
import { InvariantChecker } from './invariants.js';
import { SimMember, type MemberEnvironment, type MemberTuning } from './member.js';
import { SimNetwork } from './network.js';
import type { Prng } from './prng.js';
import type { Trace } from './trace.js';

/** Members ever created in one run (initial ones included): bounds membership churn. */
export const MEMBERS_CREATED_MAX = 12;
/** Voters and learners at once, beyond which no member is added. */
export const MEMBERS_CONFIGURED_MAX = 7;

/** Counters for the summary and for tests that a profile really exercised its faults. */
export interface ClusterStats {
  restarts: number;
  pauses: number;
  partitions: number;
  confChangesProposed: number;
  leadershipTransfers: number;
}

/** The simulated cluster. */
export class SimCluster {
  nowTicks = 0;
  readonly network: SimNetwork;
  readonly invariants = new InvariantChecker();
  readonly members = new Map<number, SimMember>();
  readonly stats: ClusterStats = { restarts: 0, pauses: 0, partitions: 0, confChangesProposed: 0, leadershipTransfers: 0 };
  /** Where answers to client requests go (the client pool sets it). */
  onResponse: (opId: number, output: KvOutput) => void = () => {};
  /** Where op ids whose outcome became unknown go (the client pool sets it). */
  onLost: (opIds: number[]) => void = () => {};
  private nextMemberId: number;
  private readonly environment: MemberEnvironment;
  private readonly genesis: ConfState;

  constructor(
    private readonly prng: Prng,
    size: number,
    private profile: FaultProfile,
    private readonly tuning: MemberTuning,
    trace: Trace,
  ) {
    this.network = new SimNetwork(prng, profile.network);
    this.environment = {
      prng,
      network: this.network,
      invariants: this.invariants,
      nowTicks: () => this.nowTicks,
      crashInReadyProbability: () => this.profile.crashInReadyProbability,
      respond: (opId, output) => this.onResponse(opId, output),
      trace: trace === undefined ? undefined : (line) => trace(`t=${this.nowTicks} ${line}`),
    };
    const voters = Array.from({ length: size }, (_, i) => i + 1);
    this.genesis = { voters, learners: [] };
    this.nextMemberId = size + 1;
    for (const id of voters) this.addMemberObject(id).start();
  }

  private addMemberObject(id: number): SimMember {
    const member = new SimMember(id, this.genesis, this.tuning, this.environment);
    this.members.set(id, member);
    return member;
  }

  /** Switches fault profile (the end of a run switches to the quiet one). */
  setProfile(profile: FaultProfile): void {
    this.profile = profile;
    this.network.setProfile(profile.network);
  }

  /** Running, responsive members still in the configuration as they know it: where clients send requests. */
  serving(): SimMember[] {
    return this.running().filter((member) => !member.removed && !member.isPaused());
  }

  /** Members that run now, in id order. */
  running(): SimMember[] {
    return [...this.members.values()].filter((member) => member.isUp());
  }

  /** The running leader with the highest term, if any. */
  leader(): SimMember | undefined {
    let best: SimMember | undefined;
    let bestTerm = -1;
    for (const member of this.running()) {
      if (!member.isLeader() || member.isPaused()) continue;
      const term = member.raw()!.status().term;
      if (term > bestTerm) {
        best = member;
        bestTerm = term;
      }
    }
    return best;
  }

  /** Delivers due messages and ticks every running member. Clients act after this, then handleReadies. */
  advanceClock(): void {
    this.nowTicks++;
    for (const message of this.network.takeDue(this.nowTicks)) this.members.get(message.to)?.receive(message);
    for (const member of this.running()) {
      // A skipped tick is a member whose clock runs slow (or a scheduler hiccup).
      if (!this.prng.chance(this.profile.tickSkipProbability)) member.tick();
    }
    this.injectFaults();
  }

  /** Every running member handles its Readies; crashes part-way report their lost requests. */
  handleReadies(): void {
    for (const member of this.running()) {
      const lost = member.handleReadies();
      if (lost.length > 0) this.onLost(lost);
    }
  }

  private injectFaults(): void {
    const prng = this.prng;
    const profile = this.profile;
    if (prng.chance(profile.crashProbability)) this.crashOne();
    if (prng.chance(profile.restartProbability)) this.restartOne();
    if (prng.chance(profile.pauseProbability)) this.pauseOne();
    if (this.network.isPartitioned()) {
      if (prng.chance(profile.healProbability)) {
        this.network.heal();
        this.environment.trace?.('network heals');
      }
    } else if (prng.chance(profile.partitionProbability)) {
      this.partition();
    }
    if (prng.chance(profile.membershipChangeProbability)) this.changeMembership();
    if (prng.chance(profile.transferLeadershipProbability)) this.transferLeadership();
  }

  /**
   * A victim for a fault: the leader half the time (leader failures exercise elections, stale
   * leaders and uncommitted tails; a random member would hit it only 1/N of the time), otherwise
   * any of the candidates.
   */
  private victim(candidates: SimMember[]): SimMember | undefined {
    if (candidates.length === 0) return undefined;
    const leader = this.leader();
    if (leader !== undefined && candidates.includes(leader) && this.prng.chance(0.5)) return leader;
    return this.prng.pick(candidates);
  }

  private crashOne(): void {
    const lost = this.victim(this.running())?.crash() ?? [];
    if (lost.length > 0) this.onLost(lost);
  }

  /** Crashes so far, between ticks and part-way through Readies alike. */
  crashCount(): number {
    let crashes = 0;
    for (const member of this.members.values()) crashes += member.crashes;
    return crashes;
  }

  /** Freezes a running member for one to three election timeouts. */
  private pauseOne(): void {
    const victim = this.victim(this.running().filter((member) => !member.isPaused()));
    if (victim === undefined) return;
    const electionTicks = this.tuning.electionTicks;
    victim.pause(this.nowTicks + this.prng.between(electionTicks, 3 * electionTicks));
    this.stats.pauses++;
  }

  private restartOne(): void {
    const down = [...this.members.values()].filter((member) => !member.isUp());
    if (down.length === 0) return;
    this.prng.pick(down).start();
    this.stats.restarts++;
  }

  private partition(): void {
    const ids = [...this.members.keys()];
    if (ids.length < 2) return;
    this.stats.partitions++;
    const kind = this.prng.int(3);
    if (kind === 0) {
      const member = this.victim([...this.members.values()])!.id;
      this.network.isolate(member, ids);
      this.environment.trace?.(`network isolates m${member}`);
      return;
    }
    if (kind === 1) {
      const from = this.prng.pick(ids);
      const to = this.prng.pick(ids.filter((id) => id !== from));
      this.network.cut(from, to);
      this.environment.trace?.(`network cuts m${from} -> m${to} (one way)`);
      return;
    }
    const side = ids.filter(() => this.prng.chance(0.5));
    const rest = ids.filter((id) => !side.includes(id));
    this.network.partition([side, rest]);
    this.environment.trace?.(`network splits [${side.join(',')}] | [${rest.join(',')}]`);
  }

  /** Proposes one single-step membership change through the leader (etcd's ConfChange v1). */
  private changeMembership(): void {
    const leader = this.leader();
    if (leader === undefined) return;
    const { voters, learners } = leader.membership();
    const configured = voters.length + learners.length;
    const canAdd = configured < MEMBERS_CONFIGURED_MAX && this.nextMemberId <= MEMBERS_CREATED_MAX;
    const choices: ConfChange[] = [];
    if (canAdd) {
      choices.push({ type: ConfChangeType.AddLearnerNode, nodeId: this.nextMemberId });
      choices.push({ type: ConfChangeType.AddNode, nodeId: this.nextMemberId });
    }
    for (const learner of learners) choices.push({ type: ConfChangeType.AddNode, nodeId: learner });
    for (const learner of learners) choices.push({ type: ConfChangeType.RemoveNode, nodeId: learner });
    if (voters.length > 1) for (const voter of voters) choices.push({ type: ConfChangeType.RemoveNode, nodeId: voter });
    if (choices.length === 0) return;
    const change = this.prng.pick(choices);
    const isNewMember = !this.members.has(change.nodeId);
    if (isNewMember) this.addMemberObject(change.nodeId).start();
    const error = leader.raw()!.proposeConfChange(change);
    this.environment.trace?.(`m${leader.id} proposes ${ConfChangeType[change.type]} ${change.nodeId}: ${error === null ? 'accepted' : error.message}`);
    if (error !== null) {
      if (isNewMember) this.members.delete(change.nodeId);
      return;
    }
    if (isNewMember) this.nextMemberId++;
    this.stats.confChangesProposed++;
  }

  private transferLeadership(): void {
    const leader = this.leader();
    if (leader === undefined) return;
    const others = leader.membership().voters.filter((id) => id !== leader.id);
    if (others.length === 0) return;
    const to = this.prng.pick(others);
    this.environment.trace?.(`m${leader.id} asked to transfer leadership to m${to}`);
    leader.raw()!.transferLeadership(to);
    this.stats.leadershipTransfers++;
  }

  /** Ends the faults: heals the network, restarts every crashed member, calms the profile. */
  quiesce(quiet: FaultProfile): void {
    this.setProfile(quiet);
    this.network.heal();
    for (const member of this.members.values()) {
      if (!member.isUp()) {
        member.start();
        this.stats.restarts++;
      }
    }
  }
}
