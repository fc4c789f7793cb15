/**
 * The client-facing services of one member, attached to it in one place (the server and the
 * test harness alike): the KV server, and the watch hub and the lessor, which follow the member's
 * own apply.
 */
import type { MvccReader } from '../mvcc/store.js';
import { MAX_TXN_OPS_DEFAULT } from '../mvcc/validate.js';
import { WatchHub } from '../watch/watch-hub.js';
import { KvServer } from './kv-server.js';
import { LeaseServer, minLeaseTtlSeconds, type LeaderForwarder } from '../lease/lease-server.js';
import type { Member } from './member.js';
import type { Clock } from './ports.js';

export interface MemberServices {
  kv: KvServer;
  hub: WatchHub;
  lease: LeaseServer;
}

export interface MemberServicesOptions {
  maxTxnOps?: number;
  /** How often a progress_notify watcher that saw no event hears the revision (etcd: 10 minutes). */
  watchProgressNotifyIntervalMs?: number;
  /** How often the leader replicates long leases' remaining TTLs (etcd: 5 minutes). */
  leaseCheckpointIntervalMs?: number;
  /** The services' clock: node's by default, the simulator's in it. */
  clock?: Clock;
}

/**
 * Attaches the services. Call it in the turn Member.start resolved in, before any entry applies,
 * so the hub misses nothing. A follower's lease server reaches the leader through `forwarder`.
 */
export function attachServices(member: Member, reader: MvccReader, forwarder: LeaderForwarder,
  options: MemberServicesOptions = {}): MemberServices {
  const kv = new KvServer(member, options.maxTxnOps ?? MAX_TXN_OPS_DEFAULT);
  const hub = new WatchHub(member.applier, {
    revision: member.applier.revision,
    ...(options.watchProgressNotifyIntervalMs ? { progressNotifyIntervalMs: options.watchProgressNotifyIntervalMs } : {}),
    ...(options.clock !== undefined ? { clock: options.clock } : {}),
  });
  const lease = new LeaseServer(member, reader, kv, {
    minTtlSeconds: minLeaseTtlSeconds(member.options.electionTimeoutMs), electionTimeoutMs: member.options.electionTimeoutMs,
    ...(options.leaseCheckpointIntervalMs !== undefined ? { checkpointIntervalMs: options.leaseCheckpointIntervalMs } : {}),
    ...(options.clock !== undefined ? { clock: options.clock } : {}),
  });
  lease.setForwarder(forwarder);
  member.observeApplies({
    onResult: (result) => {
      hub.onEvents(result.events);
      lease.onApplied(result);
    },
    onBatch: (revision) => hub.onRevision(revision),
  });
  return { kv, hub, lease };
}

/** Closes what attachServices opened. */
export function closeServices(services: MemberServices): void {
  services.hub.close();
  services.lease.close();
}
