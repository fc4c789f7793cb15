/**
 * Fault profiles: how hostile a seed's world is. The seed picks one, so a run of consecutive
 * seeds mixes calm runs (which find liveness and throughput bugs) with hostile ones (which find
 * safety bugs). Probabilities are per tick unless the name says otherwise.
 */
import { RELIABLE_NETWORK, type NetworkProfile } from './network.js';

/** One profile. */
export interface FaultProfile {
  name: string;
  network: NetworkProfile;
  /** Chance per tick that one running member crashes. */
  crashProbability: number;
  /** Chance per tick that one crashed member restarts. */
  restartProbability: number;
  /** Chance per tick that one running member freezes for a while (SIGSTOP, a long GC pause). */
  pauseProbability: number;
  /** Chance per tick that one running member's disk fills up: its next WAL write or fsync fails. */
  diskFullProbability: number;
  /** Chance per tick of a new partition (full, one-way or isolation) while none is active. */
  partitionProbability: number;
  /** Chance per tick that an active partition heals. */
  healProbability: number;
  /** Chance per tick that the leader is asked for a membership change. */
  membershipChangeProbability: number;
}

const LOSSY_NETWORK: NetworkProfile = {
  dropProbability: 0.05,
  duplicateProbability: 0.03,
  delayTicksMin: 1,
  delayTicksMax: 4,
  reorder: true,
};

const QUIET: Omit<FaultProfile, 'name' | 'network'> = {
  crashProbability: 0,
  restartProbability: 0,
  pauseProbability: 0,
  diskFullProbability: 0,
  partitionProbability: 0,
  healProbability: 0,
  membershipChangeProbability: 0,
};

/** Every profile; a seed picks one by index. */
export const FAULT_PROFILES: readonly FaultProfile[] = [
  { name: 'calm', network: RELIABLE_NETWORK, ...QUIET },
  { name: 'lossy-network', network: LOSSY_NETWORK, ...QUIET },
  {
    name: 'partitions',
    network: { ...LOSSY_NETWORK, dropProbability: 0.01 },
    ...QUIET,
    partitionProbability: 0.01,
    healProbability: 0.02,
    pauseProbability: 0.003,
  },
  { name: 'crashes', network: RELIABLE_NETWORK, ...QUIET, crashProbability: 0.006, restartProbability: 0.03, diskFullProbability: 0.001 },
  {
    name: 'membership',
    network: { ...LOSSY_NETWORK, dropProbability: 0.02 },
    ...QUIET,
    crashProbability: 0.001,
    restartProbability: 0.03,
    membershipChangeProbability: 0.01,
  },
  {
    name: 'chaos',
    network: { ...LOSSY_NETWORK, dropProbability: 0.1, duplicateProbability: 0.05, delayTicksMax: 8 },
    crashProbability: 0.004,
    restartProbability: 0.03,
    pauseProbability: 0.003,
    diskFullProbability: 0.001,
    partitionProbability: 0.01,
    healProbability: 0.02,
    membershipChangeProbability: 0.005,
  },
];

/** The end-of-run profile: everything healed, so pending work can finish and liveness shows. */
export const QUIET_PROFILE: FaultProfile = { name: 'quiet', network: RELIABLE_NETWORK, ...QUIET };
