/**
 * What logging costs the write path: a one-member cluster (the real member: Raft, WAL worker with
 * fdatasync, apply worker) taking puts of 256-byte values on 100k random 8-byte keys, 64 in
 * flight, with the server's real logger (bin/log, on pino) at --log-level info writing JSON lines
 * to a file (B) and with the silent logger (A), alternated A B, B A, ... on fresh data directories.
 * Logging is events only (no line per request), so the difference should be within noise; the
 * lines each run wrote while loaded are counted to show it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SILENT_LOGGER, type Logger } from '../../engine/logger.js';
import { attachWiredServices, closeWiredServices, startMember } from '../../net/member-wiring.js';
import { MvccReader } from '../../engine/mvcc/store.js';
import { StateRole } from '../../engine/raft/raw-node.js';
import { createLineLogger } from '../../bin/log/line-logger.js';
import { openLogSinks } from '../../bin/log/log-sinks.js';
import { writeMicroReport, type Figure } from './report.js';

const KEY_SPACE = 100_000;
const IN_FLIGHT = 64;
const PHASE_MS = Number(process.env.LOGGING_BENCH_PHASE_MS ?? 6000);
const ROUNDS = Number(process.env.LOGGING_BENCH_ROUNDS ?? 4);
const keys = Array.from({ length: KEY_SPACE }, () => randomBytes(8));
const value = randomBytes(256);

/** Puts for PHASE_MS on a fresh member logging to `logger`; returns puts/s. */
async function phase(logger: Logger): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'logging-bench-'));
  const wired = await startMember({
    id: 1, clusterId: 42, clusterToken: 'bench', dataDir: dir, bootstrap: { members: [{ id: 1, name: 'm1', peerUrls: [] }] },
    peerListen: { host: '127.0.0.1', port: 0 }, peers: new Map(), heartbeatIntervalMs: 100, electionTimeoutMs: 1000, logger,
  });
  const { member } = wired;
  const reader = new MvccReader(member.kvPath);
  const services = attachWiredServices(wired, reader, 'bench');
  try {
    while (member.status().role !== StateRole.Leader) await new Promise((resolve) => setTimeout(resolve, 20));
    let puts = 0;
    const deadline = performance.now() + PHASE_MS;
    const startedMs = performance.now();
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < deadline) {
        await services.kv.put({ key: keys[Math.floor(Math.random() * KEY_SPACE)]!, value });
        puts++;
      }
    }));
    return puts / ((performance.now() - startedMs) / 1000);
  } finally {
    closeWiredServices(services);
    await member.stop();
    await reader.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const logDir = mkdtempSync(join(tmpdir(), 'logging-bench-log-'));
const silent: number[] = [];
const logged: number[] = [];
const linesWhileLoaded: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const path = join(logDir, `round-${round}.log`);
  const sinks = openLogSinks([path]);
  if (typeof sinks === 'string') throw new Error(sinks);
  const logging = (): Promise<number> => phase(createLineLogger({ kind: 'zap', level: 'info', fds: sinks.fds }));
  // A B, then B A: the machine's drift over a run weighs on both sides alike.
  if (round % 2 === 0) {
    silent.push(await phase(SILENT_LOGGER));
    logged.push(await logging());
  } else {
    logged.push(await logging());
    silent.push(await phase(SILENT_LOGGER));
  }
  sinks.close();
  const lines = readFileSync(path, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as { msg: string });
  // Start-up and shutdown lines aside (election, capabilities, members), what the put load itself logged:
  linesWhileLoaded.push(lines.filter((line) => line.msg === 'apply request took too long' || line.msg === 'slow fdatasync').length);
  process.stdout.write(`round ${round + 1}: silent ${Math.round(silent.at(-1)!)} puts/s, logging ${Math.round(logged.at(-1)!)} puts/s, ` +
    `${lines.length} lines (${linesWhileLoaded.at(-1)} slow-apply/slow-fdatasync warnings)\n`);
}
rmSync(logDir, { recursive: true, force: true });

const mean = (values: number[]): number => values.reduce((sum, v) => sum + v, 0) / values.length;
const figures: Figure[] = [
  { name: `puts, ${IN_FLIGHT} in flight, silent logger (A)`, value: mean(silent), unit: 'puts/s', detail: { runs: silent.map(Math.round).join(' / ') } },
  { name: `puts, ${IN_FLIGHT} in flight, JSON lines at info to a file (B)`, value: mean(logged), unit: 'puts/s', detail: { runs: logged.map(Math.round).join(' / ') } },
  { name: 'B / A', value: mean(logged) / mean(silent), unit: 'ratio' },
];
writeMicroReport('logging', figures, [
  `${ROUNDS} rounds of ${PHASE_MS / 1000} s per phase, alternated A B / B A; each phase a fresh one-member cluster (Raft, WAL worker with fdatasync, apply worker) on a fresh data dir.`,
  `Warnings the load caused in the logging phases (slow apply over 100 ms, fdatasync over 1 s): ${linesWhileLoaded.join(' / ')}.`,
  'No line is written per request at info level; what the write path pays for logging is one clock read per WAL group and per applied batch and a comparison per Ready.',
]);
process.exit(0);
