/**
 * The simulator's one source of randomness: xoshiro128** (Blackman & Vigna), seeded through
 * splitmix32 so that neighbouring seeds give unrelated streams. 32-bit arithmetic only, so it is
 * exact in JavaScript and a seed replays bit for bit on any machine.
 */

const SPLITMIX_GOLDEN_GAMMA = 0x9e3779b9;
const UINT32_RANGE = 4294967296;

function splitmix32(state: number): { state: number; value: number } {
  const next = (state + SPLITMIX_GOLDEN_GAMMA) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return { state: next, value: z >>> 0 };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A seeded pseudo-random number generator. */
export class Prng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** Any integer seed; 0 is fine (splitmix never yields the all-zero state here). */
  constructor(seed: number) {
    let state = seed | 0;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const out = splitmix32(state);
      state = out.state;
      words.push(out.value);
    }
    [this.s0, this.s1, this.s2, this.s3] = words;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform float in [0, 1). */
  float(): number {
    return this.nextUint32() / UINT32_RANGE;
  }

  /** A uniform integer in [0, bound). The bias is below 2^-20 for the small bounds we use. */
  int(bound: number): number {
    if (!(bound >= 1 && bound <= 1 << 20)) throw new Error(`Prng.int bound out of range: ${bound}`);
    return Math.floor(this.float() * bound);
  }

  /** A uniform integer in [low, high]. */
  between(low: number, high: number): number {
    return low + this.int(high - low + 1);
  }

  /** True with the given probability. */
  chance(probability: number): boolean {
    return this.float() < probability;
  }

  /** A uniform element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Prng.pick from an empty array');
    return items[this.int(items.length)];
  }
}
