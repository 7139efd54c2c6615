import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { fullJitter } from "./backoff.ts";

describe("fullJitter", () => {
  test("full jitter under an exponential ceiling with a cap", () => {
    const o = { baseMs: 1000, maxMs: 30_000 };
    expect(fullJitter(0, o, () => 0.999)).toBe(999);
    expect(fullJitter(3, o, () => 0.5)).toBe(4000);
    expect(fullJitter(10, o, () => 0.999)).toBe(29_970);
    expect(fullJitter(50, o, () => 0)).toBe(0);
    expect(fullJitter(5_000, o, () => 0.5)).toBe(15_000); // no overflow on a very long outage
    expect(fullJitter(-1, o, () => 0.5)).toBe(500);
  });

  test("any retry and random draw stays in [0, min(max, base·2ⁿ))", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, baseMs, maxMs, r) => {
          const d = fullJitter(n, { baseMs, maxMs }, () => r);
          expect(Number.isInteger(d)).toBe(true);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThan(Math.max(1, Math.min(maxMs, baseMs * 2 ** n)));
        },
      ),
    );
  });
});
