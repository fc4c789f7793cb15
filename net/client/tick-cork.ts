/**
 * Corks a `ws` client's TCP socket until the end of the current tick, so the frames sent in one
 * turn of the event loop leave in one writev instead of one write each (measured in
 * TOOLCHAIN.md: ~1M small requests/s from one process corked, 100-170k uncorked).
 */
import type { Socket } from 'node:net';
import type WebSocket from 'ws';

export class TickCork {
  private corked = false;

  constructor(private readonly socket: WebSocket) {}

  /** Call before each send: the first one in a tick corks, and the tick's end uncorks. */
  cork(): void {
    if (this.corked) return;
    const raw = (this.socket as unknown as { _socket?: Socket })._socket;
    if (raw === undefined) return;
    raw.cork();
    this.corked = true;
    process.nextTick(() => {
      this.corked = false;
      raw.uncork();
    });
  }
}
