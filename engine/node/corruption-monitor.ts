/**
 * The periodic corruption check (etcd's monitorKVHash): every interval, if this member leads, one
 * checkHashKV (corruption-check.ts). The next interval starts when a check ends, so checks never
 * overlap however slow the peers answer. Also builds the checks' ports from a running member.
 */
import { alarm } from '../alarm/alarm-server.js';
import { AlarmAction, AlarmType } from '../alarm/alarm-rpc.js';
import { StateRole } from '../raft/raw-node.js';
import { checkHashKV, type CorruptionCheckPorts, type PeerHash } from './corruption-check.js';
import type { KvServer } from './kv-server.js';
import type { Member } from './member.js';

/**
 * The checks' ports on a running member: its own HashKV, a ReadIndex round, and the CORRUPT
 * alarm proposed through Raft. `peerHashes` asks the other members (a transport's job).
 */
export function memberCheckPorts(member: Member, kv: KvServer, peerHashes: (revision: number) => Promise<PeerHash[]>,
  log: (line: string) => void): CorruptionCheckPorts {
  return {
    memberId: member.id,
    localHash: async () => kv.hashKV({}),
    peerHashes,
    linearizableRead: () => member.readIndex(() => undefined),
    raiseCorrupt: async (memberID) => {
      await alarm(member, { action: AlarmAction.ACTIVATE, memberID, alarm: AlarmType.CORRUPT });
    },
    log,
  };
}

/** Runs checkHashKV every `intervalMs` while this member leads, until stopped. */
export class CorruptionMonitor {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Checks this member ran to the end (as leader). */
  checksRun = 0;

  constructor(private readonly member: Member, private readonly ports: CorruptionCheckPorts, private readonly intervalMs: number) {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
  }

  private schedule(): void {
    this.timer = setTimeout(() => void this.run(), this.intervalMs);
    // Never the reason a process stays alive.
    this.timer.unref();
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    if (this.member.status().role === StateRole.Leader) {
      try {
        await checkHashKV(this.ports);
        this.checksRun++;
      } catch (error) {
        // No leader, a timeout, a stop: the next interval tries again.
        this.ports.log(`corruption check did not complete: ${(error as Error).message}`);
      }
    }
    if (!this.stopped) this.schedule();
  }
}
