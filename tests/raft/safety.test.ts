/**
 * Randomized safety check: five members driven by a seeded PRNG through ticks, proposals, lossy
 * duplicating and reordering delivery, partitions, crashes and restarts, log compaction and
 * snapshots, membership changes (learners too), leader transfers and ReadIndex requests. Throughout it checks the Raft safety
 * properties (Raft paper Figure 3) and ReadIndex linearizability:
 * - Election safety: at most one leader per term.
 * - State machine safety: no two members apply different entries at the same index.
 * - Leader completeness: a new leader's log holds every entry applied anywhere before.
 * - A read index is at least every commit index any member knew when the read was requested.
 * Then it heals everything and checks liveness: a proposal commits and applies on every voter.
 * A failing seed replays exactly (the message names it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawNode, SnapshotStatus, StateRole } from '../../engine/raft/raw-node.js';
import { MemoryStorage } from '../../engine/raft/memory-storage.js';
import type { Message } from '../../engine/raft/message.js';
import { MessageType } from '../../engine/raft/message.js';
import type { ConfState, Entry } from '../../engine/raft/types.js';
import { EntryType } from '../../engine/raft/types.js';
import { ConfChangeType, decodeConfChange } from '../../engine/raft/confchange.js';
import { seededRandom } from '../seeded-random.js';

const MEMBER_IDS = [1, 2, 3, 4, 5];
const STEPS_PER_SEED = 5000;
const SEEDS = Array.from({ length: 40 }, (_, i) => i + 1);
/** Heal-phase rounds allowed for a leader to emerge and a proposal to apply everywhere. */
const LIVENESS_ROUNDS_MAX = 400;
/** In-transit messages beyond this are dropped (a bounded network). */
const IN_TRANSIT_MAX = 2000;
const FINAL_PROPOSAL = 'final';
/** Entries kept behind a compaction, so slightly lagging members catch up from the log. */
const COMPACTION_RETAINED_ENTRIES = 5;
/** A crashed member stays down for between this many steps and twice as many. */
const CRASH_STEPS_MIN = 100;

interface SimMember {
  id: number;
  storage: MemoryStorage;
  node: RawNode;
  random: () => number;
  applied: number;
  up: boolean;
  /** While down: the step at which the member restarts. */
  restartAtStep: number;
  /** Applied the liveness check's final proposal. */
  appliedFinal: boolean;
  /** The membership as of the applied index. */
  confState: ConfState;
}

class Cluster {
  readonly members = new Map<number, SimMember>();
  inTransit: Message[] = [];
  /** Member ids cut off from the rest (both directions). */
  isolated = new Set<number>();
  /** index -> "term:data" of the first application seen anywhere. */
  readonly appliedAt = new Map<number, string>();
  readonly leaderOfTerm = new Map<number, number>();
  /** ReadIndex context -> the highest commit index any member knew when it was requested. */
  readonly readFloor = new Map<string, number>();

  constructor(readonly seed: number, readonly rand: () => number) {
    for (const id of MEMBER_IDS) {
      const storage = new MemoryStorage({ voters: MEMBER_IDS, learners: [] });
      const random = seededRandom(seed * 100 + id);
      this.members.set(id, { id, storage, random, node: new RawNode({ id, storage, random }), applied: 0, up: true, restartAtStep: 0, appliedFinal: false,
        confState: { voters: MEMBER_IDS, learners: [] } });
    }
  }

  fail(message: string): never {
    throw new Error(`seed ${this.seed}: ${message}`);
  }

  processReady(member: SimMember): void {
    if (!member.up || !member.node.hasReady()) return;
    const rd = member.node.ready();
    this.send(rd.messages);
    if (rd.snapshot !== null) {
      member.storage.applySnapshot(rd.snapshot);
      member.applied = rd.snapshot.meta.index;
      member.confState = rd.snapshot.meta.confState;
    }
    member.storage.append(rd.entries);
    if (rd.hardState !== null) member.storage.setHardState(rd.hardState);
    this.send(rd.messagesAfterPersist);
    for (const entry of rd.committedEntries) this.apply(member, entry);
    for (const rs of rd.readStates) {
      const key = Buffer.from(rs.requestCtx).toString();
      const floor = this.readFloor.get(key);
      if (floor === undefined) this.fail(`member ${member.id} got a ReadState for unknown context ${key}`);
      if (rs.index < floor) this.fail(`read ${key} at index ${rs.index}, below commit ${floor} known when it was requested`);
    }
    member.node.advance();
    if (rd.softState?.role === StateRole.Leader) this.checkNewLeader(member);
  }

