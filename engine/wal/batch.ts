/**
 * Encodes one append (entries and/or hard state) or one snapshot marker as a ring record:
 * the batch seq followed by the frames exactly as they will lie in the segment, checksums left
 * zero for the worker to fill (see group-commit.ts for the record layout, frame.ts for frames).
 * This is the only per-batch work the main thread does besides the ring copy.
 */
import type { Entry, HardState, SnapshotMeta } from '../raft/types.js';
import { entryFrameBytes, HARD_STATE_FRAME_BYTES, putEntry, putHardState, putSnapshot, setU64, snapshotFrameBytes } from './frame.js';

/** Bytes of the batch seq before a batch's frames in a ring record. */
export const BATCH_PREFIX_BYTES = 8;

/** Bytes of the ring record for an append of `entries` and an optional hard state. */
export function batchBytes(entries: readonly Entry[], hardState?: HardState): number {
  let bytes = BATCH_PREFIX_BYTES + (hardState === undefined ? 0 : HARD_STATE_FRAME_BYTES);
  for (const entry of entries) bytes += entryFrameBytes(entry);
  return bytes;
}

/** Bytes of the ring record for a snapshot marker. */
export function snapshotBatchBytes(meta: SnapshotMeta): number {
  return BATCH_PREFIX_BYTES + snapshotFrameBytes(meta);
}

/** Writes an append's ring record into `bytes` (at least batchBytes long): entries first, then the hard state. */
export function encodeAppend(bytes: Uint8Array, seq: number, entries: readonly Entry[], hardState?: HardState): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  setU64(view, 0, seq);
  let at = BATCH_PREFIX_BYTES;
  for (const entry of entries) at = putEntry(bytes, view, at, entry);
  if (hardState !== undefined) at = putHardState(view, at, hardState);
  return at;
}

/** Writes a snapshot marker's ring record into `bytes`. */
export function encodeSnapshot(bytes: Uint8Array, seq: number, meta: SnapshotMeta): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  setU64(view, 0, seq);
  return putSnapshot(view, BATCH_PREFIX_BYTES, meta);
}
