/**
 * The real SnapshotStore (engine/node/ports.ts): the snapshot pool copies the store on its worker
 * thread, and incoming snapshots are written with node's file handles.
 */
import { open, rm, type FileHandle } from 'node:fs/promises';
import type { SnapshotFileHandle, SnapshotStore } from '../node/ports.js';
import { SnapshotPool } from './snapshot-pool.js';
import type { StoreSnapshotInfo } from './store-snapshot.js';

export class PooledSnapshotStore implements SnapshotStore {
  private readonly pool = new SnapshotPool();

  writeSnapshot(kvPath: string, outPath: string): Promise<StoreSnapshotInfo> {
    return this.pool.writeSnapshot(kvPath, outPath);
  }

  async create(path: string): Promise<SnapshotFileHandle> {
    const handle = await open(path, 'w');
    return {
      write: (chunk) => writeWhole(handle, chunk),
      sync: () => handle.sync(),
      close: () => handle.close(),
    };
  }

  remove(path: string): Promise<void> {
    return rm(path, { force: true });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * Appends all of `chunk`: a write to a nearly full disk may write only part of it and report how
 * much, without an error (the next write fails with ENOSPC), and the rest must not go missing.
 */
async function writeWhole(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  for (let at = 0; at < chunk.length;) {
    const { bytesWritten } = await handle.write(chunk, at, chunk.length - at);
    if (bytesWritten === 0) throw new Error(`wrote 0 of ${chunk.length - at} bytes`);
    at += bytesWritten;
  }
}
