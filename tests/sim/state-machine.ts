/**
 * The replicated state machine each simulated member runs: a tiny KV map fed by committed log
 * entries. An entry's data is a client command (an op id and a KvInput, as JSON); empty entries
 * are a new leader's no-ops.
 *
 * Commands are applied at most once per op id. Raft itself may commit one proposal twice (the
 * simulated network duplicates a forwarded MsgProp, as a client retry would), and etcd guards
 * against that with request ids too; without it a duplicated put could resurface after a later
 * write and the history would (rightly) be rejected for a reason outside Raft.
 */
import { applyKv, type KvInput, type KvOutput } from '../lin/kv-model.js';

/** A client request as it travels through the log. */
export interface Command {
  opId: number;
  input: KvInput;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The bytes of a command (an entry's data). */
export function encodeCommand(command: Command): Uint8Array {
  return encoder.encode(JSON.stringify(command));
}

/** A command from an entry's data; undefined for an empty entry. */
export function decodeCommand(data: Uint8Array): Command | undefined {
  if (data.byteLength === 0) return undefined;
  return JSON.parse(decoder.decode(data)) as Command;
}

interface SnapshotImage {
  entries: [string, string][];
  appliedOpIds: number[];
}

/** One member's KV state machine. */
export class KvStateMachine {
  private readonly store: Map<string, string>;
  private readonly appliedOpIds: Set<number>;

  private constructor(store: Map<string, string>, appliedOpIds: Set<number>) {
    this.store = store;
    this.appliedOpIds = appliedOpIds;
  }

  /** An empty state machine. */
  static empty(): KvStateMachine {
    return new KvStateMachine(new Map(), new Set());
  }

  /** The state machine a snapshot's data describes (empty data: the empty state). */
  static fromSnapshot(data: Uint8Array): KvStateMachine {
    if (data.byteLength === 0) return KvStateMachine.empty();
    const image = JSON.parse(decoder.decode(data)) as SnapshotImage;
    return new KvStateMachine(new Map(image.entries), new Set(image.appliedOpIds));
  }

  /** The state as snapshot data. */
  snapshot(): Uint8Array {
    const image: SnapshotImage = { entries: [...this.store.entries()], appliedOpIds: [...this.appliedOpIds] };
    return encoder.encode(JSON.stringify(image));
  }

  /** Applies a command; returns its output, or undefined if this op id was applied before. */
  apply(command: Command): KvOutput | undefined {
    if (this.appliedOpIds.has(command.opId)) return undefined;
    this.appliedOpIds.add(command.opId);
    return applyKv(this.store, command.input);
  }

  /** A read outside the log (served after a ReadIndex confirmation). */
  read(key: string): string | null {
    return this.store.get(key) ?? null;
  }
}
