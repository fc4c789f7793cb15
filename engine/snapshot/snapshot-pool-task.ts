/**
 * The tasks the snapshot pool runs, shared by the pool (main thread) and its workers. Each is
 * heavy, I/O-bound store work that must never run on the main thread or hold up the apply worker.
 */
export type SnapshotPoolTask = WriteSnapshotTask;

/** Copy the store at `kvPath` into a snapshot file at `outPath` (see store-snapshot.ts). */
export interface WriteSnapshotTask {
  kind: 'write-snapshot';
  kvPath: string;
  outPath: string;
}
