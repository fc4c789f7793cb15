/**
 * ReadOnly: the leader's pending ReadIndex requests (Raft thesis 6.4, etcd's ReadOnlySafe).
 * A request records the commit index at arrival; it is served once a heartbeat round sent after
 * its arrival is acknowledged by a quorum, proving no newer leader existed when it arrived.
 * Requests queue in arrival order and one heartbeat round, carrying the newest request's context,
 * confirms every request queued before it: that is the batching.
 */
import type { ReadIndexDropReason } from './errors.js';
import { assert } from './errors.js';
import type { Message } from './message.js';

/** Upper bound on queued ReadIndex requests; beyond it new ones are dropped (the client retries). */
export const READ_INDEX_PENDING_MAX = 65_536;

export interface ReadIndexStatus {
  /** The original request (from = the member that asked, or the leader itself). */
  request: Message;
  index: number;
  acks: Set<number>;
}

export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  get size(): number {
    return this.queue.length;
  }

  /** Queues a request arriving at commit index `index`; returns why not if it cannot. */
  addRequest(index: number, request: Message): ReadIndexDropReason | null {
    const key = contextKey(request.context);
    if (this.pending.has(key)) return 'duplicate request context';
    if (this.queue.length >= READ_INDEX_PENDING_MAX) return 'too many pending requests';
    this.pending.set(key, { request, index, acks: new Set() });
    this.queue.push(key);
    return null;
  }

  /** Records a heartbeat acknowledgement for the round of `context`; returns the acks so far. */
  recvAck(id: number, context: Uint8Array): ReadonlySet<number> | null {
    const status = this.pending.get(contextKey(context));
    if (status === undefined) return null;
    status.acks.add(id);
    return status.acks;
  }

  /** Pops every request up to and including the one with `context` (all confirmed by its round). */
  advance(context: Uint8Array): ReadIndexStatus[] {
    const key = contextKey(context);
    const at = this.queue.indexOf(key);
    if (at < 0) return [];
    const done = this.queue.slice(0, at + 1);
    this.queue = this.queue.slice(at + 1);
    return done.map((k) => {
      const status = this.pending.get(k);
      assert(status !== undefined, 'read-only queue and map disagree');
      this.pending.delete(k);
      return status;
    });
  }

  /** The newest request's context: a heartbeat round carrying it confirms the whole queue. */
  lastPendingRequestContext(): Uint8Array | null {
    const key = this.queue[this.queue.length - 1];
    return key === undefined ? null : this.pending.get(key)!.request.context ?? null;
  }

  reset(): void {
    this.pending.clear();
    this.queue = [];
  }
}

/** Contexts are byte strings; a Map needs a primitive key. */
function contextKey(context: Uint8Array | undefined): string {
  if (context === undefined) return '';
  let key = '';
  for (let i = 0; i < context.length; i++) key += String.fromCharCode(context[i]!);
  return key;
}