  private send(messages: Message[]): void {
    for (const m of messages) {
      if (this.inTransit.length < IN_TRANSIT_MAX) this.inTransit.push(m);
      else this.lose(m);
    }
  }

  private apply(member: SimMember, entry: Entry): void {
    const value = `${entry.term}:${Buffer.from(entry.data).toString('hex')}`;
    const seen = this.appliedAt.get(entry.index);
    if (seen === undefined) this.appliedAt.set(entry.index, value);
    else if (seen !== value) this.fail(`member ${member.id} applied ${value} at ${entry.index}, another applied ${seen}`);
    if (entry.index !== member.applied + 1) this.fail(`member ${member.id} applied ${entry.index} after ${member.applied}`);
    member.applied = entry.index;
    if (entry.type === EntryType.ConfChange) member.confState = member.node.applyConfChange(decodeConfChange(entry.data));
    else if (Buffer.from(entry.data).toString() === FINAL_PROPOSAL) member.appliedFinal = true;
  }

  /** Leader completeness: the new leader's log holds every entry applied anywhere. */
  private checkNewLeader(member: SimMember): void {
    const { term } = member.node.status();
    const previous = this.leaderOfTerm.get(term);
    if (previous !== undefined && previous !== member.id) this.fail(`two leaders in term ${term}: ${previous} and ${member.id}`);
    this.leaderOfTerm.set(term, member.id);
    const first = member.storage.firstIndex();
    for (const [index, value] of this.appliedAt) {
      if (index < first) continue;
      const entries = member.storage.entries(index, index + 1, Infinity);
      if (!Array.isArray(entries) || entries.length === 0) this.fail(`leader ${member.id} (term ${term}) lacks applied index ${index}`);
      const e = entries[0]!;
      const held = `${e.term}:${Buffer.from(e.data).toString('hex')}`;
      if (held !== value) this.fail(`leader ${member.id} holds ${held} at ${index}, applied was ${value}`);
    }
  }

  deliverOne(): void {
    if (this.inTransit.length === 0) return;
    const at = Math.floor(this.rand() * this.inTransit.length);
    const [m] = this.inTransit.splice(at, 1);
    const to = this.members.get(m!.to);
    if (to === undefined || !to.up || this.isolated.has(m!.to) || this.isolated.has(m!.from)) {
      this.lose(m!);
      return;
    }
    if (this.rand() < 0.05 && m!.type !== MessageType.MsgSnap) this.inTransit.push(m!);
    to.node.step(m!);
    if (m!.type === MessageType.MsgSnap) this.reportSnapshot(m!, SnapshotStatus.Finish);
  }

  /** Like a transport, tell the sender of a snapshot how its transfer ended. */
  private reportSnapshot(m: Message, status: SnapshotStatus): void {
    const from = this.members.get(m.from)!;
    if (from.up) from.node.reportSnapshot(m.to, status);
  }

  lose(m: Message): void {
    if (m.type === MessageType.MsgSnap) this.reportSnapshot(m, SnapshotStatus.Failure);
  }

  /** Drops each message in transit with the given probability (a burst of loss). */
  dropSome(probability: number): void {
    this.inTransit = this.inTransit.filter((m) => {
      if (this.rand() >= probability) return true;
      this.lose(m);
      return false;
    });
  }

  /** Crashes a member for a while, keeping a majority up (so progress stays possible). */
  crash(member: SimMember, step: number): void {
    const down = [...this.members.values()].filter((m) => !m.up).length;
    if (!member.up || down + 1 > (MEMBER_IDS.length - 1) / 2) return;
    member.up = false;
    member.restartAtStep = step + CRASH_STEPS_MIN + Math.floor(this.rand() * CRASH_STEPS_MIN);
  }

  readIndex(member: SimMember, step: number): void {
    const context = `r${member.id}-${step}`;
    let floor = 0;
    for (const m of this.members.values()) if (m.up) floor = Math.max(floor, m.node.status().commit);
    this.readFloor.set(context, floor);
    member.node.readIndex(new TextEncoder().encode(context));
  }

