/**
 * The Raft core alone: 3 members in one process joined by an instant in-memory network, storage
 * = MemoryStorage (persist = append). Measures committed entries per second when the leader takes
 * 1 or 256 proposals per round (a round = propose, then ready/persist/send/advance on every member
 * until nothing moves, so every proposal of the round is committed and applied on the leader).
 * Logs are compacted as they go, so memory stays bounded.
 */
import { Bench } from 'tinybench';
import { MemoryStorage } from '../../engine/raft/memory-storage.js';
import type { Message } from '../../engine/raft/message.js';
import { RawNode, StateRole } from '../../engine/raft/raw-node.js';
import type { ConfState } from '../../engine/raft/types.js';
import { figuresFromBench, writeMicroReport, type Figure } from './report.js';

const MEMBER_IDS = [1, 2, 3];
const PAYLOAD_BYTES = 256;
/** Keep this many applied entries in storage; compact the rest. */
const RETAINED_ENTRIES = 10_000;
/** A round settles in a handful of cycles; more means something is wrong. */
const ROUND_CYCLES_MAX = 100;

interface BenchMember {
  id: number;
  node: RawNode;
  storage: MemoryStorage;
  applied: number;
}

function createCluster(): BenchMember[] {
  const confState: ConfState = { voters: MEMBER_IDS, learners: [] };
  let seed = 1;
  const members = MEMBER_IDS.map((id) => {
    const storage = new MemoryStorage(confState);
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    return { id, node: new RawNode({ id, storage, random }), storage, applied: 0 };
  });
  members[0]!.node.campaign();
  settle(members);
  if (members[0]!.node.status().role !== StateRole.Leader) throw new Error('member 1 did not become leader');
  return members;
}

/** Ready/persist/send/apply/advance on every member until no member has work. */
function settle(members: BenchMember[]): void {
  const byId = new Map(members.map((m) => [m.id, m]));
  for (let cycle = 0; cycle < ROUND_CYCLES_MAX; cycle++) {
    const inTransit: Message[] = [];
    for (const member of members) {
      if (!member.node.hasReady()) continue;
      const rd = member.node.ready();
      for (const m of rd.messages) inTransit.push(m);
      member.storage.append(rd.entries);
      if (rd.hardState !== null) member.storage.setHardState(rd.hardState);
      for (const m of rd.messagesAfterPersist) inTransit.push(m);
      if (rd.committedEntries.length > 0) member.applied = rd.committedEntries[rd.committedEntries.length - 1]!.index;
      member.node.advance();
      if (member.applied - member.storage.firstIndex() > 2 * RETAINED_ENTRIES) member.storage.compact(member.applied - RETAINED_ENTRIES);
    }
    if (inTransit.length === 0) return;
    for (const m of inTransit) byId.get(m.to)!.node.step(m);
  }
  throw new Error(`the cluster did not settle within ${ROUND_CYCLES_MAX} cycles`);
}

function roundOf(members: BenchMember[], batch: number, payload: Uint8Array): () => void {
  const leader = members[0]!;
  return () => {
    const before = leader.applied;
    for (let i = 0; i < batch; i++) {
      const err = leader.node.propose(payload);
      if (err !== null) throw new Error(err.message);
    }
    settle(members);
    if (leader.applied - before < batch) throw new Error(`only ${leader.applied - before} of ${batch} proposals applied`);
  };
}

const payload = new Uint8Array(PAYLOAD_BYTES).fill(7);
const bench = new Bench({ time: 2000, warmup: true });
const BATCHES = [1, 256];
for (const batch of BATCHES) bench.add(`raft round: ${batch} proposal(s) committed on 3 members`, roundOf(createCluster(), batch, payload));
await bench.run();
const rounds = figuresFromBench(bench, 'rounds/s');
const figures: Figure[] = [...rounds];
BATCHES.forEach((batch, i) => {
  figures.push({ name: `raft committed entries/s, batch ${batch}`, value: rounds[i]!.value * batch, unit: 'entries/s',
    detail: { batch, payload_bytes: PAYLOAD_BYTES } });
});
writeMicroReport('raft', figures, [
  'Core only: no WAL, no fsync, no transport; persist = MemoryStorage.append; 3 members in one thread.',
  'A round is complete when every proposal of the batch is committed and applied on the leader.',
]);
