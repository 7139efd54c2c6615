/**
 * Exact quantiles of a non-negative series in O(n), for the volatility cone.
 *
 * Sorting 30 rolling series of ~57k values per symbol would dominate the whole statistics run, so
 * we select instead: the high 32 bits of a non-negative IEEE double order exactly like the value,
 * and `hi >>> 12` (exponent + 8 mantissa bits, ~0.3 % wide buckets) gives a bucket over a fixed key
 * range. A `BucketIndex` holds, per bucket, the count and a linked list of the positions of its
 * values (newest first), built in one pass over each rolling series right after the kernel wrote
 * it (while it is still in cache). The quantiles then only visit the few buckets holding the
 * wanted ranks: walk their lists, gather those values, quickselect inside (min and max come out
 * of the same gather). One more pass over all values would cost as much as building the index.
 * Quantiles use linear interpolation between order statistics (Hyndman–Fan type 7, the
 * default of numpy/polars/R).
 */

export const BUCKET_SHIFT = 12;
// Keys for 2^-40 … 2^20 cover any daily variance a price series can produce (2^-40 is an
// annualised volatility of 1.5e-5; the kernels report anything below 1e-16 as exactly 0); values
// outside are clamped into the end buckets (still exact: buckets only narrow the search). A
// narrow range keeps the scans for the first used bucket short.
export const KEY_MIN = (1023 - 40) << (20 - BUCKET_SHIFT);
const KEY_MAX = (1023 + 20) << (20 - BUCKET_SHIFT);
/** Buckets 1..LAST hold positive values, bucket 0 exact zeros. */
export const LAST_BUCKET = KEY_MAX - KEY_MIN + 1;
/** NaN / ±Infinity / negative: not counted. */
export const SKIP_BUCKET = LAST_BUCKET + 1;
/** Length of a bucket-count histogram. */
export const HIST_SIZE = SKIP_BUCKET + 1;
const SIZE = HIST_SIZE;
const LAST = LAST_BUCKET;
const SKIP = SKIP_BUCKET;

/** Bucket of a non-negative double given its high 32-bit word. */
export function bucketOf(h: number): number {
  const k = (h >>> BUCKET_SHIFT) - KEY_MIN + 1;
  if (k < 1) return h === 0 ? 0 : 1;
  if (k > LAST) return h >= 0x7ff00000 ? SKIP : LAST;
  return k;
}

/**
 * Per-bucket counts and index lists of one series, reused series after series. `slots` holds,
 * per bucket b, the count at 2b and 1 + the position of the newest value at 2b + 1 (0 = empty:
 * one interleaved array, so an insertion touches one cache line, and all-zero means cleared).
 * `next[i]` is 1 + the position of the value inserted into the same bucket before position i.
 * quantilesFromIndex clears only the buckets it scanned (a few hundred of ~20k), so an index is
 * cheap to rebuild.
 */
export class BucketIndex {
  slots = new Int32Array(2 * SIZE);
  next = new Int32Array(0);
  /** Holds entries not yet cleared by quantilesFromIndex. */
  dirty = false;
  /** Values indexed (including skipped ones). */
  size = 0;
  reset(n: number): void {
    if (this.dirty) this.slots.fill(0);
    this.dirty = true;
    this.size = n;
    if (this.next.length < n) this.next = new Int32Array(Math.max(n, Math.ceil(this.next.length * 1.5)));
  }
  /** Count of bucket b. */
  count(b: number): number {
    return this.slots[2 * b]!;
  }
  /**
   * Clear buckets from..to (inclusive), the zero bucket and the skipped bucket: all that a scan
   * found in use.
   */
  clear(from: number, to: number): void {
    if (to >= from) this.slots.fill(0, 2 * from, 2 * to + 2);
    this.slots[0] = 0;
    this.slots[1] = 0;
    this.slots[2 * SKIP] = 0;
    this.slots[2 * SKIP + 1] = 0;
    this.dirty = false;
  }
}

/** Index every element of `values` (NaN entries are skipped). */
export function indexValues(values: Float64Array, ix: BucketIndex): BucketIndex {
  const n = values.length;
  ix.reset(n);
  const bits = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  const { slots, next } = ix;
  for (let i = 0; i < n; i++) {
    const h = bits[2 * i + 1]!;
    let k = (h >>> BUCKET_SHIFT) - KEY_MIN + 1;
    if (k < 1) k = h === 0 ? 0 : 1;
    else if (k > LAST) k = h >= 0x7ff00000 ? SKIP : LAST;
    const at = 2 * k;
    slots[at]!++;
    next[i] = slots[at + 1]!;
    slots[at + 1] = i + 1;
  }
  return ix;
}

/** Scratch buffers reused across calls (one set per worker). */
export class QuantileScratch {
  index = new BucketIndex();
  gathered = new Float64Array(1024);
}

const identity = (x: number) => x;

/**
 * The k-th smallest of a[lo..hi] (inclusive; k absolute), by Hoare partitioning around a
 * median-of-three pivot. Reorders a[lo..hi]; repeated calls on the same range stay correct.
 */
