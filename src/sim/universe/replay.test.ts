/**
 * A universe whose paths run on to a later `pathEnd` shows the market as it was on `today`: the
 * same history every day (day d's bars are the same from any later day), nothing after today
 * visible, and the last day of the replay identical to the plain universe of that day. Option
 * activity (open interest, volume, last) is a pure function of (seed, symbol, time).
 */
import { describe, expect, test } from "bun:test";
import { createUniverse } from "./index.ts";

const END = "2026-08-04";

describe("replayed market days (pathEnd)", () => {
  test("each day sees one history up to itself; the last day is the plain universe", () => {
    const plain = createUniverse({ seed: 3 });
    const days = ["2026-07-29", "2026-07-30", "2026-07-31", "2026-08-03", END];
    const views = days.map((today) => createUniverse({ seed: 3, today, pathEnd: END }));
    const full = plain.dailyBars("AAPL")!;
    views.forEach((u, k) => {
      const b = u.dailyBars("AAPL")!;
      const n = b.day.length;
      expect(b.day[n - 1]).toBe(u.todayDay);
      // No later bar is visible, and every visible bar is the plain universe's bar of that day.
      expect(Array.from(b.close)).toEqual(Array.from(full.close.subarray(0, n)));
      expect(n).toBe(full.day.length - (days.length - 1 - k));
      // The price at the day's close is that day's bar close.
      expect(u.priceAt("AAPL", u.closeMs)).toBe(b.close[n - 1] as number);
    });
    const closes = views.map((u) => u.priceAt("SPY", u.closeMs));
    expect(new Set(closes).size).toBe(days.length);
    const ivs = views.map((u) => u.metrics("SPY")!.ivIndex);
    expect(new Set(ivs).size).toBeGreaterThan(1);
    // The last day of the replay is byte for byte the plain universe.
    const last = views[views.length - 1]!;
    expect(JSON.stringify(last.chain("SPY"))).toBe(JSON.stringify(plain.chain("SPY")));
    expect(JSON.stringify(last.metrics("AAPL"))).toBe(JSON.stringify(plain.metrics("AAPL")));
    // Chains follow the day: expirations start on or after it, strikes centre on its price.
    const first = views[0]!;
    const exp = first.chain("SPY")!.roots[0]!.expirations;
    expect(exp[0]!.day).toBeGreaterThanOrEqual(first.todayDay);
    expect(exp[0]!.daysToExpiration).toBe(exp[0]!.day - first.todayDay);
  });

  test("pathEnd before today, or too little history left, is a usage error", () => {
    expect(() => createUniverse({ today: END, pathEnd: "2026-07-01" })).toThrow(/is before today/);
    const u = createUniverse({ today: "2023-09-01", pathEnd: END });
    expect(() => u.dailyBars("SPY")).toThrow(/fewer than 100 sessions/);
  });

  test("option activity is seeded, near-the-money options trade most, and volume grows in the session", () => {
    const u = createUniverse({ seed: 3 });
    const chain = u.chain("SPY")!.roots[0]!;
    const e = chain.expirations[3]!;
    const spot = u.priceAt("SPY", u.closeMs);
    const atm = [...e.strikes].sort((a, b) => Math.abs(a - spot) - Math.abs(b - spot))[0]!;
    const far = e.strikes[0]!;
    const sym = (k: number) => `.SPY${e.date.slice(2).replace(/-/g, "")}C${k}`;
    const a = u.optionActivity(sym(atm), u.closeMs)!;
    const b = u.optionActivity(sym(far), u.closeMs)!;
    expect(a.volume).toBeGreaterThan(b.volume);
    expect(a.openInterest).toBeGreaterThan(b.openInterest);
    expect(createUniverse({ seed: 3 }).optionActivity(sym(atm), u.closeMs)).toEqual(a);
    const midday = u.optionActivity(sym(atm), u.closeMs - 3 * 3600_000)!;
    expect(midday.volume).toBeLessThan(a.volume);
    expect(midday.openInterest).toBe(a.openInterest);
    expect(a.last).toBe(Math.max(0.01, Math.round(u.greeks(sym(atm), u.closeMs)!.price * 100) / 100));
    expect(u.optionActivity("SPY", u.closeMs)).toBeUndefined();
  });
});
