/**
 * The composition root of one member: opens the real ports (the WAL and its worker, the apply
 * worker on the MVCC store, the snapshot pool, the TCP peer transport, node's clock) and builds
 * the Member over them. The simulator builds the same Member over simulated ports instead.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Applier } from '../engine/mvcc/applier.js';
import { EventsMode } from '../engine/mvcc/write-txn.js';
import { goDuration, SILENT_LOGGER } from '../engine/logger.js';
import { Member, type MemberOptions } from '../engine/node/member.js';
import { SYSTEM_CLOCK } from '../engine/node/system-clock.js';
import { PooledSnapshotStore } from '../engine/snapshot/snapshot-store.js';
import { Wal } from '../engine/wal/wal.js';
import { WalLogStore } from '../engine/wal/wal-log-store.js';
import type { PeerAddress } from './peer/peer-sender.js';
import { TcpPeerNetwork } from './peer/peer-network.js';
import { isForwardedLeaseRequest, LeaseForwarder } from './peer/lease-forward.js';
import { attachServices, closeServices, type MemberServices, type MemberServicesOptions } from '../engine/node/member-services.js';
import type { MvccReader } from '../engine/mvcc/store.js';
import { EtcdError, GrpcCode } from '../engine/errors.js';

export interface WiredMemberOptions extends MemberOptions {
  /** Identifies the cluster on peer connections (--initial-cluster-token). */
  clusterToken: string;
  peerListen: PeerAddress;
  /** Every other member's peer address. */
  peers: ReadonlyMap<number, PeerAddress>;
  /** This member's peer URLs as the cluster knows them (--initial-advertise-peer-urls); default: where it listens. */
  advertisePeerUrls?: readonly string[];
  /** A dedicated WAL directory (etcd's --wal-dir); default <dataDir>/member/wal. */
  walDir?: string;
  /** WAL segment size (default SEGMENT_BYTES_DEFAULT, as etcd's 64 MiB); tests use small ones to roll over soon. */
  walSegmentBytes?: number;
  /** Answers a joining member's membership query on the peer port (see net/peer/members-query.ts). */
  answerMembersQuery?: () => unknown;
  /** True when `url` is a current member's peer URL: only such a member's membership query is answered. */
  isMemberPeerUrl?: (url: string) => boolean;
}

/** A member and the real ports it runs over (the server reads their metrics). */
export interface WiredMember {
  member: Member;
  network: TcpPeerNetwork;
  log: WalLogStore;
}

/** Opens (or creates) the member's data, replays its WAL, starts its workers, peers and clock. */
export async function startMember(options: WiredMemberOptions): Promise<WiredMember> {
  const walDir = options.walDir ?? join(options.dataDir, 'member', 'wal');
  const logger = options.logger ?? SILENT_LOGGER;
  const kvDir = join(options.dataDir, 'member', 'kv');
  // Both live under member/, as etcd lays out member/wal and member/snap.
  mkdirSync(walDir, { recursive: true });
  mkdirSync(kvDir, { recursive: true });
  const walLog = logger.named('wal');
  const { wal, replay } = await Wal.open({
    dir: walDir,
    ...(options.walSegmentBytes ? { segmentBytes: options.walSegmentBytes } : {}),
    onSlowSync: (tookMs, expectedMs) => walLog.warn('slow fdatasync', { took: goDuration(tookMs), 'expected-duration': goDuration(expectedMs) }),
  });
  const opened: { close(): Promise<void> }[] = [wal];
  try {
    const applier = await Applier.open({
      path: kvDir,
      // Watchers need each change and the value it replaced (prev_kv).
      eventsMode: EventsMode.KV_AND_PREV,
      ...(options.warningApplyDurationMs !== undefined ? { warnApplyMs: options.warningApplyDurationMs } : {}),
    });
    opened.push(applier);
    // The snapshot pool copies the store for snapshots, beside the apply worker.
    const snapshotStore = new PooledSnapshotStore();
    opened.push(snapshotStore);
    const network = await TcpPeerNetwork.listen({
      localId: options.id, clusterToken: options.clusterToken, clusterId: options.clusterId,
      listen: options.peerListen, peers: options.peers,
      ...(options.answerMembersQuery ? { answerMembersQuery: options.answerMembersQuery } : {}),
      ...(options.isMemberPeerUrl ? { isMemberPeerUrl: options.isMemberPeerUrl } : {}),
      log: (line) => logger.named('rafthttp').warn(line),
      ...(options.advertisePeerUrls !== undefined ? { peerUrls: options.advertisePeerUrls } : {}),
    });
    opened.push(network);
    const log = new WalLogStore(wal);
    const member = await Member.start(options, { clock: SYSTEM_CLOCK, network, log, replay, applier, snapshotStore });
    return { member, network, log };
  } catch (error) {
    await Promise.allSettled(opened.map((port) => port.close()));
    throw error;
  }
}

/** A member's client-facing services, with the lease forwarder its followers reach the leader by. */
export interface WiredServices extends MemberServices {
  forwarder: LeaseForwarder;
}

/**
 * Attaches the services (see attachServices) and wires lease forwarding over the peer port both
 * ways: this member's followers-side forwarder, and its answers to its followers' requests.
 */
export function attachWiredServices(wired: WiredMember, reader: MvccReader, clusterToken: string,
  options: MemberServicesOptions = {}): WiredServices {
  const { member, network } = wired;
  const forwarder = new LeaseForwarder({
    cluster: clusterToken, clusterId: member.options.clusterId, localId: member.id, addressOf: (id) => network.addressOf(id),
  });
  const services = attachServices(member, reader, forwarder, options);
  network.answerLeaseRequests((body) => (isForwardedLeaseRequest(body)
    ? services.lease.answerForwarded(body)
    : Promise.reject(new EtcdError(GrpcCode.INVALID_ARGUMENT, 'cairn: malformed forwarded lease request'))));
  return { ...services, forwarder };
}

/** Closes what attachWiredServices opened. */
export function closeWiredServices(services: WiredServices): void {
  closeServices(services);
  services.forwarder.close();
}
