import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Wal, type WalReplay } from '../../engine/wal/wal.js';
import { CrashPlan, LogModel, prng } from './crash-plan.js';
import { CRASH_RING_BYTES, CRASH_SEGMENT_BYTES, CRASH_STEPS_MAX } from './crash-config.js';

const CHILD = fileURLToPath(new URL('./crash-child.js', import.meta.url));
const SEED = 20261124;
const ROUNDS = 24;
const KILL_DELAY_MS_MAX = 150;

/** Runs one child until the kill; returns the highest step it reported durable. */
async function runChild(dir: string, round: number, killDelayMs: number, killDuringOpen: boolean): Promise<number> {
  const child = spawn(process.execPath, [CHILD, dir, String(SEED), String(round)], { stdio: ['ignore', 'pipe', 'inherit'] });
  // Node starts in ~40 ms: a kill timed from spawn often lands while the WAL opens, wipes a tail or creates a segment.
  if (killDuringOpen) setTimeout(() => child.kill('SIGKILL'), killDelayMs);
  let durableStep = 0;
  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      if (line === 'ready' && !killDuringOpen) setTimeout(() => child.kill('SIGKILL'), killDelayMs);
      const match = /^durable (\d+)$/.exec(line);
      if (match) durableStep = Math.max(durableStep, Number(match[1]));
    }
  });
  // 'close' comes after stdout has ended, so every line the child wrote has been read.
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal])));
  assert.ok(signal === 'SIGKILL' || code === 0, `child of round ${round} failed: code ${code}, signal ${signal}`);
  return durableStep;
}

function sameReplay(replay: WalReplay, model: LogModel): boolean {
  if (replay.entries.length !== model.entries.length) return false;
  try {
    assert.deepEqual(replay.hardState, model.hardState);
    assert.deepEqual(replay.snapshot, model.snapshot);
    assert.deepEqual(replay.entries, model.entries);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds k >= durableStep such that the replay equals the round's start log with its first k steps
 * applied: every reported step survived, and what else survived is whole steps, in order.
 */
function survivingSteps(replay: WalReplay, start: LogModel, round: number, durableStep: number): number {
  const plan = new CrashPlan(SEED, round, start);
  const model = LogModel.fromReplay({ hardState: start.hardState, snapshot: start.snapshot, entries: start.entries });
  const target = LogModel.fromReplay(replay);
  for (let k = 0; k <= CRASH_STEPS_MAX; k++) {
    if (k > 0) model.apply(plan.next());
    if (k < durableStep) continue;
    if (model.lastIndex === target.lastIndex && model.lastTerm === target.lastTerm &&
        model.snapshotIndex === target.snapshotIndex && sameReplay(replay, model)) return k;
    if (model.lastTerm > target.lastTerm) break;
  }
  return -1;
}

test('SIGKILL at random moments: every batch reported durable survives, nothing partial, appending continues', async () => {
  const dir = mkdtempSync('/tmp/wal-crash-');
  try {
    const random = prng(SEED);
    let start = new LogModel();
    let durableTotal = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const killDuringOpen = random() < 0.25;
      const durableStep = await runChild(dir, round, 1 + Math.floor(random() * KILL_DELAY_MS_MAX), killDuringOpen);
      const { wal, replay } = await Wal.open({ dir, segmentBytes: CRASH_SEGMENT_BYTES, ringBytes: CRASH_RING_BYTES });
      await wal.close();
      const surviving = survivingSteps(replay, start, round, durableStep);
      assert.ok(surviving >= durableStep,
        `round ${round}: replay (last index ${replay.entries.at(-1)?.index}) is not the start log plus >= ${durableStep} whole steps`);
      durableTotal += durableStep;
      start = LogModel.fromReplay(replay);
    }
    assert.ok(durableTotal > 0, 'no child ever reported a durable batch: the test exercised nothing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
