/**
 * Snapshot transfers of one member, both ways:
 * - out: when the core asks to send a follower a snapshot (MsgSnap), the snapshot writer copies
 *   the store into a file and the peer network streams it with the message; the core then hears
 *   whether it arrived (reportSnapshot). One transfer per follower at a time.
 * - in:  a leader's stream is written to a file under member/snap, then handed to the member to
 *   replace its store and step the message. One incoming transfer at a time. The member opens a
 *   sink only for the leader of its current term (Member.isLeaderOfCurrentTerm), so nobody else's
 *   stream gets a byte written.
 * Files live only for the transfer; any left by a crash are removed at start. A transfer that
 * fails on the network is retried by the core; one that fails on this member's own disk (copying
 * the store, writing or syncing a file) is a storage fault, reported through onStorageFault.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, PeerNetwork, SnapshotFileHandle, SnapshotSink, SnapshotStore } from './ports.js';
import type { Message } from '../raft/message.js';
import { SnapshotStatus } from '../raft/raw-node.js';
import { storageFaultMessage } from '../storage-fault.js';
import { Histogram } from '../metrics/histogram.js';
import { ETCD_DISK_DURATION_BUCKETS_SECONDS, ETCD_SNAPSHOT_SAVE_BUCKETS_SECONDS } from '../metrics/buckets.js';
import { goDuration, type Logger } from '../logger.js';

export interface SnapshotTransfersOptions {
  /** Where transfer files are written (member/snap). */
  dir: string;
  /** The member's MVCC store, copied for outgoing snapshots. */
  kvPath: string;
  /** Copies the store into files, and writes and removes transfer files. */
  store: SnapshotStore;
  network: PeerNetwork;
  /** Times received snapshots (for /metrics and the log). */
  clock: Clock;
  /** Replaces the store with a received snapshot file and steps its message; throws to refuse. */
  install(message: Message, path: string): Promise<void>;
  /** Hears of transfers sent and received (etcd's rafthttp lines). */
  logger: Logger;
  /** Tells the core how an outgoing transfer ended. */
  reportSnapshot(to: number, status: SnapshotStatus): void;
  /** This member's disk failed a transfer (full or failing): the member cannot go on. */
  onStorageFault(error: Error): void;
}

/** Counters, for tests and /metrics. */
export interface SnapshotTransferStats {
  sent: number;
  sendFailures: number;
  received: number;
  receiveFailures: number;
}

export class SnapshotTransfers {
  readonly stats: SnapshotTransferStats = { sent: 0, sendFailures: 0, received: 0, receiveFailures: 0 };
  /** The fsync of each received store snapshot (etcd_snap_db_fsync_duration_seconds). */
  readonly dbFsyncSeconds = new Histogram(ETCD_DISK_DURATION_BUCKETS_SECONDS);
  /** Each received store snapshot from its first byte to durable on disk (etcd_snap_db_save_total_duration_seconds). */
  readonly dbSaveSeconds = new Histogram(ETCD_SNAPSHOT_SAVE_BUCKETS_SECONDS);
  private readonly outgoing = new Map<number, Promise<void>>();
  private incomingActive = false;
  private closed = false;
  private seq = 0;

  constructor(private readonly options: SnapshotTransfersOptions) {
    mkdirSync(options.dir, { recursive: true });
    for (const name of readdirSync(options.dir)) {
      if (name.endsWith('.snap')) rmSync(join(options.dir, name), { force: true });
    }
  }

  /** Starts streaming the store to `message.to`, unless a transfer to it is already under way. */
  send(message: Message): void {
    if (this.closed || this.outgoing.has(message.to)) return;
    const path = join(this.options.dir, `out-${message.to.toString(16)}-${++this.seq}.snap`);
    const transfer = (async () => {
      let status = SnapshotStatus.Failure;
      try {
        const info = await this.options.store.writeSnapshot(this.options.kvPath, path).catch((error: Error) => {
          throw this.storageFault(`writing a snapshot for ${message.to.toString(16)} failed`, error);
        });
        await this.options.network.sendSnapshot(message, path);
        this.stats.sent++;
        this.options.logger.info('sent database snapshot', {
          'snapshot-index': message.snapshot?.meta.index ?? 0, 'remote-peer-id': message.to.toString(16),
          bytes: info.bytes, 'store-applied-index': info.appliedIndex, rows: info.rows,
        });
        status = SnapshotStatus.Finish;
      } catch (error) {
        this.stats.sendFailures++;
        this.options.logger.warn('failed to send database snapshot', {
          'snapshot-index': message.snapshot?.meta.index ?? 0, 'remote-peer-id': message.to.toString(16), error: (error as Error).message,
        });
      } finally {
        await this.options.store.remove(path);
        this.outgoing.delete(message.to);
      }
      // Reported only once the transfer is gone: the core may send the next snapshot at once, and
      // one sent while this transfer was still listed would be dropped.
      if (status === SnapshotStatus.Finish || !this.closed) this.options.reportSnapshot(message.to, status);
    })();
    this.outgoing.set(message.to, transfer);
  }

  /** A sink for a stream `from` starts, or null while another one is being received. */
  incoming(from: number): SnapshotSink<Message> | null {
    if (this.closed || this.incomingActive) return null;
    this.incomingActive = true;
    const path = join(this.options.dir, `in-${from.toString(16)}-${++this.seq}.snap`);
    const started = this.options.clock.monotonicMs();
    const file: Promise<SnapshotFileHandle> = this.options.store.create(path);
    let bytes = 0;
    let ended = false;
    let finishing = false;
    const end = async (ok: boolean) => {
      if (ended) return;
      ended = true;
      if (ok) this.stats.received++;
      else this.stats.receiveFailures++;
      await file.then((handle) => handle.close()).catch(() => {});
      await this.options.store.remove(path);
      this.incomingActive = false;
    };
    return {
      write: async (chunk) => {
        try {
          await (await file).write(chunk);
          bytes += chunk.byteLength;
        } catch (error) {
          // Once the transfer ended its file is closed: a late write failing is no fault of the disk.
          throw ended ? error : this.storageFault(`writing the snapshot from ${from.toString(16)} failed`, error as Error);
        }
      },
      finish: async (message) => {
        finishing = true;
        let ok = false;
        try {
          if (message.from !== from) throw new Error(`snapshot message from ${message.from} on a stream from ${from}`);
          const handle = await file;
          const syncStarted = this.options.clock.monotonicMs();
          await handle.sync().catch((error: Error) => {
            throw this.storageFault(`syncing the snapshot from ${from.toString(16)} failed`, error);
          });
          const synced = this.options.clock.monotonicMs();
          this.dbFsyncSeconds.observe((synced - syncStarted) / 1000);
          this.dbSaveSeconds.observe((synced - started) / 1000);
          await this.options.install(message, path);
          ok = true;
          this.options.logger.info('received and saved database snapshot', {
            'snapshot-index': message.snapshot?.meta.index ?? 0, 'remote-peer-id': from.toString(16), bytes,
            took: goDuration(this.options.clock.monotonicMs() - started),
          });
        } finally {
          await end(ok);
        }
      },
      // A stream that breaks off while its snapshot is being installed is cleaned up by finish.
      abort: () => { if (!finishing) void end(false); },
    };
  }

  /** Reports a failure of this member's disk; returns the error to throw on. */
  private storageFault(what: string, cause: Error): Error {
    const error = new Error(`${what}: ${storageFaultMessage(cause, this.options.dir)}`);
    this.options.onStorageFault(error);
    return error;
  }

  /** Refuses new transfers and waits for outgoing ones to end (the network is closed first). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled(this.outgoing.values());
  }
}
