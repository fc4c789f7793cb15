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

/** etcd's HashKV at `revision` (0 = current). */
export function hashKV(view: ReadView, revision: number | undefined): HashKVResponse {
  const compactRev = view.compactRev;
  const requested = revision ?? 0;
  if (requested > 0 && requested <= compactRev) throw ErrCompacted;
  if (requested > view.currentRev) throw ErrFutureRev;
  const hashRev = requested > 0 ? requested : view.currentRev;
  let hash = crc32c(BUCKET_NAME);
  const rows = view.backend.kv.getRange({ end: revisionToBytes(hashRev + 1, 0), ...view.read });
  for (const { key, value } of rows) {
    if (mainOfRevisionBytes(key) <= compactRev && !keptAt(view, key, value, hashRev)) continue;
    hash = crc32c(value, crc32c(key, hash));
  }
  return { hash, compact_revision: compactRev, hash_revision: hashRev };
}
