/**
 * ByteRing: a single-producer, single-consumer ring of variable-length records in a
 * SharedArrayBuffer, the hot-path hand-off between the main thread and a worker.
 *
 * Memory layout (one SharedArrayBuffer):
 *
 *   byte 0                           64                             128 = CONTROL_BYTES    + capacity
 *   +--------------------------------+------------------------------+------------------------+
 *   | tail @0, consumer sleepers @32 | head @64, producer sleepers @96 | data: records ...    |
 *   +--------------------------------+------------------------------+------------------------+
 *
 * - tail: total bytes ever published by the producer, modulo 2^32 (producer writes, consumer waits on it)
 * - head: total bytes ever released by the consumer, modulo 2^32 (consumer writes, producer waits on it)
 *   They sit on separate cache lines so the two threads do not false-share.
 * - A record is [u32 length][payload][pad to 8 bytes]. A record never straddles the end of the
 *   data area: when it would, the producer writes a WRAP marker and starts again at offset 0.
 * - capacity is a power of two, so positions map to offsets with a mask; counters are compared
 *   with unsigned 32-bit arithmetic, which stays correct across wrap-around as long as
 *   capacity <= 2^30.
 *
 * The producer batches: `tryWrite` copies records in but only `publish` makes them visible
 * (one Atomics.store per batch, not per record). A full ring is backpressure: `tryWrite` returns
 * false and the caller waits with `waitForSpace*`; nothing buffers unboundedly.
 *
 * Wake-ups cost: Atomics.notify takes a process-wide lock that every waiting thread also takes,
 * and a wake is a syscall and a context switch. So each side announces when it is about to sleep
 * (the sleepers counts) and the other side notifies only then. No wake-up is lost:
 * a sleeper counts itself before it re-reads the position it waits on, and the waker stores the
 * position before it reads the count; Atomics.wait then returns at once if the position moved.
 */

const CONTROL_BYTES = 128;
const TAIL_SLOT = 0;
const HEAD_SLOT = 16;
/** Threads asleep (or about to sleep) waiting for data / for space. */
const CONSUMER_SLEEPERS_SLOT = 8;
const PRODUCER_SLEEPERS_SLOT = 24;
const HEADER_BYTES = 4;
const ALIGN_BYTES = 8;
const WRAP_MARKER = 0xffffffff;
const CAPACITY_BYTES_MAX = 1 << 30;

/** Rounds n up to the record alignment. */
function alignUp(n: number): number {
  return (n + ALIGN_BYTES - 1) & ~(ALIGN_BYTES - 1);
}

/** Allocates the shared memory for a ring holding `capacityBytes` of records (a power of two). */
export function createRingBuffer(capacityBytes: number): SharedArrayBuffer {
  if (!Number.isInteger(capacityBytes) || capacityBytes < 64 || capacityBytes > CAPACITY_BYTES_MAX ||
      (capacityBytes & (capacityBytes - 1)) !== 0) {
    throw new RangeError(`ring capacity must be a power of two in [64, 2^30], got ${capacityBytes}`);
  }
  return new SharedArrayBuffer(CONTROL_BYTES + capacityBytes);
}

/** The largest payload one ring record may carry: half the ring, so a record always fits after a wrap. */
export function recordBytesMax(buffer: SharedArrayBuffer): number {
  return (buffer.byteLength - CONTROL_BYTES) / 2 - HEADER_BYTES;
}

abstract class RingSide {
  protected readonly control: Int32Array;
  protected readonly data: Uint8Array;
  protected readonly view: DataView;
  protected readonly capacity: number;
  protected readonly mask: number;

  constructor(buffer: SharedArrayBuffer) {
    this.control = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
    this.capacity = buffer.byteLength - CONTROL_BYTES;
    this.mask = this.capacity - 1;
    this.data = new Uint8Array(buffer, CONTROL_BYTES, this.capacity);
    this.view = new DataView(buffer, CONTROL_BYTES, this.capacity);
  }

  protected loadTail(): number {
    return Atomics.load(this.control, TAIL_SLOT) >>> 0;
  }

  protected loadHead(): number {
    return Atomics.load(this.control, HEAD_SLOT) >>> 0;
  }

  /** Wakes the other side if it announced that it sleeps on `slot`. */
  protected wake(slot: number, sleepersSlot: number): void {
    if (Atomics.load(this.control, sleepersSlot) > 0) Atomics.notify(this.control, slot);
  }

  /** Sleeps (worker threads) until `slot` moves from `value`, counted as a sleeper meanwhile. */
  protected sleep(slot: number, sleepersSlot: number, stillWaiting: () => boolean, timeoutMs: number): 'ok' | 'not-equal' | 'timed-out' {
    Atomics.add(this.control, sleepersSlot, 1);
    try {
      const value = Atomics.load(this.control, slot);
      if (!stillWaiting()) return 'not-equal';
      return Atomics.wait(this.control, slot, value, timeoutMs);
    } finally {
      Atomics.sub(this.control, sleepersSlot, 1);
    }
  }

  /** The main thread's sleep: resolves once `slot` moves (or at once if the wait is over). */
  protected async sleepAsync(slot: number, sleepersSlot: number, stillWaiting: () => boolean): Promise<void> {
    Atomics.add(this.control, sleepersSlot, 1);
    try {
      const value = Atomics.load(this.control, slot);
      if (!stillWaiting()) return;
      const waiter = Atomics.waitAsync(this.control, slot, value);
      if (waiter.async) await waiter.value;
    } finally {
      Atomics.sub(this.control, sleepersSlot, 1);
    }
  }
}

