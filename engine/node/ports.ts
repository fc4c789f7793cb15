/**
 * The ports a Member drives Raft over. The member owns no socket, timer, file or thread of its
 * own: the composition root (net/member-wiring.ts) wires the real ones (node's timers, the TCP
 * peer transport, the WAL worker, the apply worker, the snapshot pool), and the simulator wires
 * simulated ones (a seeded clock, network and disk) into the same Member.
 */
import type { Message } from '../raft/message.js';
import type { Entry, HardState, SnapshotMeta } from '../raft/types.js';
import type { StoreSnapshotInfo } from '../snapshot/store-snapshot.js';

/** A timer a Clock handed out, to cancel it. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/** Time and scheduling. */
export interface Clock {
  /** Milliseconds since the epoch (request ids are seeded with it). */
  now(): number;
  /** A monotonic reading in milliseconds, for durations. */
  monotonicMs(): number;
  /** Runs `fn` once after `ms`. A `weak` timer does not keep the process alive. */
  setTimeout(fn: () => void, ms: number, weak?: boolean): TimerHandle;
  /** Runs `fn` every `ms` until cleared. A `weak` interval does not keep the process alive. */
  setInterval(fn: () => void, ms: number, weak?: boolean): TimerHandle;
  clear(timer: TimerHandle): void;
  /** Runs `fn` once the work queued before it is done (node's setImmediate). */
  soon(fn: () => void): void;
}

/** Where an incoming snapshot goes while it streams in. */
export interface SnapshotSink<M> {
  write(chunk: Uint8Array): Promise<void>;
  /** All bytes arrived with the Raft message they belong to: persist and use them, or throw to refuse. */
  finish(message: M, bytes: number): Promise<void>;
  /** The transfer broke off: discard what was written. */
  abort(): void;
}

/** What the peer network asks of the member it carries messages for. */
export interface PeerHandler {
  /** A Raft message from a current member, authenticated as `message.from`. */
  onMessage(message: Message): void;
  /** A message to `to` could not be sent (the member reports `to` unreachable). */
  onDrop(to: number, message: Message): void;
  /** True for a member of the Raft configuration (its connections are accepted). */
  isMember(id: number): boolean;
  /** True for a member removed from the cluster (it is told so and refused). */
  isRemoved(id: number): boolean;
  /** A sink for a snapshot stream `from` starts at Raft term `term`, or null to refuse it unread. */
  onSnapshot(from: number, term: number): SnapshotSink<Message> | null;
  /** A peer told this member it was removed from the cluster. */
  onRemovedByPeer(): void;
}

/** The other members, as the member sees them. */
export interface PeerNetwork {
  /** Starts delivering to `handler`; until then, whatever arrives is dropped (Raft retries). */
  attach(handler: PeerHandler): void;
  /** Sends messages (never a MsgSnap: see sendSnapshot); undeliverable ones go to onDrop. */
  send(messages: readonly Message[]): void;
  /** Streams the snapshot file at `path` with its message; resolves once the peer used it. */
  sendSnapshot(message: Message, path: string): Promise<void>;
  /** Adds a peer at its peer URLs, or moves a known one there. */
  setPeer(id: number, peerUrls: readonly string[]): void;
  removePeer(id: number): void;
  /** The peer URL a peer is reached at, when it is known. */
  peerUrlOf(id: number): string | undefined;
  /** The peers known now (set at start or by membership changes). */
  peerIds(): number[];
  /** True while a connection with peer `id` is up. */
  isConnected(id: number): boolean;
  /** This member's own peer URL, as it listens. */
  localUrl(): string;
  /**
   * Asks a known peer for the cluster's membership and adds the members this member does not
   * know: ones added while it was too far behind to learn them from the log. Until they are
   * known their messages are refused, so a leader among them could never catch this member up.
   * Fire and forget: a failed ask is simply asked again later.
   */
  discoverPeers(): void;
  close(): Promise<void>;
}

/** What the log store held at start: the newest snapshot marker, the entries after it, the hard state. */
export interface LogReplay {
  snapshot: SnapshotMeta | null;
  entries: Entry[];
  hardState: HardState;
}

/**
 * The Raft log on disk (the WAL). Writes keep their order; `whenDurable(seq)` resolves once every
 * write up to `seq` is synced.
 */
export interface LogStore {
  /** Appends entries and then the hard state; resolves with the write's seq once it is queued. */
  append(entries: readonly Entry[], hardState: HardState | undefined): Promise<number>;
  /** Records a snapshot marker; resolves with its seq once it is queued. */
  saveSnapshot(meta: SnapshotMeta): Promise<number>;
  whenDurable(seq: number): Promise<void>;
  /** Drops what the log holds below `index` (covered by a durable snapshot marker). */
  releaseBefore(index: number): Promise<unknown>;
  /** Rejects with the log's fault (a failed write or sync) whenever it happens. */
  whenFailed(): Promise<never>;
  close(): Promise<void>;
}

/** A snapshot file being written as it streams in. */
export interface SnapshotFileHandle {
  /** Appends all of `chunk`. */
  write(chunk: Uint8Array): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Snapshot files: the MVCC store copied into one for a follower the log can no longer catch up,
 * and the files incoming snapshots are written to (engine/snapshot/snapshot-store.ts).
 */
export interface SnapshotStore {
  /** Copies the MVCC store at `kvPath` into a snapshot file at `outPath`. */
  writeSnapshot(kvPath: string, outPath: string): Promise<StoreSnapshotInfo>;
  /** Creates (or truncates) the file at `path` for an incoming snapshot. */
  create(path: string): Promise<SnapshotFileHandle>;
  /** Removes the file at `path`, if it is there. */
  remove(path: string): Promise<void>;
  close(): Promise<void>;
}
