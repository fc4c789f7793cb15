/**
 * The simulated network between members: every message gets a delivery tick drawn from the seed,
 * so messages are delayed and reordered; some are dropped or duplicated; links can be cut one way
 * or both ways (partitions) and healed. Nothing is delivered to a member while it is down.
 *
 * Messages are queued in per-tick buckets: delivering is O(messages due). Each link is first in,
 * first out, as the members' one TCP connection per peer is: a message is never delivered before
 * one sent earlier on its link (it may be delayed to the same tick). Across links, messages due
 * in one tick are shuffled when reordering is on.
 */
import { MessageType, type Message } from '../../engine/raft/message.js';
import type { Prng } from './prng.js';

/** How hostile the network is. Probabilities are per message. */
export interface NetworkProfile {
  dropProbability: number;
  duplicateProbability: number;
  /** Delay in ticks, uniform in [delayTicksMin, delayTicksMax]. */
  delayTicksMin: number;
  delayTicksMax: number;
  /** Shuffle messages that fall due in the same tick. */
  reorder: boolean;
}

/** A well-behaved network: every message arrives one tick later, in order. */
export const RELIABLE_NETWORK: Readonly<NetworkProfile> = Object.freeze({
  dropProbability: 0,
  duplicateProbability: 0,
  delayTicksMin: 1,
  delayTicksMax: 1,
  reorder: false,
});

/** Messages in flight beyond this mean a runaway sender: a bug worth stopping on. */
export const IN_FLIGHT_MESSAGES_MAX = 200_000;

/** Counters for the summary line and for tests. */
export interface NetworkStats {
  sent: number;
  /** MsgSnap messages sent: followers catching up by snapshot. */
  snapshots: number;
  delivered: number;
  dropped: number;
  duplicated: number;
}

/** The simulated network. */
export class SimNetwork {
  private readonly buckets = new Map<number, Message[]>();
  /** The latest delivery tick given on each link ("from>to"): a later message is not due before it. */
  private readonly linkDue = new Map<string, number>();
  /** Directed links that are cut, as "from>to". */
  private readonly cutLinks = new Set<string>();
  private inFlight = 0;
  readonly stats: NetworkStats = { sent: 0, snapshots: 0, delivered: 0, dropped: 0, duplicated: 0 };

  constructor(
    private readonly prng: Prng,
    private profile: NetworkProfile,
  ) {}

  /** Changes the fault rates from now on (messages in flight keep their delivery tick). */
  setProfile(profile: NetworkProfile): void {
    this.profile = profile;
  }

  /** True when messages from `from` to `to` currently get through. */
  isConnected(from: number, to: number): boolean {
    return !this.cutLinks.has(`${from}>${to}`);
  }

  /**
   * Sends a message at tick `nowTicks`. Returns false when it was dropped (by chance or by a cut
   * link), which the caller needs for snapshot status reports.
   */
  send(message: Message, nowTicks: number): boolean {
    this.stats.sent++;
    if (message.type === MessageType.MsgSnap) this.stats.snapshots++;
    if (!this.isConnected(message.from, message.to) || this.prng.chance(this.profile.dropProbability)) {
      this.stats.dropped++;
      return false;
    }
    this.enqueue(message, nowTicks);
    // A forwarded proposal is never duplicated: the members' TCP transport delivers a message at
    // most once, and Raft (as etcd's) does not tell two copies of one proposal apart, so a copy
    // would apply the request twice. Raft's own messages must survive copies (a retransmission
    // after a reconnect, a stale resend), so those are duplicated.
    if (message.type !== MessageType.MsgProp && this.prng.chance(this.profile.duplicateProbability)) {
      this.stats.duplicated++;
      this.enqueue(message, nowTicks);
    }
    return true;
  }

  private enqueue(message: Message, nowTicks: number): void {
    if (++this.inFlight > IN_FLIGHT_MESSAGES_MAX) throw new Error(`more than ${IN_FLIGHT_MESSAGES_MAX} messages in flight`);
    const link = `${message.from}>${message.to}`;
    const dueTicks = Math.max(nowTicks + this.prng.between(this.profile.delayTicksMin, this.profile.delayTicksMax), this.linkDue.get(link) ?? 0);
    this.linkDue.set(link, dueTicks);
    const bucket = this.buckets.get(dueTicks);
    if (bucket === undefined) this.buckets.set(dueTicks, [message]);
    else bucket.push(message);
  }

  /**
   * Takes the messages due at `nowTicks`. A link cut while a message was in flight drops it
   * (a partition takes effect at once, as with a real TCP connection reset).
   */
  takeDue(nowTicks: number): Message[] {
    const bucket = this.buckets.get(nowTicks);
    if (bucket === undefined) return [];
    this.buckets.delete(nowTicks);
    this.inFlight -= bucket.length;
    if (this.profile.reorder) this.shuffle(bucket);
    const due = bucket.filter((message) => this.isConnected(message.from, message.to));
    this.stats.dropped += bucket.length - due.length;
    this.stats.delivered += due.length;
    return due;
  }

  /** Shuffles across links; each link's messages keep their order (in the slots the shuffle gave that link). */
  private shuffle(items: Message[]): void {
    const order = new Map(items.map((message, i) => [message, i]));
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.prng.int(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    const slotsByLink = new Map<string, number[]>();
    items.forEach((message, slot) => {
      const link = `${message.from}>${message.to}`;
      const slots = slotsByLink.get(link);
      if (slots === undefined) slotsByLink.set(link, [slot]);
      else slots.push(slot);
    });
    for (const slots of slotsByLink.values()) {
      const messages = slots.map((slot) => items[slot]!).sort((a, b) => order.get(a)! - order.get(b)!);
      slots.forEach((slot, k) => { items[slot] = messages[k]!; });
    }
  }

  /** Cuts the link from `from` to `to` only (an asymmetric partition). */
  cut(from: number, to: number): void {
    this.cutLinks.add(`${from}>${to}`);
  }

  /** Splits members into groups that cannot reach each other (both directions). */
  partition(groups: readonly (readonly number[])[]): void {
    for (const a of groups) {
      for (const b of groups) {
        if (a === b) continue;
        for (const from of a) for (const to of b) this.cut(from, to);
      }
    }
  }

  /** Cuts a member off from everyone else. */
  isolate(member: number, everyone: readonly number[]): void {
    this.partition([[member], everyone.filter((other) => other !== member)]);
  }

  /** Restores every link. */
  heal(): void {
    this.cutLinks.clear();
  }

  /** True when any link is cut. */
  isPartitioned(): boolean {
    return this.cutLinks.size > 0;
  }

  /** Messages queued for delivery. */
  inFlightCount(): number {
    return this.inFlight;
  }
}
