/**
 * The apply worker thread: runs the apply loop (apply-loop.ts), sleeping on the entry ring
 * whenever a turn found nothing to do, until the main thread asks it to stop.
 */
import { workerData } from 'node:worker_threads';
import { RING_WAIT_MS } from './apply-protocol.js';
import { ApplyLoop, type ApplyLoopData } from './apply-loop.js';

/** What the Applier hands the worker. */
export type ApplyWorkerData = ApplyLoopData;

const loop = new ApplyLoop(workerData as ApplyWorkerData);
for (;;) {
  const outcome = loop.turn();
  if (outcome === 'stopped') break;
  if (outcome === 'idle') loop.entries.waitForData(RING_WAIT_MS);
}
await loop.close();
