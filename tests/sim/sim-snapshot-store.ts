/**
 * One member incarnation's SnapshotStore port: the real store copy (engine/snapshot/
 * store-snapshot.ts) and real files in the seed's temp dir, each operation run as an event the
 * driver awaits, so its real I/O never overlaps simulated time and a seed replays exactly.
 */
import { closeSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import type { SnapshotFileHandle, SnapshotStore } from '../../engine/node/ports.js';
import { writeStoreSnapshot, type StoreSnapshotInfo } from '../../engine/snapshot/store-snapshot.js';
import type { MemberClock } from './scheduler.js';

/** Simulated time a store copy takes. */
const SNAPSHOT_WRITE_MS = 20;

export class SimSnapshotStore implements SnapshotStore {
  constructor(private readonly clock: MemberClock) {}

  writeSnapshot(kvPath: string, outPath: string): Promise<StoreSnapshotInfo> {
    return this.inEvent(SNAPSHOT_WRITE_MS, () => writeStoreSnapshot(kvPath, outPath));
  }

  async create(path: string): Promise<SnapshotFileHandle> {
    this.checkAlive();
    const fd = openSync(path, 'w');
    let open = true;
    return {
      write: async (chunk) => {
        this.checkAlive();
        for (let at = 0; at < chunk.length;) at += writeSync(fd, chunk, at, chunk.length - at);
      },
      sync: async () => {
        this.checkAlive();
        fsyncSync(fd);
      },
      close: async () => {
        if (open) closeSync(fd);
        open = false;
      },
    };
  }

  async remove(path: string): Promise<void> {
    rmSync(path, { force: true });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Runs `work` as a driver-awaited event `ms` from now; settles with it. */
  private inEvent<T>(ms: number, work: () => Promise<T>): Promise<T> {
    this.checkAlive();
    return new Promise<T>((resolve, reject) => this.clock.after(ms, async () => {
      try {
        resolve(await work());
      } catch (error) {
        reject(error as Error);
      }
    }));
  }

  private checkAlive(): void {
    if (this.clock.dead) throw new Error('sim snapshot store: the member crashed');
  }
}
