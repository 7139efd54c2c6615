import { expect, setDefaultTimeout, test } from "bun:test";
import fc from "fast-check";
import {
  BucketIndex,
  indexValues,
  QuantileScratch,
  quantilesFromIndex,
  quantilesNonNegative,
  selectInPlace,
} from "./quantiles.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

function sortQuantile(sorted: number[], p: number): number {
  const h = p * (sorted.length - 1);
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

const value = fc.oneof(
  fc.double({ min: 0, max: 1, noNaN: true }),
  fc.double({ min: 1e-30, max: 1e-25, noNaN: true }), // below the bucket range: clamped, still exact
  fc.double({ min: 1e7, max: 1e12, noNaN: true }), // above the bucket range
  fc.constantFrom(0, Number.NaN, 1e-4, 1e-4), // ties and skipped NaNs
);

test("histogram selection equals sort-based type-7 quantiles", () => {
  const scratch = new QuantileScratch();
  fc.assert(
    fc.property(
      fc.array(value, { maxLength: 3000 }),
      fc.uniqueArray(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 5 }),
      (xs, ps) => {
        const probs = [...ps].sort((a, b) => a - b);
        const out = new Float64Array(probs.length);
        const r = quantilesNonNegative(Float64Array.from(xs), probs, out, scratch);
        const sorted = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
        expect(r.count).toBe(sorted.length);
        if (sorted.length === 0) return;
        expect(r.min).toBe(sorted[0]!);
        expect(r.max).toBe(sorted[sorted.length - 1]!);
        probs.forEach((p, i) => {
          expect(out[i]).toBe(sortQuantile(sorted, p));
        });
      },
    ),
    { numRuns: 300 },
  );
});

test("a monotone map is applied before interpolation", () => {
  const out = new Float64Array(1);
  quantilesNonNegative(Float64Array.from([1, 4]), [0.5], out, new QuantileScratch(), Math.sqrt);
  expect(out[0]).toBe(1.5); // (√1 + √4) / 2, not √2.5
});

test("selectInPlace finds every order statistic", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 200 }),
      fc.nat(),
      (xs, k0) => {
        const k = k0 % xs.length;
        const a = Float64Array.from(xs);
        const sorted = [...xs].sort((x, y) => x - y);
        expect(selectInPlace(a, 0, a.length - 1, k)).toBe(sorted[k]!);
        // a second selection on the reordered range is still right
        expect(selectInPlace(a, 0, a.length - 1, a.length - 1 - k)).toBe(sorted[a.length - 1 - k]!);
      },
    ),
  );
});

test("long series with NaN prefixes, ties, spikes and slow drifts stay exact", () => {
  const scratch = new QuantileScratch();
  fc.assert(
    fc.property(
      fc.integer({ min: 8192, max: 30000 }),
      fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      fc.constantFrom("iid", "walk", "ties", "spikes"),
      fc.integer({ min: 0, max: 3000 }),
      (n, seed, kind, nanPrefix) => {
        let s = seed;
        const rnd = () => {
          s = (s * 48271) % 2147483647;
          return s / 2147483647;
        };
        const xs = new Float64Array(n);
        let level = 1e-4;
        for (let i = 0; i < n; i++) {
          if (i < nanPrefix) xs[i] = Number.NaN;
          else if (kind === "iid") xs[i] = rnd() * 1e-3;
          else if (kind === "walk") xs[i] = level *= Math.exp(0.05 * (rnd() - 0.5));
          else if (kind === "ties") xs[i] = Math.floor(rnd() * 5) * 1e-4;
          else xs[i] = rnd() < 0.01 ? 1 : rnd() * 1e-6;
        }
        const probs = [0.25, 0.5, 0.75];
        const out = new Float64Array(3);
        const r = quantilesNonNegative(xs, probs, out, scratch, Math.sqrt);
        const sorted = Array.from(xs)
          .filter((x) => !Number.isNaN(x))
          .sort((a, b) => a - b);
        expect(r.count).toBe(sorted.length);
        expect(r.min).toBe(sorted[0]!);
        expect(r.max).toBe(sorted[sorted.length - 1]!);
        probs.forEach((p, i) => {
          const h = p * (sorted.length - 1);
          const lo = Math.floor(h);
          const a = Math.sqrt(sorted[lo]!);
          const b = Math.sqrt(sorted[Math.min(lo + 1, sorted.length - 1)]!);
          expect(out[i]).toBe(a + (h - lo) * (b - a));
        });
      },
    ),
    { numRuns: 60 },
  );
});

test("an index rebuilt without being consumed, or reused across series, stays exact", () => {
  const ix = new BucketIndex();
  const scratch = new QuantileScratch();
  fc.assert(
    fc.property(
      fc.array(fc.array(value, { maxLength: 400 }), { minLength: 1, maxLength: 4 }),
      fc.boolean(),
      (seriesList, consumeAll) => {
        for (let s = 0; s < seriesList.length; s++) {
          const xs = Float64Array.from(seriesList[s]!);
          indexValues(xs, ix);
          if (!consumeAll && s < seriesList.length - 1) continue; // left dirty on purpose
          const out = new Float64Array(1);
          const x = xs.length > 0 ? xs[s % xs.length]! : undefined;
          const r = quantilesFromIndex(xs, ix, [0.5], out, scratch, undefined, x);
          const sorted = Array.from(xs)
            .filter((x) => !Number.isNaN(x))
            .sort((a, b) => a - b);
          expect(r.count).toBe(sorted.length);
          if (sorted.length > 0) expect(out[0]).toBe(sortQuantile(sorted, 0.5));
          // "How many ≤ x" (the cone's latest percentile), zeros and clamped buckets included.
          if (sorted.length > 0 && x !== undefined && !Number.isNaN(x))
            expect(r.atOrBelow).toBe(sorted.filter((v) => v <= x).length);
        }
      },
    ),
    { numRuns: 200 },
  );
});
