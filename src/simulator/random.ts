/**
 * Deterministic pseudo-randomness keyed by integers, so any generated event can be rebuilt
 * from (seed, range, index) alone without keeping state.
 */

/** 32-bit integer hash of a sequence of integers (murmur3-style finaliser per step). */
export function hashInts(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const value of values) {
    // Split into two 32-bit halves so indexes and ids above 2^32 still mix in fully.
    h = mixStep(h, value >>> 0);
    h = mixStep(h, Math.floor(value / 0x100000000) >>> 0);
  }
  return h >>> 0;
}

function mixStep(h: number, k: number): number {
  let x = Math.imul(h ^ k, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Small fast PRNG (mulberry32) for the several random choices one event needs. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Next 32-bit unsigned integer. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return this.next() % n;
  }
  /** Integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() / 0x100000000 < p;
  }
  /** `digits` lowercase hex digits. */
  hex(digits: number): string {
    let out = '';
    let word = 0;
    for (let n = 0; n < digits; n += 2) {
      if (n % 8 === 0) word = this.next();
      out += HEX_BYTE[word & 0xff] as string;
      word >>>= 8;
    }
    return digits % 2 === 0 ? out : out.slice(0, digits);
  }
  /** Version-4-shaped UUID. */
  uuid(): string {
    const h = this.hex(32);
    const variant = HEX_VARIANT[this.next() & 3] as string;
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

const HEX_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
const HEX_VARIANT = ['8', '9', 'a', 'b'];

/** Deterministic UUID from integers. */
export function uuidFrom(...values: number[]): string {
  return new Rng(hashInts(...values)).uuid();
}
