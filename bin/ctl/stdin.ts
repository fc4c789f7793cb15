/**
 * Standard input, read on demand: all of it (put's value) or line by line (txn's script, which
 * ends at its last blank line; a line cut off by end of input counts as end of input, as in Go's
 * bufio ReadString).
 */
import type { Readable } from 'node:stream';

const NEWLINE = 0x0a;

export class StdinReader {
  private pending: Buffer = Buffer.alloc(0);
  private chunks: AsyncIterator<Buffer> | undefined;

  constructor(private readonly stream: Readable) {}

  private async nextChunk(): Promise<Buffer | undefined> {
    this.chunks ??= this.stream[Symbol.asyncIterator]();
    const next = await this.chunks.next();
    return next.done ? undefined : Buffer.from(next.value);
  }

  /** Everything not read yet. */
  async readAll(): Promise<Buffer> {
    const parts = [this.pending];
    for (let chunk = await this.nextChunk(); chunk !== undefined; chunk = await this.nextChunk()) parts.push(chunk);
    this.pending = Buffer.alloc(0);
    return Buffer.concat(parts);
  }

  /** The next line without its newline; undefined at end of input. */
  async readLine(): Promise<string | undefined> {
    for (;;) {
      const end = this.pending.indexOf(NEWLINE);
      if (end >= 0) {
        const line = this.pending.subarray(0, end).toString();
        this.pending = this.pending.subarray(end + 1);
        return line;
      }
      const chunk = await this.nextChunk();
      if (chunk === undefined) return undefined;
      this.pending = Buffer.concat([this.pending, chunk]);
    }
  }

  /** Lets the process exit while input is still open (a terminal, a pipe not yet closed). */
  close(): void {
    if (this.chunks !== undefined) this.stream.destroy();
  }
}
