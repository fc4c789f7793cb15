/**
 * Gathers a member's keep-alives (every gRPC stream's, the JSON gateway's, the WebSocket
 * protocol's) for up to KEEPALIVE_WINDOW_MS and renews them as one batch: one leader check, one
 * wait for the apply, one header, and on a follower one forwarded frame, whatever the number of
 * clients. Renewing a lease a few milliseconds later costs it nothing (TTLs are whole seconds, and
 * the smallest is 1.5 election timeouts); renewing each keep-alive on its own costs the member a
 * round of work per keep-alive, which thousands a second turn into a share of a core.
 */
import type { Clock, TimerHandle } from '../node/ports.js';
import { SYSTEM_CLOCK } from '../node/system-clock.js';

/** How long a keep-alive may wait for others to join its batch. */
export const KEEPALIVE_WINDOW_MS = 20;
/** A batch renews at once when it holds this many (bounds a batch and the frame that forwards it). */
export const KEEPALIVE_BATCH_MAX = 10_000;

/** Renews a batch: one TTL per id, in order (0: no such lease), and the header for all. */
export type RenewMany<Header> = (ids: number[]) => Promise<{ ttls: number[]; header: Header }>;

interface Part<Header> {
  from: number;
  to: number;
  resolve(answer: { ttls: number[]; header: Header }): void;
  reject(error: unknown): void;
}

export class KeepAliveBatcher<Header> {
  private ids: number[] = [];
  private parts: Part<Header>[] = [];
  private timer: TimerHandle | null = null;

  constructor(private readonly renewMany: RenewMany<Header>, private readonly windowMs = KEEPALIVE_WINDOW_MS,
    private readonly clock: Clock = SYSTEM_CLOCK) {}

  /** Renews `ids` with the batch of the current window; answers them in order. */
  renew(ids: readonly number[]): Promise<{ ttls: number[]; header: Header }> {
    return new Promise((resolve, reject) => {
      const from = this.ids.length;
      for (const id of ids) this.ids.push(id);
      this.parts.push({ from, to: this.ids.length, resolve, reject });
      if (this.ids.length >= KEEPALIVE_BATCH_MAX) this.flush();
      else this.timer ??= this.clock.setTimeout(() => this.flush(), this.windowMs);
    });
  }

  /** One keep-alive, renewed with the current window's batch. */
  async keepAlive(id: number): Promise<{ ID: number; TTL: number; header: Header }> {
    const { ttls, header } = await this.renew([id]);
    return { ID: id, TTL: ttls[0]!, header };
  }

  private flush(): void {
    if (this.timer !== null) this.clock.clear(this.timer);
    this.timer = null;
    const { ids, parts } = this;
    this.ids = [];
    this.parts = [];
    if (parts.length === 1) {
      this.renewMany(ids).then(parts[0]!.resolve, parts[0]!.reject);
      return;
    }
    this.renewMany(ids).then(
      ({ ttls, header }) => { for (const part of parts) part.resolve({ ttls: ttls.slice(part.from, part.to), header }); },
      (error: unknown) => { for (const part of parts) part.reject(error); },
    );
  }
}
