/**
 * A member's Raft configuration. Durations are in ticks: the driver decides how long a tick is
 * (etcd: 100 ms heartbeat = 1 tick, election = 10 ticks).
 */
import { assert } from './errors.js';
import type { Storage } from './memory-storage.js';

/** What the driver passes to `new RawNode(config)`. Only id, storage and random are required. */
export interface Config {
  /** This member's id: a positive integer below 2^53. */
  id: number;
  /** The log and state persisted so far (a restarted member's storage, or a fresh bootstrapped one). */
  storage: Storage;
  /**
   * The deterministic random source for election timeouts: returns a number in [0, 1). Seed it in
   * the driver; the core never calls Math.random, so the same inputs give the same outputs.
   */
  random: () => number;
  /** Ticks without hearing from a leader before a follower campaigns; randomized in [n, 2n). */
  electionTick?: number;
  /** Ticks between a leader's heartbeats. Must be less than electionTick. */
  heartbeatTick?: number;
  /**
   * The last index the application applied (on restart); committed entries after it are
   * re-delivered. ConfChanges up to it are re-applied by the core itself (from the entries after
   * the storage's snapshot), so the membership matches what the application saw.
   */
  applied?: number;
  /** Upper bound on the entry bytes in one MsgApp (one entry may exceed it alone). */
  maxSizePerMsgBytes?: number;
  /** Upper bound on MsgApp messages in flight to one follower in the replicate state. */
  maxInflightMsgs?: number;
  /**
   * Upper bound on the bytes of entry data the leader holds uncommitted; a proposal beyond it is
   * dropped ('log too large') instead of queued forever. Also bounds a follower's unstable log
   * indirectly, since followers only receive what a leader accepted.
   */
  maxUncommittedEntriesBytes?: number;
  /** Upper bound on the bytes of committed entries handed out in one Ready. */
  maxCommittedSizePerReadyBytes?: number;
  /** A leader steps down if it has not heard from a quorum within an election timeout. */
  checkQuorum?: boolean;
  /** Candidates first run a pre-election that raises no term, so a rejoining member does not disrupt. */
  preVote?: boolean;
  /** Followers drop proposals instead of forwarding them to the leader. */
  disableProposalForwarding?: boolean;
}

export const ELECTION_TICK_DEFAULT = 10;
export const HEARTBEAT_TICK_DEFAULT = 1;
export const MAX_SIZE_PER_MSG_BYTES_DEFAULT = 1024 * 1024;
export const MAX_INFLIGHT_MSGS_DEFAULT = 256;
export const MAX_UNCOMMITTED_ENTRIES_BYTES_DEFAULT = 64 * 1024 * 1024;
export const MAX_COMMITTED_SIZE_PER_READY_BYTES_DEFAULT = 64 * 1024 * 1024;
/** Ids are positive integers that fit a double exactly. */
export const MEMBER_ID_MAX = Number.MAX_SAFE_INTEGER;

/** The configuration with every default filled in; what the core reads. */
export type ResolvedConfig = Required<Config>;

/** Fills in defaults and checks every bound; a bad configuration throws at construction. */
export function resolveConfig(config: Config): ResolvedConfig {
  const resolved: ResolvedConfig = {
    electionTick: ELECTION_TICK_DEFAULT,
    heartbeatTick: HEARTBEAT_TICK_DEFAULT,
    applied: 0,
    maxSizePerMsgBytes: MAX_SIZE_PER_MSG_BYTES_DEFAULT,
    maxInflightMsgs: MAX_INFLIGHT_MSGS_DEFAULT,
    maxUncommittedEntriesBytes: MAX_UNCOMMITTED_ENTRIES_BYTES_DEFAULT,
    maxCommittedSizePerReadyBytes: MAX_COMMITTED_SIZE_PER_READY_BYTES_DEFAULT,
    checkQuorum: true,
    preVote: true,
    disableProposalForwarding: false,
    ...stripUndefined(config),
  } as ResolvedConfig;
  assert(isMemberId(resolved.id), `config.id must be a positive integer below 2^53, got ${resolved.id}`);
  assert(Number.isInteger(resolved.heartbeatTick) && resolved.heartbeatTick > 0, 'config.heartbeatTick must be > 0');
  assert(Number.isInteger(resolved.electionTick) && resolved.electionTick > resolved.heartbeatTick,
    'config.electionTick must be greater than heartbeatTick');
  assert(resolved.maxInflightMsgs > 0, 'config.maxInflightMsgs must be > 0');
  assert(resolved.maxSizePerMsgBytes > 0, 'config.maxSizePerMsgBytes must be > 0');
  assert(resolved.maxUncommittedEntriesBytes > 0, 'config.maxUncommittedEntriesBytes must be > 0');
  assert(resolved.maxCommittedSizePerReadyBytes > 0, 'config.maxCommittedSizePerReadyBytes must be > 0');
  assert(typeof resolved.random === 'function', 'config.random is required (a seeded source in [0, 1))');
  assert(resolved.applied >= 0, 'config.applied must be >= 0');
  return resolved;
}

/** True for a valid member id. */
export function isMemberId(id: number): boolean {
  return Number.isInteger(id) && id > 0 && id <= MEMBER_ID_MAX;
}

function stripUndefined(config: Config): Partial<Config> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) if (value !== undefined) out[key] = value;
  return out as Partial<Config>;
}
