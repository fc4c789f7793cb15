/**
 * The requests a load process sends: which operation (by the mix's weights), on which key (random
 * over the key space, or sequential), with which value. Deterministic for a seed, so two runs (say
 * cairn and etcd) send the same sequence. Keys are the key's index in zero-padded decimal, exactly
 * key-size bytes ("00012345" for 8): readable in etcdctl, and every key of the space distinct.
 */
import type { LoadOptions, Operation } from './load-options.js';

/** One request, independent of the protocol that carries it. */
export interface LoadRequest {
  operation: Operation;
  key: Uint8Array;
  /** The value to write (put, and txn's swap); shared, never mutated. */
  value: Uint8Array;
}

/** xorshift32: fast, seedable, good enough to spread keys (not for anything cryptographic). */
export class Xorshift32 {
  private state: number;

  constructor(seed: number) {
    // A zero state would stay zero forever.
    this.state = (seed >>> 0) || 0x9e3779b9;
  }

  /** A float in [0, 1). */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 0x1_0000_0000;
  }
}

/** The key of index `index`: its decimal digits, zero-padded on the left to `keySize` bytes. */
export function keyOf(index: number, keySize: number): Uint8Array {
  return new TextEncoder().encode(String(index).padStart(keySize, '0'));
}

/** Picks operations by weight: cumulative weights, one uniform draw each. */
export class OperationChooser {
  private readonly operations: Operation[] = [];
  private readonly cumulative: number[] = [];

  constructor(mix: LoadOptions['mix']) {
    let total = 0;
    for (const [operation, weight] of Object.entries(mix) as [Operation, number][]) {
      if (!(weight > 0)) continue;
      total += weight;
      this.operations.push(operation);
      this.cumulative.push(total);
    }
    if (total === 0) throw new Error('an operation mix needs a positive weight');
    for (let i = 0; i < this.cumulative.length; i++) this.cumulative[i]! /= total;
  }

  /** The operation for a uniform draw `u` in [0, 1). */
  choose(u: number): Operation {
    for (let i = 0; i < this.cumulative.length - 1; i++) if (u < this.cumulative[i]!) return this.operations[i]!;
    return this.operations[this.operations.length - 1]!;
  }
}

/** The stream of requests one load process sends. */
export class Workload {
  private readonly random: Xorshift32;
  private readonly chooser: OperationChooser;
  private readonly value: Uint8Array;
  /** Sequential keys: this process takes indexes processIndex, processIndex + processes, ... */
  private nextSequential: number;

  constructor(private readonly options: LoadOptions, processIndex: number) {
    this.random = new Xorshift32(options.seed * 7919 + processIndex + 1);
    this.chooser = new OperationChooser(options.mix);
    this.value = new Uint8Array(options.valueSize);
    for (let i = 0; i < this.value.length; i++) this.value[i] = 97 + Math.floor(this.random.next() * 26);
    this.nextSequential = processIndex;
  }

  next(): LoadRequest {
    const operation = this.chooser.choose(this.random.next());
    let index: number;
    if (this.options.sequential) {
      index = this.nextSequential % this.options.keySpace;
      this.nextSequential += this.options.processes;
    } else {
      index = Math.floor(this.random.next() * this.options.keySpace);
    }
    return { operation, key: keyOf(index, this.options.keySize), value: this.value };
  }
}
