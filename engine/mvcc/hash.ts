/**
 * HashKV: CRC-32C over the kv table up to a revision, computed as etcd's hashByRev does: the bucket
 * name "key", then each row's key and value bytes in revision order, skipping rows newer than the
 * revision and rows at or below the compaction revision that compaction discards. Rows compaction
 * keeps are hashed whether or not it has physically run, so members agree however far their
 * (incremental) compactions have got.
 */
import { crc32c } from '../checksum/crc32c.js';
import { ErrCompacted, ErrFutureRev } from '../errors.js';
import { keyOfEncodedKeyValue } from './kv-codec.js';
import { liveRevisionAt } from './key-index.js';
import type { ReadView } from './range.js';
import { bytesToRevision, mainOfRevisionBytes, revisionToBytes } from './revision.js';
import type { HashKVResponse } from './rpc.js';

const BUCKET_NAME = Buffer.from('key');

/** True when compacting at `atRev` keeps this row (etcd's kvindex.Keep). */
function keptAt(view: ReadView, revisionKey: Uint8Array, value: Uint8Array, atRev: number): boolean {
  const revision = bytesToRevision(revisionKey);
  if (revision.tombstone) return false;
  const history = view.index.get(keyOfEncodedKeyValue(value));
  const kept = history === undefined ? undefined : liveRevisionAt(history, atRev);
  return kept !== undefined && kept.main === revision.main && kept.sub === revision.sub;
}

/**
 * etcd's HashKV as a walk of the kv table that can run in steps: the hash and compaction
 * revisions are fixed when it starts, and the rows it hashes do not change under it (compaction
 * waits for scans below its revision; rows newer than the hash revision are skipped).
 */
export class HashScan {
  readonly compactRev: number;
  readonly hashRev: number;
  private hash = crc32c(BUCKET_NAME);
  /** The last row hashed: the next step resumes after it. */
  private cursor: Buffer | undefined;
  private finished = false;

  /** Throws ErrCompacted / ErrFutureRev for an unhashable revision. */
  constructor(view: ReadView, revision: number | undefined) {
    this.compactRev = view.compactRev;
    const requested = revision ?? 0;
    if (requested > 0 && requested <= this.compactRev) throw ErrCompacted;
    if (requested > view.currentRev) throw ErrFutureRev;
    this.hashRev = requested > 0 ? requested : view.currentRev;
  }

  /** Hashes up to `rowsMax` more rows; true once every row up to the hash revision is in. */
  step(view: ReadView, rowsMax: number): boolean {
    if (this.finished) return true;
    const end = revisionToBytes(this.hashRev + 1, 0);
    const range = this.cursor === undefined ? { end, limit: rowsMax } : { start: this.cursor, exclusiveStart: true, end, limit: rowsMax };
    let rows = 0;
    for (const { key, value } of view.backend.kv.getRange({ ...range, ...view.read })) {
      rows++;
      // lmdb-js may hand out views of its own buffers: the cursor must outlive the step.
      if (rows === rowsMax) this.cursor = Buffer.from(key);
      if (mainOfRevisionBytes(key) <= this.compactRev && !keptAt(view, key, value, this.hashRev)) continue;
      this.hash = crc32c(value, crc32c(key, this.hash));
    }
    this.finished = rows < rowsMax;
    return this.finished;
  }

  /** The response, once step returned true. */
  response(): HashKVResponse {
    return { hash: this.hash, compact_revision: this.compactRev, hash_revision: this.hashRev };
  }
}

/** etcd's HashKV at `revision` (0 = current), in one go. */
export function hashKV(view: ReadView, revision: number | undefined): HashKVResponse {
  const scan = new HashScan(view, revision);
  scan.step(view, Number.MAX_SAFE_INTEGER);
  return scan.response();
}
