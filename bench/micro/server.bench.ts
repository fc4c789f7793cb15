/**
 * What the one etcd server API (engine/server/etcd-server.ts) costs the put and range paths: a
 * one-member cluster (the real member: Raft, WAL worker with fdatasync, apply worker) taking puts
 * of 256-byte values on 100k random 8-byte keys, 64 in flight, and serializable single-key ranges,
 * 16 in flight, called on KvServer directly (A) and through EtcdServer, as every transport calls
 * them (B), alternated A B, B A, ... on one member. EtcdServer adds one delegation per call, so the
 * two should be equal within noise.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachWiredServices, closeWiredServices, startMember } from '../../net/member-wiring.js';
import { MvccReader } from '../../engine/mvcc/store.js';
import { StateRole } from '../../engine/raft/raw-node.js';
import { EtcdServer } from '../../engine/server/etcd-server.js';
import type { PutRequest, RangeRequest } from '../../engine/mvcc/rpc.js';
import { writeMicroReport, type Figure } from './report.js';

const KEY_SPACE = 100_000;
const PUTS_IN_FLIGHT = 64;
const RANGES_IN_FLIGHT = 16;
const PHASE_MS = Number(process.env.SERVER_BENCH_PHASE_MS ?? 4000);
const ROUNDS = Number(process.env.SERVER_BENCH_ROUNDS ?? 4);
const keys = Array.from({ length: KEY_SPACE }, () => randomBytes(8));
const value = randomBytes(256);

/** What a phase calls: KvServer's or EtcdServer's put and range (the same signatures). */
interface KvPath {
  put(request: PutRequest): Promise<unknown>;
  range(request: RangeRequest): Promise<unknown>;
}

/** Calls `call` from `inFlight` loops for PHASE_MS; returns calls/s. */
async function drive(inFlight: number, call: () => Promise<unknown>): Promise<number> {
  let calls = 0;
  const startedMs = performance.now();
  const deadline = startedMs + PHASE_MS;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() < deadline) {
      await call();
      calls++;
    }
  }));
  return calls / ((performance.now() - startedMs) / 1000);
}

const randomKey = (): Buffer => keys[Math.floor(Math.random() * KEY_SPACE)]!;

const dir = mkdtempSync(join(tmpdir(), 'server-bench-'));
const wired = await startMember({
  id: 1, clusterId: 42, clusterToken: 'bench', dataDir: dir, bootstrap: { members: [{ id: 1, name: 'm1', peerUrls: [] }] },
  peerListen: { host: '127.0.0.1', port: 0 }, peers: new Map(), heartbeatIntervalMs: 100, electionTimeoutMs: 1000,
});
const { member } = wired;
const reader = new MvccReader(member.kvPath);
const services = attachWiredServices(wired, reader, 'bench');
const server = new EtcdServer({ member, kv: services.kv, hub: services.hub, lease: services.lease });
const paths: Record<'A' | 'B', KvPath> = { A: services.kv, B: server };
const results = { A: { puts: [] as number[], ranges: [] as number[] }, B: { puts: [] as number[], ranges: [] as number[] } };
try {
  while (member.status().role !== StateRole.Leader) await new Promise((resolve) => setTimeout(resolve, 20));
  // Every key exists before the ranges read them, and the apply worker's caches are warm for both sides.
  await drive(PUTS_IN_FLIGHT, () => services.kv.put({ key: randomKey(), value }));
  for (let round = 0; round < ROUNDS; round++) {
    // A B, then B A: the machine's drift over a run weighs on both sides alike.
    for (const side of round % 2 === 0 ? ['A', 'B'] as const : ['B', 'A'] as const) {
      const path = paths[side];
      results[side].puts.push(await drive(PUTS_IN_FLIGHT, () => path.put({ key: randomKey(), value })));
      results[side].ranges.push(await drive(RANGES_IN_FLIGHT, () => path.range({ key: randomKey(), serializable: true })));
    }
    process.stdout.write(`round ${round + 1}: puts/s KvServer ${Math.round(results.A.puts.at(-1)!)}, EtcdServer ${Math.round(results.B.puts.at(-1)!)}; ` +
      `ranges/s KvServer ${Math.round(results.A.ranges.at(-1)!)}, EtcdServer ${Math.round(results.B.ranges.at(-1)!)}\n`);
  }
} finally {
  closeWiredServices(services);
  await member.stop();
  await reader.close();
  rmSync(dir, { recursive: true, force: true });
}

const mean = (values: number[]): number => values.reduce((sum, v) => sum + v, 0) / values.length;
const runs = (values: number[]): { runs: string } => ({ runs: values.map(Math.round).join(' / ') });
const figures: Figure[] = [
  { name: `puts, ${PUTS_IN_FLIGHT} in flight, KvServer (A)`, value: mean(results.A.puts), unit: 'puts/s', detail: runs(results.A.puts) },
  { name: `puts, ${PUTS_IN_FLIGHT} in flight, EtcdServer (B)`, value: mean(results.B.puts), unit: 'puts/s', detail: runs(results.B.puts) },
  { name: 'puts B / A', value: mean(results.B.puts) / mean(results.A.puts), unit: 'ratio' },
  { name: `serializable ranges, ${RANGES_IN_FLIGHT} in flight, KvServer (A)`, value: mean(results.A.ranges), unit: 'ranges/s', detail: runs(results.A.ranges) },
  { name: `serializable ranges, ${RANGES_IN_FLIGHT} in flight, EtcdServer (B)`, value: mean(results.B.ranges), unit: 'ranges/s', detail: runs(results.B.ranges) },
  { name: 'ranges B / A', value: mean(results.B.ranges) / mean(results.A.ranges), unit: 'ratio' },
];
writeMicroReport('server', figures, [
  `${ROUNDS} rounds of ${PHASE_MS / 1000} s per phase, alternated A B / B A, on one one-member cluster (Raft, WAL worker with fdatasync, apply worker).`,
  'A calls KvServer directly; B calls the EtcdServer every transport calls (engine/server/etcd-server.ts), which delegates to it.',
]);
process.exit(0);
