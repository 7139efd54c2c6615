/**
 * Exact quantiles of a non-negative series in O(n), for the volatility cone.
 *
 * Sorting 30 rolling series of ~57k values per symbol would dominate the whole statistics run, so
 * we select instead: the high 32 bits of a non-negative IEEE double order exactly like the value,
 * and `hi >>> 14` (exponent + 6 mantissa bits, ~1 % wide buckets) makes a histogram over a fixed
 * key range. One counting pass finds the buckets holding the wanted ranks, one gathering pass
 * copies only those buckets' values, and a small sort resolves the exact order statistics.
 * Quantiles use linear interpolation between order statistics (Hyndman–Fan type 7, the
 * default of numpy/polars/R).
 */

const SHIFT = 14;
// Keys for 2^-60 … 2^20 cover any variance a price series can produce; values outside are
// clamped into the end buckets (still exact: buckets only narrow the search).
const KEY_MIN = (1023 - 60) << (20 - SHIFT);
const KEY_MAX = (1023 + 20) << (20 - SHIFT);
const BUCKETS = KEY_MAX - KEY_MIN + 2; // + bucket 0 for exact zeros

/** Scratch buffers reused across calls (one set per worker). */
export class QuantileScratch {
  counts = new Int32Array(BUCKETS);
  gathered = new Float64Array(1024);
}

function bucketOf(hi: number): number {
  if (hi === 0) return 0;
  const k = (hi >>> SHIFT) - KEY_MIN + 1;
  return Math.min(Math.max(k, 1), BUCKETS - 1);
}

const identity = (x: number) => x;

export interface QuantileResult {
  count: number;
  min: number;
  max: number;
}

/**
 * Quantiles `probs` (ascending, in [0, 1]) of `map(v)` over the finite values v of `values`
 * (NaN entries are skipped; values must be ≥ 0; `map` must be non-decreasing), written to `out`.
 * Returns the count and the raw min/max; count 0 leaves `out` untouched.
 */
export function quantilesNonNegative(
  values: Float64Array,
  probs: readonly number[],
  out: Float64Array,
  scratch: QuantileScratch = new QuantileScratch(),
  map: (x: number) => number = identity,
): QuantileResult {
  const n = values.length;
  const bits = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  const counts = scratch.counts;
  counts.fill(0);
  let count = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    count++;
    if (v < min) min = v;
    if (v > max) max = v;
    counts[bucketOf(bits[2 * i + 1]!)]!++;
  }
  if (count === 0) return { count, min: Number.NaN, max: Number.NaN };

  // Ranks needed (0-based): floor and ceil of p·(count−1) for each p.
  const m = probs.length;
  const lo = new Int32Array(m);
  const frac = new Float64Array(m);
  let bucketLo = BUCKETS;
  let bucketHi = -1;
  const wantLo = new Int32Array(m);
  const wantHi = new Int32Array(m);
  for (let q = 0; q < m; q++) {
    const h = probs[q]! * (count - 1);
    lo[q] = Math.floor(h);
    frac[q] = h - lo[q]!;
    wantLo[q] = lo[q]!;
    wantHi[q] = Math.min(lo[q]! + 1, count - 1);
  }
  // Map each wanted rank to its bucket, and remember the rank at each gathered bucket's start.
  const rankBucketLo = new Int32Array(m);
  const rankBucketHi = new Int32Array(m);
  {
    let cum = 0;
    let q1 = 0;
    let q2 = 0;
    for (let b = 0; b < BUCKETS && (q1 < m || q2 < m); b++) {
      const c = counts[b]!;
      while (q1 < m && wantLo[q1]! < cum + c) rankBucketLo[q1++] = b;
      while (q2 < m && wantHi[q2]! < cum + c) rankBucketHi[q2++] = b;
      cum += c;
    }
  }
  for (let q = 0; q < m; q++) {
    if (rankBucketLo[q]! < bucketLo) bucketLo = rankBucketLo[q]!;
    if (rankBucketHi[q]! > bucketHi) bucketHi = rankBucketHi[q]!;
  }
  // Mark buckets to gather and compute the rank of each gathered bucket's first element.
  const wanted = new Uint8Array(bucketHi - bucketLo + 1);
  for (let q = 0; q < m; q++) {
    wanted[rankBucketLo[q]! - bucketLo] = 1;
    wanted[rankBucketHi[q]! - bucketLo] = 1;
  }
  let total = 0;
  const startRank = new Int32Array(bucketHi - bucketLo + 1);
  const offset = new Int32Array(bucketHi - bucketLo + 1);
  {
    let cum = 0;
    for (let b = 0; b < bucketLo; b++) cum += counts[b]!;
    for (let b = bucketLo; b <= bucketHi; b++) {
      startRank[b - bucketLo] = cum;
      if (wanted[b - bucketLo]) {
        offset[b - bucketLo] = total;
        total += counts[b]!;
      }
      cum += counts[b]!;
    }
  }
  if (scratch.gathered.length < total)
    scratch.gathered = new Float64Array(Math.max(total, scratch.gathered.length * 2));
  const g = scratch.gathered;
  const fill = new Int32Array(bucketHi - bucketLo + 1);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    const b = bucketOf(bits[2 * i + 1]!);
    if (b < bucketLo || b > bucketHi) continue;
    const rel = b - bucketLo;
    if (wanted[rel] === 0) continue;
    g[offset[rel]! + fill[rel]!++] = v;
  }
  for (let rel = 0; rel < wanted.length; rel++) {
    if (wanted[rel]) g.subarray(offset[rel]!, offset[rel]! + counts[rel + bucketLo]!).sort();
  }
  const orderStat = (rank: number, bucket: number): number => {
    const rel = bucket - bucketLo;
    return g[offset[rel]! + (rank - startRank[rel]!)]!;
  };
  for (let q = 0; q < m; q++) {
    // Interpolate after mapping so quantiles of f(x) are exact for monotone f (e.g. variance →
    // annualised volatility).
    const a = map(orderStat(wantLo[q]!, rankBucketLo[q]!));
    const b = map(orderStat(wantHi[q]!, rankBucketHi[q]!));
    out[q] = a + frac[q]! * (b - a);
  }
  return { count, min, max };
}
