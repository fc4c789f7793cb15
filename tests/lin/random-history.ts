/**
 * Generates KV histories that are linearizable by construction, for testing the checker: every
 * operation takes effect atomically on a real map at a random instant inside its interval, so
 * the order of those instants is a witness linearization.
 */
import { Prng } from '../sim/prng.js';
import { applyKv, type KvInput, type KvOutput } from './kv-model.js';
import { HistoryRecorder, type Operation } from './history.js';

/** Shape of a generated history. */
export interface RandomHistoryOptions {
  clients: number;
  keys: number;
  /** Time units to run; clients start operations until then. */
  durationTicks: number;
  /** Longest time from invocation to effect, and from effect to response. */
  latencyTicksMax: number;
  /** Probability that a response is lost (the op then took effect or not, at random). */
  lostProbability: number;
  /** Include multi-key transactions (which make the history non-partitionable). */
  transactions: boolean;
}

interface Pending {
  handle: number;
  input: KvInput;
  effectTick: number;
  returnTick: number;
  /** False for a lost response that also never took effect. */
  takesEffect: boolean;
  lost: boolean;
  output: KvOutput | undefined;
}

function randomInput(prng: Prng, options: RandomHistoryOptions, lastValues: string[], freshValue: () => string): KvInput {
  const key = `k${prng.int(options.keys)}`;
  // Two of the five single-key choices are gets: reads are what catch anomalies.
  const roll = prng.int(options.transactions ? 6 : 5);
  if (roll === 0) return { type: 'put', key, value: freshValue() };
  if (roll === 1) return { type: 'get', key };
  if (roll === 2) return { type: 'delete', key };
  if (roll === 3) return { type: 'get', key };
  if (roll === 4) {
    const expected = lastValues.length > 0 && prng.chance(0.8) ? prng.pick(lastValues) : null;
    return { type: 'cas', key, expected, value: freshValue() };
  }
  const other = `k${prng.int(options.keys)}`;
  return {
    type: 'txn',
    compares: [{ key, expected: lastValues.length > 0 ? prng.pick(lastValues) : null }],
    success: [{ type: 'put', key: other, value: freshValue() }, { type: 'put', key, value: freshValue() }],
    failure: [{ type: 'delete', key: other }],
  };
}

/** A linearizable history from the given seed. */
export function randomLinearizableHistory(seed: number, options: RandomHistoryOptions): Operation<KvInput, KvOutput>[] {
  const prng = new Prng(seed);
  const store = new Map<string, string>();
  const recorder = new HistoryRecorder<KvInput, KvOutput>();
  const pending = new Map<number, Pending>();
  const clientIds: number[] = Array.from({ length: options.clients }, (_, i) => i);
  let nextClientId = options.clients;
  const lastValues: string[] = [];
  const horizonTicks = options.durationTicks + 2 * options.latencyTicksMax + 1;
  let valuesWritten = 0;
  // Values are unique, so a read tells which write it saw.
  const freshValue = () => `v${++valuesWritten}`;
  for (let tick = 0; tick <= horizonTicks; tick++) {
    for (let slot = 0; slot < clientIds.length; slot++) {
      const p = pending.get(slot);
      if (p === undefined) {
        if (tick >= options.durationTicks || !prng.chance(0.5)) continue;
        const input = randomInput(prng, options, lastValues, freshValue);
        // The effect comes on a later tick than the invocation: this loop visits the slot once per tick.
        const effectTick = tick + 1 + prng.int(options.latencyTicksMax);
        const lost = prng.chance(options.lostProbability);
        pending.set(slot, {
          handle: recorder.invoke(clientIds[slot], input, tick),
          input,
          effectTick,
          returnTick: effectTick + prng.int(options.latencyTicksMax + 1),
          takesEffect: !lost || prng.chance(0.5),
          lost,
          output: undefined,
        });
        continue;
      }
      if (tick === p.effectTick && p.takesEffect) {
        p.output = applyKv(store, p.input);
        for (const value of store.values()) if (!lastValues.includes(value)) lastValues.push(value);
      }
      if (tick === p.returnTick) {
        pending.delete(slot);
        if (p.lost) {
          // Like a real client after a timeout: the old identity keeps the op in flight forever.
          recorder.abandon(p.handle);
          clientIds[slot] = nextClientId++;
        } else {
          recorder.complete(p.handle, p.output!, tick);
        }
      }
    }
  }
  return recorder.finish();
}
