/**
 * The simulated clients: a fixed number of client slots, each with at most one request in flight,
 * issuing puts, gets, deletes, compare-and-swaps and (in some seeds) two-key transactions over a
 * few keys, each to a random running member. Writes and some reads go through the log (propose);
 * the other reads go through ReadIndex. Every request is recorded in the history:
 *
 *   answered           the output and the tick it arrived
 *   timed out / lost   unknown (it may or may not have taken effect); the slot continues as a new
 *                      client id, because the old one still has that request in flight forever
 *   refused at once    not recorded: the core said it dropped the proposal, so it never happened
 */
import { HistoryRecorder, type Operation } from '../lin/history.js';
import type { KvInput, KvOutput } from '../lin/kv-model.js';
import type { SimCluster } from './cluster.js';
import type { Prng } from './prng.js';
import type { Trace } from './trace.js';

/** How the clients behave in one seed. */
export interface ClientOptions {
  clients: number;
  keys: number;
  /** Chance per tick that an idle client sends a request. */
  requestProbability: number;
  /** Ticks after which a client gives up on a request (its outcome becomes unknown). */
  timeoutTicks: number;
  /** Chance that a get goes through the log instead of ReadIndex. */
  logReadProbability: number;
  /** Issue two-key transactions (which make the history non-partitionable by key). */
  transactions: boolean;
  /**
   * Chance that a get is served from the member's local state at once, like etcd's serializable
   * reads. Not linearizable: the runs keep it at 0, and a test turns it on to see the checker object.
   */
  serializableReadProbability: number;
}

interface InFlight {
  opId: number;
  handle: number;
  memberId: number;
  sentTicks: number;
}

interface Slot {
  clientId: number;
  inFlight: InFlight | undefined;
}

/** Counters for the summary. */
export interface ClientStats {
  sent: number;
  answered: number;
  timedOut: number;
  lost: number;
  refused: number;
}

/** The client pool for one run. */
export class ClientPool {
  private readonly recorder = new HistoryRecorder<KvInput, KvOutput>();
  private readonly slots: Slot[];
  private readonly slotByOpId = new Map<number, Slot>();
  private nextClientId: number;
  private nextOpId = 1;
  /** Values seen per key, so compare-and-swaps have a fair chance to succeed. */
  private readonly seenValues = new Map<string, string[]>();
  readonly stats: ClientStats = { sent: 0, answered: 0, timedOut: 0, lost: 0, refused: 0 };

  constructor(
    private readonly prng: Prng,
    private readonly cluster: SimCluster,
    private readonly options: ClientOptions,
    private readonly trace: Trace,
  ) {
    if (options.transactions && options.keys < 2) throw new Error('two-key transactions need at least two keys');
    this.slots = Array.from({ length: options.clients }, (_, i) => ({ clientId: i + 1, inFlight: undefined }));
    this.nextClientId = options.clients + 1;
    cluster.onResponse = (opId, output) => this.answer(opId, output);
    cluster.onLost = (opIds) => {
      for (const opId of opIds) this.giveUp(opId, 'lost');
    };
  }

  /** One tick: time out old requests, and let idle clients send new ones (unless `sending` is off). */
  step(sending: boolean): void {
    const now = this.cluster.nowTicks;
    for (const slot of this.slots) {
      const inFlight = slot.inFlight;
      if (inFlight !== undefined) {
        if (now - inFlight.sentTicks >= this.options.timeoutTicks) {
          this.trace?.(`t=${now} op#${inFlight.opId} times out`);
          this.cluster.members.get(inFlight.memberId)?.forget(inFlight.opId);
          this.giveUp(inFlight.opId, 'timedOut');
        }
        continue;
      }
      if (sending && this.prng.chance(this.options.requestProbability)) this.send(slot, now);
    }
  }

  /** True while any request awaits its answer. */
  hasInFlight(): boolean {
    return this.slots.some((slot) => slot.inFlight !== undefined);
  }

  /** The recorded history (requests still in flight appear as unknown). */
  history(): Operation<KvInput, KvOutput>[] {
    return this.recorder.finish();
  }

