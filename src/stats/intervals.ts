/**
 * Confidence intervals: Student t for a mean return, chi-square for a volatility.
 * Quantiles are cached per (level, degrees of freedom): a run asks for the same handful
 * thousands of times.
 */
import { chiSquareQuantile, normalQuantile, studentTQuantile } from "./distributions.ts";

export class IntervalCache {
  private readonly t = new Map<number, number>();
  private readonly chiLo = new Map<number, number>();
  private readonly chiHi = new Map<number, number>();
  readonly alpha: number;
  /** Two-sided normal critical value z_{1−α/2}. */
  readonly z: number;

  constructor(readonly confidence: number) {
    this.alpha = 1 - confidence;
    this.z = normalQuantile(1 - this.alpha / 2);
  }

  /** t_{1−α/2, ν}. */
  tCritical(nu: number): number {
    let v = this.t.get(nu);
    if (v === undefined) {
      v = studentTQuantile(1 - this.alpha / 2, nu);
      this.t.set(nu, v);
    }
    return v;
  }

  /**
   * Multipliers (low, high) such that [σ̂·low, σ̂·high] is the chi-square interval for σ with ν
   * degrees of freedom: low = √(ν/χ²_{1−α/2}), high = √(ν/χ²_{α/2}).
   */
  volMultipliers(nu: number): [number, number] {
    let lo = this.chiLo.get(nu);
    let hi = this.chiHi.get(nu);
    if (lo === undefined || hi === undefined) {
      lo = Math.sqrt(nu / chiSquareQuantile(1 - this.alpha / 2, nu));
      hi = Math.sqrt(nu / chiSquareQuantile(this.alpha / 2, nu));
      this.chiLo.set(nu, lo);
      this.chiHi.set(nu, hi);
    }
    return [lo, hi];
  }
}

/** Student-t interval for the mean of `x[from..to)`; null when fewer than two values or overflow. */
export function meanInterval(
  x: Float64Array,
  from: number,
  to: number,
  cache: IntervalCache,
): { mean: number; std: number; low: number; high: number } | null {
  const n = to - from;
  if (n < 2) return null;
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]!;
  const mean = s / n;
  let ss = 0;
  for (let i = from; i < to; i++) {
    const d = x[i]! - mean;
    ss += d * d;
  }
  const std = Math.sqrt(ss / (n - 1));
  const half = (cache.tCritical(n - 1) * std) / Math.sqrt(n);
  // Absurd price ratios (e.g. 1e-300 → 1) overflow simple returns; report null, not Infinity.
  if (!Number.isFinite(mean - half) || !Number.isFinite(mean + half)) return null;
  return { mean, std, low: mean - half, high: mean + half };
}
