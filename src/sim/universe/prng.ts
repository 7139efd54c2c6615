/**
 * Seeded randomness. Every random quantity in the sim is drawn from a stream keyed by
 * (seed, symbol, purpose), so generating AAPL's chain never shifts MSFT's prices and the same seed
 * always gives the same market regardless of the order in which things are asked for.
 */

import { mulberry32 } from "../../core/prng.ts";

/** 32-bit FNV-1a hash of a string, then avalanche-mixed (murmur3 finaliser). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

export function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A deterministic uniform in [0, 1) from a key: for one-off draws that need no stream. */
export function unitHash(key: string): number {
  return hash32(key) / 4294967296;
}

/** Small, fast PRNG (mulberry32): plenty for simulated prices, and trivially reproducible. */
export class Rng {
  private readonly draw: () => number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    this.draw = mulberry32(seed);
  }

  static fromKey(...parts: (string | number)[]): Rng {
    return new Rng(hash32(parts.join("\u0001")));
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.draw();
  }

  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  int(lo: number, hiInclusive: number): number {
    return lo + Math.floor(this.next() * (hiInclusive - lo + 1));
  }

  /** Standard normal (Box–Muller, caching the second value). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u <= 1e-12) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
}
