/**
 * One client process of a load run, forked by load-runner.ts. Conversation over the IPC channel:
 *
 *   parent -> {type: 'plan', options, processIndex}     worker -> {type: 'ready'} once connected
 *   parent -> {type: 'start', startAtMs}                worker -> {type: 'progress', ops} ~1/s
 *                                                       worker -> {type: 'result', result}, then exits
 * A failure before the result is reported as {type: 'failed', message}.
 */
import type { LoadDriver } from './load-driver.js';
import { shareOf, type LoadOptions } from './load-options.js';
import { runProcess, type ProcessResult } from './load-process.js';
import { GrpcDriver } from './grpc-driver.js';
import { NativeDriver } from './native-driver.js';

export type ParentMessage =
  | { type: 'plan'; options: LoadOptions; processIndex: number }
  | { type: 'start'; startAtMs: number };

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'progress'; ops: number }
  | { type: 'result'; result: ProcessResult }
  | { type: 'failed'; message: string };

/** The driver of process `index`: its share of the connections, starting on its own endpoint so processes spread out. */
export function driverFor(options: LoadOptions, index: number): LoadDriver {
  const connections = shareOf(options.connections, options.processes, index);
  // Where this process's first connection goes: after every connection of the processes before it.
  let first = 0;
  for (let i = 0; i < index; i++) first += shareOf(options.connections, options.processes, i);
  return options.protocol === 'native'
    ? new NativeDriver(options.endpoints, connections, first)
    : new GrpcDriver(options.endpoints, connections, first);
}

function tell(message: WorkerMessage, then?: () => void): void {
  process.send!(message, undefined, undefined, () => then?.());
}

let driver: LoadDriver | null = null;
let plan: Extract<ParentMessage, { type: 'plan' }> | null = null;

// The parent is gone (or done with us): nothing left to report to.
process.on('disconnect', () => {
  driver?.close();
  process.exit(0);
});

process.on('message', (message: ParentMessage) => {
  void (async () => {
    try {
      if (message.type === 'plan') {
        plan = message;
        driver = driverFor(message.options, message.processIndex);
        await driver.connect();
        tell({ type: 'ready' });
        return;
      }
      const result = await runProcess(driver!, {
        options: plan!.options, processIndex: plan!.processIndex, startAtMs: message.startAtMs,
        onProgress: (ops) => tell({ type: 'progress', ops }),
      });
      tell({ type: 'result', result }, () => process.disconnect());
    } catch (error) {
      tell({ type: 'failed', message: error instanceof Error ? error.message : String(error) }, () => process.disconnect());
    }
  })();
});
