/**
 * One seed, start to finish. The seed decides everything: cluster size, fault profile, client
 * mix, timings, and (through one Prng) every random choice of the run. A run has two phases:
 *
 *   active  faults per the profile, clients sending; invariants checked after every tick
 *   quiet   faults stop, the network heals, crashed members restart, clients stop sending and
 *           wait for their answers (or time out); then a leader must exist (liveness), and
 *           every running member's store must hold the same data (HashKV at one revision)
 *
 * and ends with the linearizability check of the recorded history.
 */
import { checkLinearizable, type Verdict } from '../lin/checker.js';
import { KV_MODEL } from '../lin/kv-model.js';
import { ClientPool, type ClientOptions, type ClientStats } from './client.js';
import { WatchClientPool, type WatchOptions, type WatchStats } from './watch-client.js';
import type { Event } from '../../engine/mvcc/rpc.js';
import { SimCluster, type ClusterStats } from './cluster.js';
import { FAULT_PROFILES, QUIET_PROFILE, type FaultProfile } from './faults.js';
import type { MemberTuning } from './sim-member.js';
import type { NetworkStats } from './network.js';
import { Prng } from './prng.js';
import type { Trace } from './trace.js';

/** Fault ticks (of FAULT_TICK_MS) of the active phase by default. */
export const ACTIVE_TICKS_DEFAULT = 400;
/** Longest quiet phase; it ends early once every request is answered or timed out and the stores agree. */
export const QUIET_TICKS_MAX = 600;
const CLUSTER_SIZES = [1, 3, 3, 5, 5] as const;
/** Mixed into the seed for the planner, so the plan and the run draw from different streams. */
const PLAN_SEED_SALT = 0x51ab1e;

/** What a seed decided before running. */
export interface SeedPlan {
  seed: number;
  clusterSize: number;
  profile: FaultProfile;
  clients: ClientOptions;
  watches: WatchOptions;
  tuning: MemberTuning;
  activeTicks: number;
}

/** Everything a run found. `violations` empty means the seed passed. */
export interface SeedResult {
  plan: SeedPlan;
  violations: string[];
  linearizability: Verdict;
  /** Operations the checker searched (after dropping reads with unknown outcome). */
  operationsChecked: number;
  /** A running leader existed at the end of the quiet phase. */
  leaderAtEnd: boolean;
  /**
   * No leader, because the voters the most advanced member counts are not a quorum of running
   * members: a removed member stopped before the others learned its removal committed (see
   * quorumLostToRemoval). Not a violation: Raft cannot elect without a quorum, etcd neither.
   */
  quorumLost: boolean;
  /** Simulated time the run took, and the events it ran. */
  simulatedMs: number;
  events: number;
  crashes: number;
  cluster: ClusterStats;
  clients: ClientStats;
  watches: WatchStats;
  network: NetworkStats;
}

/** The plan a seed implies. */
export function planSeed(seed: number, activeTicks: number = ACTIVE_TICKS_DEFAULT): SeedPlan {
  const planner = new Prng(seed ^ PLAN_SEED_SALT);
  const clusterSize = planner.pick(CLUSTER_SIZES);
  const profile = planner.pick(FAULT_PROFILES);
  const heartbeatMs = planner.pick([20, 50, 100]);
  const electionMs = heartbeatMs * planner.between(8, 14);
  return {
    seed,
    clusterSize,
    profile,
    clients: {
      clients: planner.between(2, 6),
      keys: planner.between(2, 5),
      requestProbability: planner.pick([0.2, 0.5, 0.9]),
      timeoutMs: 4 * electionMs,
      transactions: planner.chance(0.3),
      serializableReadProbability: 0,
    },
    watches: { watchers: planner.between(1, 3), resumeProbability: 0.01, lossProbability: 0 },
    tuning: {
      heartbeatMs,
      electionMs,
      snapshotCount: planner.pick([8, 20, 50]),
      snapshotCatchUpEntries: planner.pick([1, 2, 5]),
      disk: { fsyncMsMin: 1, fsyncMsMax: planner.pick([2, 5, 10]), slowFsyncProbability: planner.pick([0, 0.01]), slowFsyncMs: 3 * electionMs },
    },
    activeTicks,
  };
}