export function selectInPlace(a: Float64Array, lo: number, hi: number, k: number): number {
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    const x = a[lo]!;
    const y = a[mid]!;
    const z = a[hi]!;
    const pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z)); // median of three
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

export interface QuantileResult {
  count: number;
  min: number;
  max: number;
  /** With `rankOf` = x: how many values are ≤ x (NaN when not asked). */
  atOrBelow: number;
}

const xBox = new Float64Array(1);
const xBits = new Uint32Array(xBox.buffer);

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
  rankOf?: number,
): QuantileResult {
  indexValues(values, scratch.index);
  return quantilesFromIndex(values, scratch.index, probs, out, scratch, map, rankOf);
}

/**
 * Quantiles of `values` from a bucket index built over them (by indexValues or by a kernel that
 * inserted each value as it wrote it): gathers only the buckets holding the wanted ranks.
 */
export function quantilesFromIndex(
  values: Float64Array,
  ix: BucketIndex,
  probs: readonly number[],
  out: Float64Array,
  scratch: QuantileScratch,
  map: (x: number) => number = identity,
  rankOf?: number,
): QuantileResult {
  const { slots, next } = ix;
  const count = ix.size - slots[2 * SKIP]!;
  // Bucket 0 (exact zeros, common: clipped estimates) is visited on its own, then the scan jumps
  // to the first used positive bucket: the thousands of empty ones in between are never touched.
  let first = 1;
  if (count > slots[0]!) while (slots[2 * first] === 0) first++;
  if (count === 0) {
    ix.clear(1, 0);
    return { count, min: Number.NaN, max: Number.NaN, atOrBelow: Number.NaN };
  }
  // The bucket of `rankOf` is gathered too, so "how many ≤ x" costs no extra pass.
  let xBucket = -1;
  if (rankOf !== undefined && rankOf >= 0 && Number.isFinite(rankOf)) {
    xBox[0] = rankOf;
    xBucket = bucketOf(xBits[1]!);
  }

  // Ranks wanted (0-based): floor and ceil of p·(count−1) per p, plus the extremes.
  const m = probs.length;
  const ranks: number[] = [0, count - 1];
  const frac: number[] = [];
  for (let q = 0; q < m; q++) {
    const h = probs[q]! * (count - 1);
    const lo = Math.floor(h);
    frac.push(h - lo);
    ranks.push(lo, Math.min(lo + 1, count - 1));
  }
  // Bucket of each wanted rank, the rank of each wanted bucket's first element, and where its
  // values go in the gather buffer.
  const rankBucket = new Int32Array(ranks.length);
  const wanted: number[] = [];
  const startRank: number[] = [];
  const offset: number[] = [];
  let total = 0;
  let atOrBelow = Number.NaN;
  let last = first;
  {
    let cum = 0;
    for (let b = 0; b <= LAST; b = b === 0 ? first : b + 1) {
      const c = slots[2 * b]!;
      if (c === 0) continue;
      let hit = b === xBucket;
      for (let r = 0; r < ranks.length; r++) {
        if (ranks[r]! >= cum && ranks[r]! < cum + c) {
          rankBucket[r] = b;
          hit = true;
        }
      }
      if (hit) {
        wanted.push(b);
        startRank.push(cum);
        offset.push(total);
        total += c;
      }
      cum += c;
      if (cum === count) {
        last = b;
        break; // every value counted
      }
    }
  }
  if (scratch.gathered.length < total)
    scratch.gathered = new Float64Array(Math.max(total, scratch.gathered.length * 2));
  const g = scratch.gathered;
  for (let w = 0; w < wanted.length; w++) {
    let o = offset[w]!;
    for (let p = slots[2 * wanted[w]! + 1]!; p > 0; p = next[p - 1]!) g[o++] = values[p - 1]!;
  }
  // Quickselect inside the bucket: linear in its size, where sorting it was a measurable share
  // of the whole cone.
  const orderStat = (r: number): number => {
    const w = wanted.indexOf(rankBucket[r]!);
    const from = offset[w]!;
    return selectInPlace(g, from, from + slots[2 * wanted[w]!]! - 1, from + (ranks[r]! - startRank[w]!));
  };
  for (let q = 0; q < m; q++) {
    // Interpolate after mapping so quantiles of f(x) are exact for monotone f (e.g. variance →
    // annualised volatility).
    const a = map(orderStat(2 + 2 * q));
    const b = map(orderStat(3 + 2 * q));
    out[q] = a + frac[q]! * (b - a);
  }
  if (xBucket >= 0) {
    atOrBelow = xBucket > 0 ? slots[0]! : 0;
    for (let b = first; b < xBucket && b <= last; b++) atOrBelow += slots[2 * b]!;
    const w = wanted.indexOf(xBucket);
    if (w >= 0) {
      const from = offset[w]!;
      const to = from + slots[2 * xBucket]!;
      for (let i = from; i < to; i++) if (g[i]! <= rankOf!) atOrBelow++;
    }
  }
  const min = orderStat(0);
  const max = orderStat(1);
  ix.clear(first, last);
  return { count, min, max, atOrBelow };
}
