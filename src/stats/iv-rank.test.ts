import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { daysFromCivil } from "../core/bars.ts";
import { isTradingDay } from "../core/time.ts";
import { atmIv30, atmIvOfExpiration, type OptionIvPoint } from "./atm-iv.ts";
import { type IvObservation, ivRank, windowStart } from "./iv-rank.ts";

/** `n` consecutive trading days ending at `last` (inclusive), oldest first. */
function tradingDays(last: number, n: number): number[] {
  const out: number[] = [];
  for (let d = last; out.length < n; d--) if (isTradingDay(d)) out.unshift(d);
  return out;
}

const TODAY = daysFromCivil(2026, 8, 4); // a Tuesday

describe("IV rank and percentile", () => {
  test("known values: rank against min/max, percentile as the share of days below", () => {
    const days = tradingDays(TODAY, 21);
    // 20 earlier days at 0.10 … 0.29, today 0.25.
    const hist: IvObservation[] = days.slice(0, 20).map((day, i) => ({ day, value: 0.1 + i / 100 }));
    hist.push({ day: TODAY, value: 0.25 });
    const r = ivRank(hist, TODAY);
    expect(r.days).toBe(21);
    expect(r.rank).toBeCloseTo((0.25 - 0.1) / (0.29 - 0.1), 12);
    expect(r.percentile).toBeCloseTo(15 / 20, 12); // 0.10 … 0.24 are below
    expect(r.note).toBeNull();
  });

  test("fewer than 20 days: insufficient history, null — never a number from 3 points", () => {
    const days = tradingDays(TODAY, 3);
    const r = ivRank(
      days.map((day, i) => ({ day, value: 0.2 + i / 100 })),
      TODAY,
    );
    expect(r).toEqual({
      value: 0.22,
      rank: null,
      percentile: null,
      days: 3,
      note: "insufficient history (3 of 20 days)",
    });
  });

  test("the window is the last 252 trading days: older values do not count", () => {
    const days = tradingDays(TODAY, 300);
    const hist = days.map((day, i) => ({ day, value: i < 48 ? 5 : 0.2 + (i % 7) / 100 })); // spikes only before the window
    const r = ivRank(hist, TODAY);
    expect(r.days).toBe(252);
    expect(windowStart(TODAY)).toBe(days[48]!);
    expect(r.rank).not.toBeNull();
    expect(r.rank!).toBeLessThanOrEqual(1);
    // Missing and unusable days are not counted.
    const gappy = hist.filter((_, i) => i % 2 === 0).concat([{ day: TODAY, value: 0.2 }]);
    expect(ivRank(gappy, TODAY).days).toBeLessThan(252);
    expect(ivRank([...hist.slice(0, -1), { day: TODAY, value: null }], TODAY).note).toBe("no current value");
  });

  test("property: rank and percentile lie in [0, 1] and rank is 0/1 at the window's low/high", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.01, max: 3, noNaN: true }), { minLength: 20, maxLength: 300 }),
        (vals) => {
          const days = tradingDays(TODAY, vals.length);
          const hist = vals.map((value, i) => ({ day: days[i]!, value }));
          const r = ivRank(hist, TODAY);
          const win = vals.slice(-252);
          const x = vals.at(-1)!;
          expect(r.days).toBe(win.length);
          if (r.rank !== null) {
            expect(r.rank).toBeGreaterThanOrEqual(0);
            expect(r.rank).toBeLessThanOrEqual(1);
            if (x === Math.min(...win)) expect(r.rank).toBe(0);
            if (x === Math.max(...win)) expect(r.rank).toBe(1);
          } else expect(Math.min(...win)).toBe(Math.max(...win));
          expect(r.percentile!).toBeGreaterThanOrEqual(0);
          expect(r.percentile!).toBeLessThanOrEqual(1);
          expect(r.percentile!).toBeCloseTo(
            win.slice(0, -1).filter((v) => v < x).length / (win.length - 1),
            12,
          );
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("30-day at-the-money IV", () => {
  const chain = (dte: number, ivAt: (k: number) => number): OptionIvPoint[] =>
    [90, 95, 100, 105, 110].flatMap((strike) => [
      { dte, strike, type: "C" as const, iv: ivAt(strike) },
      { dte, strike, type: "P" as const, iv: ivAt(strike) + 0.02 },
    ]);

  test("ATM of one expiration: linear in strike between the bracketing strikes, calls and puts averaged", () => {
    const pts = chain(30, (k) => 0.2 + (100 - k) / 1000);
    // At 102.5: between 100 (0.21 mean) and 105 (0.205 mean).
    expect(atmIvOfExpiration(pts, 102.5)).toBeCloseTo(0.2075, 12);
    expect(atmIvOfExpiration(pts, 100)).toBeCloseTo(0.21, 12);
    expect(atmIvOfExpiration(pts, 111)).toBeCloseTo(0.2, 12); // nearest strike within 2.5%
    expect(atmIvOfExpiration(pts, 130)).toBeNull();
  });

  test("variance interpolation between the expirations bracketing 30 days", () => {
    const pts = [...chain(20, () => 0.2), ...chain(45, () => 0.3), ...chain(90, () => 0.5)];
    const r = atmIv30(pts, 100);
    const s1 = 0.21; // call 0.20, put 0.22
    const s2 = 0.31;
    const w = s1 * s1 * 20 + ((s2 * s2 * 45 - s1 * s1 * 20) * (30 - 20)) / (45 - 20);
    expect(r.value).toBeCloseTo(Math.sqrt(w / 30), 12);
    expect([r.nearDte, r.farDte]).toEqual([20, 45]);
    // An expiration at exactly 30 days is used as is; flat term structure stays flat.
    expect(atmIv30([...chain(30, () => 0.25), ...chain(60, () => 0.4)], 100).value).toBeCloseTo(0.26, 12);
    expect(atmIv30([...chain(10, () => 0.25), ...chain(50, () => 0.25)], 100).value).toBeCloseTo(0.26, 12);
  });

  test("no bracket, no price, no usable IV: null with a note", () => {
    expect(atmIv30([...chain(40, () => 0.2), ...chain(60, () => 0.2)], 100).note).toBe(
      "no expirations on both sides of 30 days (have 40, 60 days)",
    );
    expect(
      atmIv30(
        chain(20, () => 0.2),
        null,
      ).note,
    ).toBe("no underlying price");
    expect(
      atmIv30(
        chain(20, () => Number.NaN),
        100,
      ).note,
    ).toBe("no expiration with an at-the-money IV");
  });
});
