/**
 * The snapshot pool (piscina): the design's worker threads for state snapshots and other long
 * store jobs that need no key index, so the main thread keeps driving Raft and the apply worker keeps applying
 * while they run. Small by default: on a 2-core machine one job at a time is plenty, and every
 * job competes with the WAL and apply workers for the disk anyway.
 */
import { Piscina } from 'piscina';
import type { WriteSnapshotTask } from './snapshot-pool-task.js';
import type { StoreSnapshotInfo } from './store-snapshot.js';

export interface SnapshotPoolOptions {
  /** Worker threads (default 1). */
  threads?: number;
  /** Jobs waiting for a thread at most; beyond that `run` refuses (default 16). */
  queueMax?: number;
}

export class SnapshotPool {
  private readonly piscina: Piscina;

  constructor(options: SnapshotPoolOptions = {}) {
    const threads = options.threads ?? 1;
    this.piscina = new Piscina({
      filename: new URL('./snapshot-pool-worker.js', import.meta.url).href,
      minThreads: 0,
      maxThreads: threads,
      maxQueue: options.queueMax ?? 16,
      // Threads come and go with the (rare) jobs instead of idling with an LMDB environment open.
      idleTimeout: 10_000,
    });
  }

  /** Copies the store at `kvPath` into a snapshot file at `outPath`, on a pool thread. */
  writeSnapshot(kvPath: string, outPath: string): Promise<StoreSnapshotInfo> {
    const task: WriteSnapshotTask = { kind: 'write-snapshot', kvPath, outPath };
    return this.piscina.run(task) as Promise<StoreSnapshotInfo>;
  }

  async close(): Promise<void> {
    await this.piscina.close();
  }
}
