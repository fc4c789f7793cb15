/**
 * Crash-test child: opens the WAL, writes the round's planned steps with several batches in
 * flight, and prints `durable <step>` on stdout (a pipe: written synchronously) after each step's
 * batch is durable. The parent SIGKILLs it at a random moment. Usage: crash-child.js DIR SEED ROUND
 */
import { Wal } from '../../engine/wal/wal.js';
import { batchBytes, snapshotBatchBytes } from '../../engine/wal/wal.js';
import { CrashPlan, LogModel, type CrashStep } from './crash-plan.js';
import { CRASH_RING_BYTES, CRASH_SEGMENT_BYTES, CRASH_STEPS_MAX } from './crash-config.js';

const IN_FLIGHT_MAX = 16;
const [dir, seedText, roundText] = process.argv.slice(2);
const { wal, replay } = await Wal.open({ dir: dir!, segmentBytes: CRASH_SEGMENT_BYTES, ringBytes: CRASH_RING_BYTES });
const plan = new CrashPlan(Number(seedText), Number(roundText), LogModel.fromReplay(replay));
process.stdout.write('ready\n');

function tryStep(step: CrashStep): number | null {
  return step.kind === 'append' ? wal.append(step.entries, step.hardState) : wal.saveSnapshot(step.meta);
}

const inFlight: Promise<void>[] = [];
for (let stepNumber = 1; stepNumber <= CRASH_STEPS_MAX; stepNumber++) {
  const step = plan.next();
  let seq = tryStep(step);
  while (seq === null) {
    await wal.whenWritable(step.kind === 'append' ? batchBytes(step.entries, step.hardState) : snapshotBatchBytes(step.meta));
    seq = tryStep(step);
  }
  inFlight.push(wal.whenDurable(seq).then(() => { process.stdout.write(`durable ${stepNumber}\n`); }));
  if (step.kind === 'snapshot') await wal.releaseBefore(step.meta.index + 1);
  if (inFlight.length >= IN_FLIGHT_MAX) await inFlight.shift();
}
await Promise.all(inFlight);
process.stdout.write('done\n');
await wal.close();
