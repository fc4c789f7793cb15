/**
 * The client-facing services of one member, attached to it in one place (the server and the
 * test harness alike): the KV server and the watch hub, which follows the member's own apply.
 */
import type { MvccReader } from '../mvcc/store.js';
import { MAX_TXN_OPS_DEFAULT } from '../mvcc/validate.js';
import { WatchHub } from '../watch/watch-hub.js';
import { KvServer } from './kv-server.js';
import type { Member } from './member.js';

export interface MemberServices {
  kv: KvServer;
  hub: WatchHub;
}

export interface MemberServicesOptions {
  maxTxnOps?: number;
  /** How often a progress_notify watcher that saw no event hears the revision (etcd: 10 minutes). */
  watchProgressNotifyIntervalMs?: number;
}

/**
 * Attaches the services. Call it in the turn Member.start resolved in, before any entry applies,
 * so the hub misses nothing.
 */
export function attachServices(member: Member, reader: MvccReader, options: MemberServicesOptions = {}): MemberServices {
  const kv = new KvServer(member, reader, options.maxTxnOps ?? MAX_TXN_OPS_DEFAULT);
  const hub = new WatchHub(reader, {
    revision: member.applier.revision,
    ...(options.watchProgressNotifyIntervalMs ? { progressNotifyIntervalMs: options.watchProgressNotifyIntervalMs } : {}),
  });
  member.observeApplies({ onResult: (result) => hub.onEvents(result.events), onBatch: (revision) => hub.onRevision(revision) });
  return { kv, hub };
}

/** Closes what attachServices opened. */
export function closeServices(services: MemberServices): void {
  services.hub.close();
}
