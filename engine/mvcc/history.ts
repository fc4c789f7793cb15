/**
 * History: the change events of a run of revisions, read back from the kv table, which is keyed by
 * revision (etcd's `key` bucket), so reading history is one forward cursor walk. A watcher that
 * starts in the past, or fell behind, catches up from here before it takes live events.
 *
 * Reads stop only at a revision boundary, so the events of one revision are never split between
 * two reads (a watch response stays atomic). Reads below the compaction revision fail with
 * ErrCompacted: those rows may already be gone.
 */
import { ErrCompacted } from '../errors.js';
import { decodeKeyValue } from './kv-codec.js';
import { liveRevisionAt } from './key-index.js';
import { bytesToRevision, revisionToBytes } from './revision.js';
import { keyValueAt, type ReadView } from './range.js';
import { EventType, type Event, type KeyValue } from './rpc.js';

const EMPTY = new Uint8Array(0);

/** What one history read returned. */
export interface HistoryChunk {
  /** Events in revision order (sub-revision order inside one revision). */
  events: Event[];
  /** The first revision this read did not cover: where the next read starts. */
  nextRev: number;
}

/**
 * The kv in force for `key` just before revision `rev` (etcd's prev_kv of a watch event), or
 * undefined when the key did not exist then or that revision is compacted.
 */
function prevKeyValue(view: ReadView, key: Uint8Array, rev: number): KeyValue | undefined {
  if (rev - 1 < view.compactRev || key.length === 0) return undefined;
  const history = view.index.get(key);
  if (history === undefined) return undefined;
  const entry = liveRevisionAt(history, rev - 1);
  return entry === undefined ? undefined : keyValueAt(view, entry);
}

/**
 * Reads the events of revisions [fromRev, toRev], stopping after the revision during which the
 * count reached `eventsMax` (so a chunk may exceed it by the events of one revision). `withPrevKv`
 * adds each event's previous kv, read from the key index.
 */
export function readHistory(view: ReadView, fromRev: number, toRev: number, eventsMax: number, withPrevKv: boolean): HistoryChunk {
  if (fromRev < view.compactRev) throw ErrCompacted;
  const last = Math.min(toRev, view.currentRev);
  const events: Event[] = [];
  if (fromRev > last) return { events, nextRev: fromRev };
  let nextRev = last + 1;
  // Revisions start at 1: a start below that (a negative start not below the compaction) reads from 1.
  const rows = view.backend.kv.getRange({ ...view.read, start: revisionToBytes(Math.max(fromRev, 1), 0), end: revisionToBytes(last + 1, 0) });
  for (const { key: revisionKey, value } of rows) {
    const revision = bytesToRevision(revisionKey);
    if (events.length >= eventsMax && revision.main !== events[events.length - 1]!.kv.mod_revision) {
      nextRev = revision.main;
      break;
    }
    // lmdb-js may hand out views of its own buffers: decode from a copy the event can keep.
    const stored = decodeKeyValue(Buffer.from(value));
    const event: Event = revision.tombstone
      ? { type: EventType.DELETE, kv: { key: stored.key, create_revision: 0, mod_revision: revision.main, version: 0, value: EMPTY, lease: 0 } }
      : { type: EventType.PUT, kv: stored };
    if (withPrevKv) {
      const prev = prevKeyValue(view, stored.key, revision.main);
      if (prev !== undefined) event.prev_kv = prev;
    }
    events.push(event);
  }
  return { events, nextRev };
}
