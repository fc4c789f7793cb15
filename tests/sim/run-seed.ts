/**
 * One seed, start to finish. The seed decides everything: cluster size, fault profile, client
 * mix, and (through one Prng) every random choice of the run. A run has two phases:
 *
 *   active  faults per the profile, clients sending; invariants checked after every tick
 *   quiet   faults stop, the network heals, crashed members restart, clients stop sending and
 *           wait for their answers (or time out); then a leader must exist (liveness)
 *
 * and ends with the linearizability check of the recorded history.
 */
import { checkLinearizable, type Verdict } from '../lin/checker.js';
import { KV_MODEL } from '../lin/kv-model.js';
import { ClientPool, type ClientOptions, type ClientStats } from './client.js';
import { SimCluster, type ClusterStats } from './cluster.js';
import { FAULT_PROFILES, QUIET_PROFILE, type FaultProfile } from './faults.js';
import type { MemberTuning } from './member.js';
import type { NetworkStats } from './network.js';
import { Prng } from './prng.js';
import type { Trace } from './trace.js';

/** Ticks of the active phase by default: tuned so 500 seeds take well under 3 minutes on 2 cores. */
export const ACTIVE_TICKS_DEFAULT = 1000;
/** Longest quiet phase; it ends early once every request is answered or timed out. */
export const QUIET_TICKS_MAX = 300;
const CLUSTER_SIZES = [1, 3, 3, 5, 5] as const;
/** Mixed into the seed for the planner, so the plan and the run draw from different streams. */
const PLAN_SEED_SALT = 0x51ab1e;

/** What a seed decided before running. */
export interface SeedPlan {
  seed: number;
  clusterSize: number;
  profile: FaultProfile;
  clients: ClientOptions;
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
  ticks: number;
  crashes: number;
  cluster: ClusterStats;
  clients: ClientStats;
  network: NetworkStats;
}

/** The plan a seed implies. */
export function planSeed(seed: number, activeTicks: number = ACTIVE_TICKS_DEFAULT): SeedPlan {
  const planner = new Prng(seed ^ PLAN_SEED_SALT);
  const clusterSize = planner.pick(CLUSTER_SIZES);
  const profile = planner.pick(FAULT_PROFILES);
  const electionTicks = planner.between(8, 14);
  return {
    seed,
    clusterSize,
    profile,
    clients: {
      clients: planner.between(2, 6),
      keys: planner.between(2, 5),
      requestProbability: planner.pick([0.2, 0.5, 0.9]),
      timeoutTicks: 4 * electionTicks,
      logReadProbability: 0.3,
      transactions: planner.chance(0.3),
      serializableReadProbability: 0,
    },
    tuning: {
      electionTicks,
      heartbeatTicks: planner.between(1, 3),
      snapshotEveryEntries: planner.pick([8, 20, 50]),
      entriesKeptAfterCompaction: planner.pick([0, 2, 5]),
    },
    activeTicks,
  };
}

/** One line describing a plan, for traces and failure reports. */
export function describePlan(plan: SeedPlan): string {
  return `seed ${plan.seed}: ${plan.clusterSize} members, profile ${plan.profile.name}, ${plan.clients.clients} clients on ${plan.clients.keys} keys` +
    `${plan.clients.transactions ? ' with txns' : ''}, election ${plan.tuning.electionTicks} ticks, snapshot every ${plan.tuning.snapshotEveryEntries}`;
}

/** Runs one seed with its own plan. `trace` receives the verbose trace (omit it to keep quiet). */
export function runSeed(seed: number, activeTicks: number = ACTIVE_TICKS_DEFAULT, trace?: Trace): SeedResult {
  return runPlan(planSeed(seed, activeTicks), trace);
}

/** Runs a plan (a seed's own, or one a test adjusted). */
export function runPlan(plan: SeedPlan, trace?: Trace): SeedResult {
  trace?.(describePlan(plan));
  const prng = new Prng(plan.seed);
  const cluster = new SimCluster(prng, plan.clusterSize, plan.profile, plan.tuning, trace);
  const clients = new ClientPool(prng, cluster, plan.clients, trace);
  const violations: string[] = [];
  let leaderAtEnd = false;
  try {
    for (let tick = 0; tick < plan.activeTicks && cluster.invariants.ok(); tick++) {
      cluster.advanceClock();
      clients.step(true);
      cluster.handleReadies();
    }
    cluster.quiesce(QUIET_PROFILE);
    for (let tick = 0; tick < QUIET_TICKS_MAX && cluster.invariants.ok(); tick++) {
      cluster.advanceClock();
      clients.step(false);
      cluster.handleReadies();
      leaderAtEnd = cluster.leader() !== undefined;
      if (leaderAtEnd && !clients.hasInFlight()) break;
    }
  } catch (error) {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    violations.push(`exception at tick ${cluster.nowTicks}: ${text.split('\n').slice(0, 6).join('\n    ')}`);
  }
  for (const violation of cluster.invariants.violations) violations.push(`${violation.invariant}: ${violation.detail}`);
  const check = checkLinearizable(KV_MODEL, clients.history());
  if (check.verdict === 'illegal') violations.push(`linearizability: ${check.failure?.explanation}`);
  if (violations.length === 0 && !leaderAtEnd) violations.push(`liveness: no leader ${QUIET_TICKS_MAX} ticks after the faults stopped`);
  return {
    plan,
    violations,
    linearizability: check.verdict,
    operationsChecked: check.operationsChecked,
    leaderAtEnd,
    ticks: cluster.nowTicks,
    crashes: cluster.crashCount(),
    cluster: cluster.stats,
    clients: clients.stats,
    network: cluster.network.stats,
  };
}
