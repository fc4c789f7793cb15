/**
 * A snapshot pool worker (piscina): runs one SnapshotPoolTask at a time on its own thread.
 */
import type { SnapshotPoolTask } from './snapshot-pool-task.js';
import { writeStoreSnapshot, type StoreSnapshotInfo } from './store-snapshot.js';

export default async function run(task: SnapshotPoolTask): Promise<StoreSnapshotInfo> {
  switch (task.kind) {
    case 'write-snapshot':
      return writeStoreSnapshot(task.kvPath, task.outPath);
    default:
      throw new Error(`snapshot pool: unknown task ${(task as { kind: string }).kind}`);
  }
}
