/**
 * Clients waiting for their proposal to apply, keyed by request id (etcd's wait.Wait). Bounded:
 * beyond `pendingMax` waiting requests a new one is refused with etcd's "too many requests",
 * which is backpressure a client can see, instead of memory that grows until the process dies.
 */
import { ErrTimeout, ErrTooManyRequests, type EtcdError } from '../errors.js';
import type { Clock, TimerHandle } from './ports.js';

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
  timer: TimerHandle;
}

export class RequestWaiters<T> {
  private readonly waiters = new Map<number, Waiter<T>>();

  constructor(private readonly pendingMax: number, private readonly timeoutMs: number, private readonly clock: Clock) {}

  get size(): number {
    return this.waiters.size;
  }

  /** Registers request `id`; the promise settles on trigger, fail, or the timeout (etcd's "request timed out"). */
  register(id: number): Promise<T> {
    if (this.waiters.size >= this.pendingMax) return Promise.reject(ErrTooManyRequests);
    return new Promise<T>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.waiters.delete(id);
        reject(ErrTimeout);
      }, this.timeoutMs);
      this.waiters.set(id, { resolve, reject, timer });
    });
  }

  /** True when someone on this member waits for request `id`. */
  has(id: number): boolean {
    return this.waiters.has(id);
  }

  trigger(id: number, value: T): void {
    const waiter = this.take(id);
    waiter?.resolve(value);
  }

  fail(id: number, error: EtcdError | Error): void {
    const waiter = this.take(id);
    waiter?.reject(error);
  }

  /** Rejects every waiter (the member stops or its state machine failed). */
  failAll(error: Error): void {
    for (const id of [...this.waiters.keys()]) this.fail(id, error);
  }

  private take(id: number): Waiter<T> | undefined {
    const waiter = this.waiters.get(id);
    if (waiter === undefined) return undefined;
    this.waiters.delete(id);
    this.clock.clear(waiter.timer);
    return waiter;
  }
}