/** The producing side of a ring: exactly one thread may own it. */
export class RingWriter extends RingSide {
  /** Bytes written but not yet published (local to the producer). */
  private pendingTail: number;
  readonly recordBytesMax: number;

  constructor(buffer: SharedArrayBuffer) {
    super(buffer);
    this.pendingTail = this.loadTail();
    this.recordBytesMax = recordBytesMax(buffer);
  }

  /** Bytes free for new records, counting what is written but not yet published as used. */
  freeBytes(): number {
    return this.capacity - ((this.pendingTail - this.loadHead()) >>> 0);
  }

  /**
   * Copies one record into the ring without publishing it. Returns false when the ring lacks
   * room (the caller must publish what it has and wait for space). Throws when the record can
   * never fit.
   */
  tryWrite(payload: Uint8Array): boolean {
    const length = payload.byteLength;
    if (length > this.recordBytesMax) {
      throw new RangeError(`ring record of ${length} bytes exceeds the limit of ${this.recordBytesMax}`);
    }
    const recordBytes = alignUp(HEADER_BYTES + length);
    let offset = this.pendingTail & this.mask;
    const untilEnd = this.capacity - offset;
    const wrapBytes = recordBytes > untilEnd ? untilEnd : 0;
    if (wrapBytes + recordBytes > this.freeBytes()) return false;
    if (wrapBytes > 0) {
      // The marker needs 4 bytes; an 8-byte-aligned offset always leaves at least 8 before the end.
      this.view.setUint32(offset, WRAP_MARKER, true);
      this.pendingTail = (this.pendingTail + wrapBytes) >>> 0;
      offset = 0;
    }
    this.view.setUint32(offset, length, true);
    this.data.set(payload, offset + HEADER_BYTES);
    this.pendingTail = (this.pendingTail + recordBytes) >>> 0;
    return true;
  }

  /** True when records were written since the last publish. */
  hasUnpublished(): boolean {
    return this.pendingTail !== this.loadTail();
  }

  /** Makes every written record visible to the consumer and wakes it if it sleeps. */
  publish(): void {
    if (!this.hasUnpublished()) return;
    Atomics.store(this.control, TAIL_SLOT, this.pendingTail | 0);
    this.wake(TAIL_SLOT, CONSUMER_SLEEPERS_SLOT);
  }

  /** Blocks (worker threads only) until at least `bytes` are free or the timeout passes. */
  waitForSpace(bytes: number, timeoutMs: number): boolean {
    for (;;) {
      if (this.freeBytes() >= bytes) return true;
      if (this.sleep(HEAD_SLOT, PRODUCER_SLEEPERS_SLOT, () => this.freeBytes() < bytes, timeoutMs) === 'timed-out') {
        return this.freeBytes() >= bytes;
      }
    }
  }

  /** Resolves once at least `bytes` are free (main thread: never blocks the event loop). */
  async waitForSpaceAsync(bytes: number): Promise<void> {
    while (this.freeBytes() < bytes) {
      await this.sleepAsync(HEAD_SLOT, PRODUCER_SLEEPERS_SLOT, () => this.freeBytes() < bytes);
    }
  }
}

/** The consuming side of a ring: exactly one thread may own it. */
export class RingReader extends RingSide {
  private head: number;

  constructor(buffer: SharedArrayBuffer) {
    super(buffer);
    this.head = this.loadHead();
  }

  /** True when published records are waiting. */
  hasData(): boolean {
    return this.loadTail() !== this.head;
  }

  /**
   * Hands each published record to `visit`, at most `recordsMax` of them, then releases their
   * space to the producer in one store. The view passed to `visit` aliases shared memory and is
   * valid only during the call: decode or copy it there. Returns the number of records visited.
   */
  drain(visit: (record: Uint8Array) => void, recordsMax = Number.MAX_SAFE_INTEGER): number {
    const tail = this.loadTail();
    let visited = 0;
    try {
      while (this.head !== tail && visited < recordsMax) {
        const offset = this.head & this.mask;
        const length = this.view.getUint32(offset, true);
        if (length === WRAP_MARKER) {
          this.head = (this.head + (this.capacity - offset)) >>> 0;
          continue;
        }
        const record = this.data.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length);
        this.head = (this.head + alignUp(HEADER_BYTES + length)) >>> 0;
        visited++;
        visit(record);
      }
    } finally {
      Atomics.store(this.control, HEAD_SLOT, this.head | 0);
      this.wake(HEAD_SLOT, PRODUCER_SLEEPERS_SLOT);
    }
    return visited;
  }

  /** Blocks (worker threads only) until data is published or the timeout passes. */
  waitForData(timeoutMs: number): boolean {
    if (this.hasData()) return true;
    this.sleep(TAIL_SLOT, CONSUMER_SLEEPERS_SLOT, () => !this.hasData(), timeoutMs);
    return this.hasData();
  }

  /** Resolves once data is published (main thread: never blocks the event loop). */
  async waitForDataAsync(): Promise<void> {
    while (!this.hasData()) await this.sleepAsync(TAIL_SLOT, CONSUMER_SLEEPERS_SLOT, () => !this.hasData());
  }
}
