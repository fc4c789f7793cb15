/**
 * Test harness: real Members (WAL worker, apply worker, TCP peer transport on 127.0.0.1) in one
 * process, on ephemeral ports, in temp data dirs. Fast timings (10 ms heartbeat) keep tests short.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Member } from '../../engine/node/member.js';
import type { KvServer } from '../../engine/node/kv-server.js';
import { attachWiredServices, closeWiredServices, startMember, type WiredMember, type WiredMemberOptions } from '../../net/member-wiring.js';
import type { TcpPeerNetwork } from '../../net/peer/peer-network.js';
import type { WatchHub } from '../../engine/watch/watch-hub.js';
import type { LeaseServer } from '../../engine/lease/lease-server.js';
import type { LeaseForwarder } from '../../net/peer/lease-forward.js';
import { MvccReader } from '../../engine/mvcc/store.js';
import { StateRole } from '../../engine/raft/raw-node.js';
import type { MemberInfo } from '../../engine/node/cluster-members.js';
import { ClusterMembership } from '../../engine/node/membership.js';
import { EtcdServer, type EtcdServerParts } from '../../engine/server/etcd-server.js';

export const HEARTBEAT_MS = 10;
export const ELECTION_MS = 100;

/**
 * etcd's default timings (100 ms heartbeat, 1 s election), for tests that need one leader from
 * start to end. With the fast timings a follower's append answers wait behind its fdatasync, and a
 * slow disk on a loaded CI machine can hold them past 100 ms: the leader then steps down (check
 * quorum) and proposals in flight are lost, as in etcd.
 */
export const ETCD_TIMINGS = { heartbeatIntervalMs: 100, electionTimeoutMs: 1000 } as const;

export interface RunningMember {
  member: Member;
  /** The member's peer network (its address, its counters). */
  network: TcpPeerNetwork;
  wired: WiredMember;
  kv: KvServer;
  hub: WatchHub;
  lease: LeaseServer;
  forwarder: LeaseForwarder;
  reader: MvccReader;
  dataDir: string;
}

export class TestCluster {
  readonly root = mkdtempSync(join(tmpdir(), 'cairn-node-'));
  readonly members = new Map<number, RunningMember>();
  readonly ids: number[];

  /** `extra` options apply to every member (e.g. a small snapshotCount). */
  constructor(size: number, private readonly extra: Partial<WiredMemberOptions> = {}) {
    this.ids = Array.from({ length: size }, (_, i) => i + 1);
  }

  /**
   * Starts member `id`. With `joining`, it starts with an empty log and no membership, as a member
   * added with MemberAdd does (the leader sends it everything), on the given peer port.
   */
  async start(id: number, joining?: { peerPort: number }): Promise<RunningMember> {
    const dataDir = join(this.root, `m${id}`);
    const peers = new Map<number, { host: string; port: number }>();
    for (const [otherId, other] of this.members) peers.set(otherId, other.network.address());
    const options: WiredMemberOptions = {
      id, clusterId: 42, clusterToken: 'test-cluster', dataDir,
      ...(joining === undefined ? { bootstrap: { members: this.ids.map((memberId) => ({ id: memberId, name: `m${memberId}`, peerUrls: [] })) } } : {}),
      peerListen: { host: '127.0.0.1', port: joining?.peerPort ?? 0 }, peers,
      heartbeatIntervalMs: HEARTBEAT_MS, electionTimeoutMs: ELECTION_MS,
      ...this.extra,
    };
    const wired = await startMember(options);
    const { member, network } = wired;
    for (const other of this.members.values()) other.network.setPeerAddress(id, network.address());
    const reader = new MvccReader(member.kvPath);
    const running = { member, network, wired, ...attachWiredServices(wired, reader, options.clusterToken), reader, dataDir };
    this.members.set(id, running);
    return running;
  }

  /**
   * Starts every member at once (each start spawns its WAL and apply workers, most of a start's
   * time), then tells each member where all the others listen: a member started beside another
   * did not know its address yet.
   */
  async startAll(): Promise<void> {
    await Promise.all(this.ids.map((id) => this.start(id)));
    for (const running of this.members.values()) {
      for (const other of this.members.values()) {
        if (other !== running) running.network.setPeerAddress(other.member.id, other.network.address());
      }
    }
  }

  async stop(id: number): Promise<void> {
    const running = this.members.get(id);
    if (running === undefined) return;
    this.members.delete(id);
    closeWiredServices(running);
    await running.member.stop();
    await running.reader.close();
  }

  /** Waits until the running members agree on one leader; returns it. */
  async leader(timeoutMs = 5000): Promise<RunningMember> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const leaders = [...this.members.values()].filter((m) => m.member.status().role === StateRole.Leader);
      const agreed = leaders.length === 1 &&
        [...this.members.values()].every((m) => m.member.status().leader === leaders[0]!.member.id);
      if (agreed) return leaders[0]!;
      if (Date.now() > deadline) throw new Error('no agreed leader in time');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.members.keys()].map((id) => this.stop(id)));
    rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * The member's EtcdServer, as the server process builds it, for tests that serve a transport: its
 * services, and the Cluster service over its membership answering `members` (none by default).
 * `parts` replaces any of those (a hub of the test's own, no lease server, a health timeout).
 */
export function etcdServerOf(running: RunningMember, members: () => MemberInfo[] = () => [],
  parts: Partial<EtcdServerParts> = {}): EtcdServer {
  return new EtcdServer({
    member: running.member, kv: running.kv, hub: running.hub, lease: running.lease,
    cluster: { membership: new ClusterMembership(running.member, running.reader, 'test-cluster'), members },
    ...parts,
  });
}

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (data: Uint8Array | undefined): string => new TextDecoder().decode(data);

/** Polls `check` every 10 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