/** One line describing a plan, for traces and failure reports. */
export function describePlan(plan: SeedPlan): string {
  return `seed ${plan.seed}: ${plan.clusterSize} members, profile ${plan.profile.name}, ${plan.clients.clients} clients on ${plan.clients.keys} keys` +
    `${plan.clients.transactions ? ' with txns' : ''}, heartbeat ${plan.tuning.heartbeatMs} ms, election ${plan.tuning.electionMs} ms, snapshot every ${plan.tuning.snapshotCount}`;
}

/** Runs one seed with its own plan. `trace` receives the verbose trace (omit it to keep quiet). */
export function runSeed(seed: number, activeTicks: number = ACTIVE_TICKS_DEFAULT, trace?: Trace): Promise<SeedResult> {
  return runPlan(planSeed(seed, activeTicks), trace);
}

/** Runs a plan (a seed's own, or one a test adjusted). */
export async function runPlan(plan: SeedPlan, trace?: Trace): Promise<SeedResult> {
  trace?.(describePlan(plan));
  const prng = new Prng(plan.seed);
  const cluster = new SimCluster(prng, plan.clusterSize, plan.profile, plan.tuning, trace);
  const clients = new ClientPool(prng, cluster, plan.clients, trace);
  const watches = new WatchClientPool(prng, cluster, plan.watches, trace);
  const violations: string[] = [];
  let leaderAtEnd = false;
  let quorumLost = false;
  try {
    for (let tick = 0; tick < plan.activeTicks && cluster.invariants.ok(); tick++) {
      await cluster.tick(() => {
        clients.step(true);
        watches.step(true);
      });
    }
    let comparison: StoreComparison | null = null;
    let differ: string | null = 'not compared';
    let history: HistoryRead | null = null;
    for (let tick = 0; tick < QUIET_TICKS_MAX && cluster.invariants.ok(); tick++) {
      await cluster.quiesce(QUIET_PROFILE);
      await cluster.tick(() => {
        clients.step(false);
        watches.step(false);
      });
      leaderAtEnd = cluster.leader() !== undefined;
      if (comparison?.result !== undefined) {
        differ = comparison.result;
        comparison = null;
        // The stores agree: the history any of them holds is the truth the watchers are held to.
        if (differ === null) history = readHistory(cluster);
      }
      if (history?.result !== undefined && watches.caughtUp(history.result.revision) && leaderAtEnd) break;
      // Compared while the tick's events run: the stores answer on the simulated clock.
      if (comparison === null && history === null && leaderAtEnd && !clients.hasInFlight()) comparison = compareStores(cluster);
    }
    if (leaderAtEnd && !clients.hasInFlight() && differ !== null) violations.push(`convergence: ${differ}`);
    quorumLost = !leaderAtEnd && quorumLostToRemoval(cluster);
    if (history?.result !== undefined) watches.check(history.result.events, history.result.revision);
    for (const violation of watches.violations) violations.push(`watch: ${violation}`);
  } catch (error) {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    violations.push(`exception at ${cluster.nowMs} ms: ${text.split('\n').slice(0, 8).join('\n    ')}`);
  } finally {
    await cluster.close();
  }
  for (const violation of cluster.invariants.violations) violations.push(`${violation.invariant}: ${violation.detail}`);
  for (const failure of cluster.startFailures) violations.push(`restart: ${failure}`);
  const check = checkLinearizable(KV_MODEL, clients.history());
  if (check.verdict === 'illegal') violations.push(`linearizability: ${check.failure?.explanation}`);
  if (violations.length === 0 && !leaderAtEnd && !quorumLost) violations.push(`liveness: no leader ${QUIET_TICKS_MAX} ticks after the faults stopped`);
  return {
    plan,
    violations,
    linearizability: check.verdict,
    operationsChecked: check.operationsChecked,
    leaderAtEnd,
    quorumLost,
    simulatedMs: cluster.nowMs,
    events: cluster.scheduler.eventsRun,
    crashes: cluster.crashCount(),
    cluster: cluster.stats,
    clients: clients.stats,
    watches: watches.stats,
    network: cluster.network.stats,
  };
}

