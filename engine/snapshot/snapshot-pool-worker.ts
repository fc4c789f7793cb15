/**
 * A snapshot pool worker (piscina): runs one SnapshotPoolTask at a time on its own thread.
 */
import { openBackend } from '../mvcc/backend.js';
import { runCompaction } from '../mvcc/compaction.js';
import type { SnapshotPoolTask } from './snapshot-pool-task.js';
import { writeStoreSnapshot, type StoreSnapshotInfo } from './store-snapshot.js';

export default async function run(task: SnapshotPoolTask): Promise<StoreSnapshotInfo | number> {
  switch (task.kind) {
    case 'write-snapshot':
      return writeStoreSnapshot(task.kvPath, task.outPath);
    case 'compact': {
      const backend = openBackend(task.kvPath);
      try {
        return await runCompaction(backend, task.keysPerChunk);
      } finally {
        await backend.root.close();
      }
    }
    default:
      throw new Error(`snapshot pool: unknown task ${(task as { kind: string }).kind}`);
  }
}
