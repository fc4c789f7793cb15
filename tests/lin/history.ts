/**
 * A concurrent history as the linearizability checker reads it: one record per client operation,
 * with the interval in which it could have taken effect.
 *
 * An operation whose response never came back (a timeout, a lost reply, a crashed member) has
 * `returnTime === UNKNOWN_RETURN_TIME` and `output === undefined`: it may have taken effect at any
 * point after its invocation, or never.
 */

/** The return time of an operation whose outcome is unknown. */
export const UNKNOWN_RETURN_TIME = Infinity;

/** One client operation. */
export interface Operation<Input, Output> {
  /** The client that issued it; a client has at most one operation outstanding at a time. */
  clientId: number;
  input: Input;
  /** The response, or undefined when it never came back. */
  output: Output | undefined;
  /** When the client sent it (any monotonic unit: the simulator uses ticks). */
  invokeTime: number;
  /** When the client got the response, or UNKNOWN_RETURN_TIME. */
  returnTime: number;
}

/** True when the operation's outcome is unknown (it may or may not have taken effect). */
export function isUnknown(op: Operation<unknown, unknown>): boolean {
  return op.returnTime === UNKNOWN_RETURN_TIME;
}

/**
 * Rejects histories the checker cannot reason about: an operation returning before it was invoked,
 * an output without a return time (or the reverse), or a client with two operations in flight.
 * Throws, because such a history is a bug in whoever recorded it, not in the system under test.
 */
export function validateHistory(ops: readonly Operation<unknown, unknown>[]): void {
  const byClient = new Map<number, Operation<unknown, unknown>[]>();
  for (const op of ops) {
    if (!(op.returnTime >= op.invokeTime)) {
      throw new Error(`operation of client ${op.clientId} returns (${op.returnTime}) before its invocation (${op.invokeTime})`);
    }
    if (isUnknown(op) !== (op.output === undefined)) {
      throw new Error(`operation of client ${op.clientId} invoked at ${op.invokeTime}: an unknown return time goes with an unknown output, and only with it`);
    }
    const list = byClient.get(op.clientId) ?? [];
    list.push(op);
    byClient.set(op.clientId, list);
  }
  for (const [clientId, list] of byClient) {
    list.sort((a, b) => a.invokeTime - b.invokeTime);
    for (let i = 1; i < list.length; i++) {
      if (list[i].invokeTime < list[i - 1].returnTime) {
        throw new Error(`client ${clientId} has two operations in flight at time ${list[i].invokeTime}`);
      }
    }
  }
}

/**
 * Records a history as it happens: `invoke` when a client sends a request, then `complete` when
 * the response arrives. Whatever is still pending at `finish` becomes an unknown operation.
 */
export class HistoryRecorder<Input, Output> {
  private readonly ops: Operation<Input, Output>[] = [];
  private readonly pending = new Set<number>();
  /** Operations that turned out never to have happened (refused before they took effect). */
  private readonly forgotten = new Set<number>();

  /** Records an invocation and returns its handle for `complete`. */
  invoke(clientId: number, input: Input, invokeTime: number): number {
    this.ops.push({ clientId, input, output: undefined, invokeTime, returnTime: UNKNOWN_RETURN_TIME });
    this.pending.add(this.ops.length - 1);
    return this.ops.length - 1;
  }

  /** Records the response of a pending operation. A second response for one handle is a bug. */
  complete(handle: number, output: Output, returnTime: number): void {
    if (!this.pending.delete(handle)) throw new Error(`operation ${handle} is not pending`);
    const op = this.ops[handle];
    op.output = output;
    op.returnTime = returnTime;
  }

  /** Gives up on a pending operation: its outcome stays unknown. */
  abandon(handle: number): void {
    if (!this.pending.delete(handle)) throw new Error(`operation ${handle} is not pending`);
  }

  /** Drops a pending operation that certainly did not happen (the server refused it before it took effect). */
  forget(handle: number): void {
    if (!this.pending.delete(handle)) throw new Error(`operation ${handle} is not pending`);
    this.forgotten.add(handle);
  }

  /** The history so far; pending operations appear as unknown. */
  finish(): Operation<Input, Output>[] {
    return this.ops.filter((_, handle) => !this.forgotten.has(handle)).map((op) => ({ ...op }));
  }
}