/**
 * True when the configuration the most advanced running member applied counts voters that will
 * never run again (removed members stop and are not restarted), so fewer than a quorum of its
 * voters run. A member that applied its own removal stops after a while (etcd: 10 ticks; here
 * four election timeouts); a remaining voter that had not learned the removal committed by then
 * (its links were cut all that time) still counts it, and in a configuration of two voters it can
 * never have a quorum again. That is Raft's limit, and etcd's (removing the leader of a two-voter
 * cluster), not a fault of the member; the run counts it apart instead.
 */
function quorumLostToRemoval(cluster: SimCluster): boolean {
  const running = [...cluster.members.values()].filter((member) => member.isUp());
  if (running.length === 0) return false;
  const ahead = running.reduce((best, member) =>
    (member.incarnation!.applier.appliedIndex > best.incarnation!.applier.appliedIndex ? member : best));
  const { voters } = ahead.incarnation!.member.appliedMembership;
  const available = voters.filter((id) => {
    const member = cluster.members.get(id);
    return member !== undefined && !member.removed && !member.isDown();
  });
  const removedVoters = voters.filter((id) => cluster.members.get(id)?.removed === true);
  return removedVoters.length > 0 && available.length < Math.floor(voters.length / 2) + 1;
}

/** The leader's store history read back; `result` is set once read. */
interface HistoryRead {
  result?: { events: Event[]; revision: number };
}

/** Reads every event the leader's store holds, in pages, on the simulated clock; null while no leader is known. */
function readHistory(cluster: SimCluster): HistoryRead | null {
  const read: HistoryRead = {};
  const leader = cluster.leader();
  if (leader === undefined) return null;
  const applier = leader.incarnation!.applier;
  const revision = applier.revision;
  const events: Event[] = [];
  const next = (fromRev: number): void => {
    if (fromRev > revision) {
      read.result = { events, revision };
      return;
    }
    void applier.history(fromRev, revision, 10_000, false).then((chunk) => {
      if ('compactRevision' in chunk) throw new Error(`history compacted at ${chunk.compactRevision}`);
      events.push(...chunk.events);
      next(chunk.nextRev);
    });
  };
  next(1);
  return read;
}

/** A comparison of the members' stores under way; `result` is set once it is done (null: they agree). */
interface StoreComparison {
  result?: string | null;
}

/**
 * Compares every running member of the leader's configuration: they must have applied the same index, and their
 * stores must hash alike at it (etcd's HashKV, as the corruption check compares them).
 */
function compareStores(cluster: SimCluster): StoreComparison {
  const comparison: StoreComparison = {};
  const leader = cluster.leader();
  if (leader === undefined) return { result: 'no leader' };
  const { voters, learners } = leader.incarnation!.member.appliedMembership;
  const configured = new Set([...voters, ...learners]);
  // A member started for a MemberAdd that never applied is no member: it has nothing to agree on.
  const running = [...cluster.members.values()].filter((member) => member.isUp() && configured.has(member.id));
  const appliers = running.map((member) => member.incarnation!.applier);
  const applied = new Set(appliers.map((applier) => applier.appliedIndex));
  if (applied.size !== 1) {
    comparison.result = `applied indexes differ: ${running.map((m, i) => `m${m.id}@${appliers[i]!.appliedIndex}`).join(' ')}`;
    return comparison;
  }
  void Promise.all(appliers.map((applier) => applier.read({ op: 'hash_kv', request: { revision: 0 } })
    .then(({ response }) => `${response.hash}@${response.hash_revision}`, (error: Error) => `error ${error.message}`)))
    .then((hashes) => {
      comparison.result = new Set(hashes).size === 1 ? null
        : `stores differ at applied index ${[...applied][0]}: ${running.map((member, i) => `m${member.id} ${hashes[i]}`).join(', ')}`;
    });
  return comparison;
}