  /**
   * At a leader, for a random member: remove a voter (keeping at least 3), add a non-member back
   * as a learner, or promote a learner.
   */
  changeMembership(member: SimMember): void {
    if (!member.up || member.node.status().role !== StateRole.Leader) return;
    const id = MEMBER_IDS[Math.floor(this.rand() * MEMBER_IDS.length)]!;
    const { voters, learners } = member.confState;
    if (voters.includes(id)) {
      if (voters.length > 3) member.node.proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: id });
    } else if (learners.includes(id)) {
      member.node.proposeConfChange({ type: ConfChangeType.AddNode, nodeId: id });
    } else {
      member.node.proposeConfChange({ type: ConfChangeType.AddLearnerNode, nodeId: id });
    }
  }

  /** At a leader: hand leadership to a random member. */
  transferLeadership(member: SimMember): void {
    if (!member.up || member.node.status().role !== StateRole.Leader) return;
    member.node.transferLeadership(MEMBER_IDS[Math.floor(this.rand() * MEMBER_IDS.length)]!);
  }

  restart(member: SimMember): void {
    for (const m of this.inTransit) if (m.to === member.id) this.lose(m);
    this.inTransit = this.inTransit.filter((m) => m.to !== member.id);
    member.node = new RawNode({ id: member.id, storage: member.storage, random: member.random, applied: member.applied });
    member.up = true;
  }

  /** Snapshots the applied state (with the membership as of applied) and compacts the log behind it. */
  compact(member: SimMember): void {
    const compactIndex = member.applied - COMPACTION_RETAINED_ENTRIES;
    if (compactIndex <= member.storage.firstIndex()) return;
    member.storage.createSnapshot(member.applied, member.confState, new Uint8Array([member.applied & 0xff]));
    member.storage.compact(compactIndex);
  }
}

function randomStep(cluster: Cluster, step: number): void {
  for (const m of cluster.members.values()) if (!m.up && step >= m.restartAtStep) cluster.restart(m);
  const r = cluster.rand();
  const member = cluster.members.get(MEMBER_IDS[Math.floor(cluster.rand() * MEMBER_IDS.length)]!)!;
  if (r < 0.4) { for (let i = 0; i < 4; i++) cluster.deliverOne(); }
  else if (r < 0.65) cluster.processReady(member);
  else if (r < 0.85) { if (member.up) member.node.tick(); }
  else if (r < 0.94) { if (member.up) member.node.propose(new TextEncoder().encode(`p${step}`)); }
  else if (r < 0.947) cluster.isolated = cluster.rand() < 0.6 ? new Set() : new Set([member.id]);
  else if (r < 0.95) cluster.dropSome(0.5);
  else if (r < 0.955) cluster.crash(member, step);
  else if (r < 0.98) cluster.compact(member);
  else if (r < 0.985) cluster.changeMembership(member);
  else if (r < 0.99) cluster.transferLeadership(member);
  else if (member.up) cluster.readIndex(member, step);
}

/** Heals everything and runs the cluster until one proposal is applied on every member. */
function checkLiveness(cluster: Cluster): void {
  cluster.isolated = new Set();
  for (const member of cluster.members.values()) if (!member.up) cluster.restart(member);
  let proposed = false;
  for (let round = 0; round < LIVENESS_ROUNDS_MAX; round++) {
    for (const member of cluster.members.values()) member.node.tick();
    for (let i = 0; i < 5; i++) {
      for (const member of cluster.members.values()) cluster.processReady(member);
      while (cluster.inTransit.length > 0) cluster.deliverOne();
    }
    const leader = [...cluster.members.values()].find((m) => m.node.status().role === StateRole.Leader);
    if (leader !== undefined && !proposed) proposed = leader.node.propose(new TextEncoder().encode(FINAL_PROPOSAL)) === null;
    const voters = leader?.confState.voters ?? MEMBER_IDS;
    if (proposed && voters.every((id) => cluster.members.get(id)!.appliedFinal)) return;
  }
  cluster.fail(`no progress after healing: ${JSON.stringify([...cluster.members.values()].map((m) => m.node.status()))}`);
}

for (const seed of SEEDS) {
  test(`seed ${seed}: safety under loss, partitions, crashes, compaction and membership changes; liveness after healing`, () => {
    const cluster = new Cluster(seed, seededRandom(seed));
    for (let step = 0; step < STEPS_PER_SEED; step++) randomStep(cluster, step);
    assert.ok(cluster.appliedAt.size > 0, `seed ${seed}: nothing was ever applied`);
    checkLiveness(cluster);
  });
}
