/**
 * The simulated clients: a fixed number of client slots, each with at most one request in flight,
 * issuing puts, gets, deletes, compare-and-swaps and (in some seeds) two-key transactions over a
 * few keys, each to a random running member, through that member's EtcdServer (the one API
 * every transport calls, engine/server/etcd-server.ts): writes go through Raft, reads through
 * ReadIndex (linearizable) unless a test asks for serializable ones. Every request is recorded:
 *
 *   answered           the output and the time it arrived
 *   timed out / lost   unknown (it may or may not have taken effect); the slot continues as a new
 *                      client id, because the old one still has that request in flight forever
 *   refused            not recorded when the error says it was never proposed (no leader, too
 *                      many requests, leader transfer); any other error is unknown
 */
import { ErrLeaderChanged, ErrNoLeader, ErrRequestTooLarge, ErrTooManyRequests } from '../../engine/errors.js';
import { CompareResult, CompareTarget, type Compare, type RequestOp } from '../../engine/mvcc/rpc.js';
import type { EtcdServer } from '../../engine/server/etcd-server.js';
import { HistoryRecorder, type Operation } from '../lin/history.js';
import type { KvCompare, KvInput, KvOutput, KvWrite } from '../lin/kv-model.js';
import type { SimCluster } from './cluster.js';
import type { Prng } from './prng.js';
import type { Trace } from './trace.js';

/** How the clients behave in one seed. */
export interface ClientOptions {
  clients: number;
  keys: number;
  /** Chance per tick that an idle client sends a request. */
  requestProbability: number;
  /** Simulated milliseconds after which a client gives up on a request (its outcome becomes unknown). */
  timeoutMs: number;
  /** Issue two-key transactions (which make the history non-partitionable by key). */
  transactions: boolean;
  /**
   * Chance that a get is a serializable read (the member's local state, no ReadIndex). Not
   * linearizable: the runs keep it at 0, and a test turns it on to see the checker object.
   */
  serializableReadProbability: number;
}

interface InFlight {
  opId: number;
  handle: number;
  memberId: number;
  sentMs: number;
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
    cluster.onCrash = (memberId) => {
      for (const slot of this.slots) if (slot.inFlight?.memberId === memberId) this.giveUp(slot.inFlight.opId, 'lost');
    };
  }

  /** One tick: time out old requests, and let idle clients send new ones (unless `sending` is off). */
  step(sending: boolean): void {
    const now = this.cluster.nowMs;
    for (const slot of this.slots) {
      const inFlight = slot.inFlight;
      if (inFlight !== undefined) {
        if (now - inFlight.sentMs >= this.options.timeoutMs) {
          this.trace?.(`${now} ms op#${inFlight.opId} times out`);
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
    const kv = member.incarnation!.etcd;
    const input = this.randomInput();
    const serializable = input.type === 'get' && this.prng.chance(this.options.serializableReadProbability);
    const opId = this.nextOpId++;
    this.stats.sent++;
    this.trace?.(`${now} ms op#${opId} client ${slot.clientId} -> m${member.id}: ${JSON.stringify(input)}${serializable ? ' (serializable)' : ''}`);
    const handle = this.recorder.invoke(slot.clientId, input, now);
    slot.inFlight = { opId, handle, memberId: member.id, sentMs: now };
    this.slotByOpId.set(opId, slot);
    call(kv, input, serializable).then((output) => this.answer(opId, output), (error: Error) => this.refuse(opId, error));
  }

  private answer(opId: number, output: KvOutput): void {
    const slot = this.slotByOpId.get(opId);
    if (slot === undefined || slot.inFlight?.opId !== opId) return;
    this.slotByOpId.delete(opId);
    this.trace?.(`${this.cluster.nowMs} ms op#${opId} answered: ${JSON.stringify(output)}`);
    this.recorder.complete(slot.inFlight.handle, output, this.cluster.nowMs);
    slot.inFlight = undefined;
    this.stats.answered++;
    if (output.type === 'get' && output.value !== null) this.remember(this.keyOfValue(output.value), output.value);
  }

  /** An error: a request never proposed did not happen; any other may or may not have. */
  private refuse(opId: number, error: Error): void {
    const slot = this.slotByOpId.get(opId);
    if (slot === undefined || slot.inFlight?.opId !== opId) return;
    this.trace?.(`${this.cluster.nowMs} ms op#${opId} failed: ${error.message}`);
    if (!NEVER_PROPOSED.has(error)) return this.giveUp(opId, 'lost');
    this.slotByOpId.delete(opId);
    this.recorder.forget(slot.inFlight.handle);
    slot.inFlight = undefined;
    this.stats.refused++;
  }

  private giveUp(opId: number, why: 'timedOut' | 'lost'): void {
    const slot = this.slotByOpId.get(opId);
    if (slot === undefined || slot.inFlight?.opId !== opId) return;
    this.slotByOpId.delete(opId);
    if (why === 'lost') this.trace?.(`${this.cluster.nowMs} ms op#${opId}'s outcome is unknown`);
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

/** Errors that say the request was refused before it reached the Raft log. */
const NEVER_PROPOSED: ReadonlySet<Error> = new Set([ErrNoLeader, ErrLeaderChanged, ErrTooManyRequests, ErrRequestTooLarge]);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Sends one input as etcd's KV request and maps the answer back. */
async function call(kv: EtcdServer, input: KvInput, serializable: boolean): Promise<KvOutput> {
  switch (input.type) {
    case 'put':
      await kv.put({ key: encoder.encode(input.key), value: encoder.encode(input.value) });
      return { type: 'put' };
    case 'get': {
      const { kvs } = await kv.range({ key: encoder.encode(input.key), ...(serializable ? { serializable: true } : {}) });
      return { type: 'get', value: kvs[0]?.value === undefined ? null : decoder.decode(kvs[0].value) };
    }
    case 'delete':
      await kv.deleteRange({ key: encoder.encode(input.key) });
      return { type: 'delete' };
    case 'cas': {
      const { succeeded } = await kv.txn({
        compare: [compareOf({ key: input.key, expected: input.expected })],
        success: [writeOf({ type: 'put', key: input.key, value: input.value })],
      });
      return { type: 'cas', succeeded: succeeded === true };
    }
    case 'txn': {
      const { succeeded } = await kv.txn({
        compare: input.compares.map(compareOf), success: input.success.map(writeOf), failure: input.failure.map(writeOf),
      });
      return { type: 'txn', succeeded: succeeded === true };
    }
  }
}

/** The key holds `expected`, or (null) is absent: its create revision is 0. */
function compareOf(compare: KvCompare): Compare {
  const key = encoder.encode(compare.key);
  return compare.expected === null
    ? { key, result: CompareResult.EQUAL, target: CompareTarget.CREATE, create_revision: 0 }
    : { key, result: CompareResult.EQUAL, target: CompareTarget.VALUE, value: encoder.encode(compare.expected) };
}

function writeOf(write: KvWrite): RequestOp {
  const key = encoder.encode(write.key);
  return write.type === 'put' ? { request_put: { key, value: encoder.encode(write.value) } } : { request_delete_range: { key } };
}