  private send(slot: Slot, now: number): void {
    const serving = this.cluster.serving();
    if (serving.length === 0) return;
    const member = this.prng.pick(serving);
    const input = this.randomInput();
    const opId = this.nextOpId++;
    if (input.type === 'get' && this.prng.chance(this.options.serializableReadProbability)) {
      const handle = this.recorder.invoke(slot.clientId, input, now);
      this.recorder.complete(handle, { type: 'get', value: member.readLocal(input.key) }, now);
      this.stats.sent++;
      this.stats.answered++;
      return;
    }
    const viaReadIndex = input.type === 'get' && !this.prng.chance(this.options.logReadProbability);
    const error = viaReadIndex && input.type === 'get' ? member.readIndex(opId, input.key) : member.propose(opId, input);
    if (error !== null) {
      this.stats.refused++;
      return;
    }
    this.stats.sent++;
    this.trace?.(`t=${now} op#${opId} client ${slot.clientId} -> m${member.id}${viaReadIndex ? ' (ReadIndex)' : ''}: ${JSON.stringify(input)}`);
    const handle = this.recorder.invoke(slot.clientId, input, now);
    slot.inFlight = { opId, handle, memberId: member.id, sentTicks: now };
    this.slotByOpId.set(opId, slot);
  }

  private answer(opId: number, output: KvOutput): void {
    const slot = this.slotByOpId.get(opId);
    if (slot === undefined || slot.inFlight?.opId !== opId) return;
    this.slotByOpId.delete(opId);
    this.trace?.(`t=${this.cluster.nowTicks} op#${opId} answered: ${JSON.stringify(output)}`);
    this.recorder.complete(slot.inFlight.handle, output, this.cluster.nowTicks);
    slot.inFlight = undefined;
    this.stats.answered++;
    if (output.type === 'get' && output.value !== null) this.remember(this.keyOfValue(output.value), output.value);
  }

  private giveUp(opId: number, why: 'timedOut' | 'lost'): void {
    const slot = this.slotByOpId.get(opId);
    if (slot === undefined || slot.inFlight?.opId !== opId) return;
    this.slotByOpId.delete(opId);
    if (why === 'lost') this.trace?.(`t=${this.cluster.nowTicks} op#${opId} lost with its member`);
    this.recorder.abandon(slot.inFlight.handle);
    slot.inFlight = undefined;
    slot.clientId = this.nextClientId++;
    this.stats[why]++;
  }

  private randomInput(): KvInput {
    const prng = this.prng;
    const key = `k${prng.int(this.options.keys)}`;
    const value = `${key}=${this.nextOpId}`;
    const roll = prng.int(this.options.transactions ? 10 : 9);
    if (roll < 3) {
      this.remember(key, value);
      return { type: 'put', key, value };
    }
    if (roll < 6) return { type: 'get', key };
    if (roll < 7) return { type: 'delete', key };
    if (roll < 9) {
      this.remember(key, value);
      return { type: 'cas', key, expected: this.guess(key), value };
    }
    const other = `k${(prng.int(this.options.keys - 1) + 1 + Number(key.slice(1))) % this.options.keys}`;
    const otherValue = `${other}=${this.nextOpId}`;
    this.remember(other, otherValue);
    return {
      type: 'txn',
      compares: [{ key, expected: this.guess(key) }],
      success: [{ type: 'put', key: other, value: otherValue }],
      failure: [{ type: 'delete', key: other }],
    };
  }

  /** Values name their key (`k1=42`), so a read's value says which key's history it belongs to. */
  private keyOfValue(value: string): string {
    return value.slice(0, value.indexOf('='));
  }

  private remember(key: string, value: string): void {
    const values = this.seenValues.get(key) ?? [];
    values.push(value);
    if (values.length > 8) values.shift();
    this.seenValues.set(key, values);
  }

  /** A plausible current value of `key` (or null, the absent key). */
  private guess(key: string): string | null {
    const values = this.seenValues.get(key);
    if (values === undefined || this.prng.chance(0.2)) return null;
    return this.prng.pick(values);
  }
}
