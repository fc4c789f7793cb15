/**
 * Request ids, unique across the cluster and across restarts, as etcd's idutil makes them: the
 * low bits of the member id, then the start time, then a counter. Each committed entry carries the
 * id of the request it holds, so the member that proposed it (possibly through a forwarding
 * follower) can find the waiting client when the entry applies on it.
 *
 *   53-bit id = [ member id low 13 bits | start ms low 20 bits | counter 20 bits ]
 *               (the counter may carry into the time bits, which only makes ids later)
 */
const COUNTER_BITS = 20;
const TIME_BITS = 20;
const MEMBER_BITS = 13;

export class RequestIdGenerator {
  private next: number;

  constructor(memberId: number, nowMs: number) {
    const prefix = (memberId % 2 ** MEMBER_BITS) * 2 ** TIME_BITS + (nowMs % 2 ** TIME_BITS);
    this.next = prefix * 2 ** COUNTER_BITS;
  }

  /** The next id: strictly increasing, below 2^53. */
  nextId(): number {
    const id = this.next++;
    if (this.next > Number.MAX_SAFE_INTEGER) this.next = 1;
    return id;
  }
}
