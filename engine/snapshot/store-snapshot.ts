/**
 * Copies an MVCC store into a snapshot file (the snapshot pool, on a worker thread) and replaces a
 * store's whole contents from one (the apply worker, the store's only writer).
 *
 * The copy reads every table inside ONE LMDB read transaction, so it is the store exactly as of one
 * applied index (recorded in the meta table it copies), while the apply worker keeps committing.
 * The restore runs inside ONE write transaction: a crash or a damaged file leaves the old store.
 */
import { getMetaNumber, META, openBackend, type Backend, type ReadOptions, type Table } from '../mvcc/backend.js';
import { readSnapshotFile, SNAPSHOT_TABLES, SnapshotFileWriter, type SnapshotHeader, type SnapshotTable } from './snapshot-file.js';

/** What a written snapshot file holds. */
export interface StoreSnapshotInfo {
  path: string;
  appliedIndex: number;
  appliedTerm: number;
  bytes: number;
  rows: number;
}

function tableOf(backend: Backend, table: SnapshotTable): Table {
  return backend[table];
}

/** Writes the store at `kvPath` into a snapshot file at `outPath`. */
export async function writeStoreSnapshot(kvPath: string, outPath: string): Promise<StoreSnapshotInfo> {
  const backend = openBackend(kvPath, { readOnly: true });
  try {
    backend.root.resetReadTxn();
    const transaction = backend.root.useReadTransaction();
    try {
      const read: ReadOptions = { transaction };
      const appliedIndex = getMetaNumber(backend, META.APPLIED_INDEX, read);
      const appliedTerm = getMetaNumber(backend, META.APPLIED_TERM, read);
      const writer = new SnapshotFileWriter(outPath, { applied_index: appliedIndex, applied_term: appliedTerm });
      try {
        for (const table of SNAPSHOT_TABLES) {
          for (const { key, value } of tableOf(backend, table).getRange({ transaction })) {
            // lmdb-js may hand out views of its own buffers: copy before the next row.
            writer.addRow(table, Buffer.from(key), Buffer.from(value));
          }
        }
      } catch (error) {
        writer.abandon();
        throw error;
      }
      const { bytes, rows } = writer.finish();
      return { path: outPath, appliedIndex, appliedTerm, bytes, rows };
    } finally {
      transaction.done();
    }
  } finally {
    await backend.root.close();
  }
}

/**
 * Replaces the whole contents of `backend` with the snapshot at `path`, in one write transaction,
 * unless the store has already applied as far as the snapshot (then nothing changes). Returns the
 * snapshot's header. Throws (changing nothing) on a damaged file.
 */
export function restoreStoreSnapshot(backend: Backend, path: string): { header: SnapshotHeader; restored: boolean } {
  let header: SnapshotHeader | undefined;
  let restored = false;
  backend.root.transactionSync(() => {
    const applied = getMetaNumber(backend, META.APPLIED_INDEX, {});
    readSnapshotFile(path, (h) => {
      header = h;
      // Already applied this far: the rest of the file is not even read.
      if (h.applied_index <= applied) return false;
      restored = true;
      for (const table of SNAPSHOT_TABLES) {
        const db = tableOf(backend, table);
        // In bounded slices: the key list of a large table is never held whole.
        for (;;) {
          const keys = Array.from(db.getKeys({ limit: 1024 }), (key) => Buffer.from(key));
          if (keys.length === 0) break;
          for (const key of keys) db.removeSync(key);
        }
      }
      return true;
    }, ({ table, rows }) => {
      const db = tableOf(backend, table);
      // The rows are views of the frame just read, which nothing reuses: LMDB copies them in.
      for (let i = 0; i < rows.length; i += 2) db.putSync(rows[i] as Buffer, rows[i + 1] as Buffer);
    });
  });
  return { header: header!, restored };
}
