/**
 * The control channel between the Wal (main thread) and its worker: postMessage, used only for
 * open, release, close and failures. Batches never travel here; they go through the ring.
 */
import type { WalErrorWire } from './errors.js';
import type { WalReplay } from './replay.js';

/** What the worker is started with. */
export interface WalWorkerData {
  dir: string;
  segmentBytes: number;
  /** The ByteRing the main thread writes batch records into. */
  ring: SharedArrayBuffer;
  /** The status slots (durable seq and counters), see wal-status.ts. */
  status: SharedArrayBuffer;
  /** The worker's histograms (fsync durations, group sizes), see wal-metrics.ts. */
  metrics: SharedArrayBuffer;
  /** A group fdatasync slower than this is reported ('slow-sync'). */
  slowSyncMs: number;
}

/** Main thread -> worker. */
export type WalCommand =
  | { type: 'release'; id: number; index: number }
  | { type: 'close' };

/** Worker -> main thread. */
export type WalEvent =
  | { type: 'opened'; replay: WalReplay; lastBatchSeq: number; batchBytesMax: number }
  | { type: 'released'; id: number; segments: number }
  | { type: 'release-failed'; id: number; error: WalErrorWire }
  | { type: 'closed' }
  /** A group fdatasync took `tookMs` (over the slow threshold): rare, so a control message is fine. */
  | { type: 'slow-sync'; tookMs: number }
  | { type: 'failed'; error: WalErrorWire };
