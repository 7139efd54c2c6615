/**
 * The simulated exchange's option events through the real DXLink client: Quote, Greeks, Summary and
 * Trade for chain options agree with the sim's chains, its volatility surface and Black–Scholes
 * (delta signs, put–call parity, IV from the surface), with its REST quotes and its option
 * activity; the same seed gives the same numbers on every connection; and options that never
 * answer (the `mute-options` fault) are counted and named, not lost.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { DxlinkClient } from "../../client/index.ts";
import { sessionCloseUtc } from "../../core/time.ts";
import { occSymbol, optionMutedForSeed } from "../../sim/index.ts";
import type { Harness } from "../../sim/testing/harness.ts";
import { harness } from "../../sim/testing/harness.ts";
import { collectOptionSnapshot, type OptionSnapshot } from "./option-snapshot.ts";

setDefaultTimeout(60_000);

const SEED = "7";

/** Streamer symbols of a few expirations of SPY and AAPL, both sides, around the money. */
function chainOptions(h: Harness, underlyings: string[], perUnderlying: number): string[] {
  const out: string[] = [];
  for (const u of underlyings) {
    const chain = h.sim.universe.chain(u)!;
    const spot = h.sim.universe.priceAt(u, h.sim.universe.closeMs);
    const root = chain.roots[0]!;
    for (const e of root.expirations.slice(1, 4)) {
      const near = [...e.strikes]
        .sort((a, b) => Math.abs(a - spot) - Math.abs(b - spot))
        .slice(0, perUnderlying);
      for (const k of near) {
        for (const isCall of [true, false]) {
          const key = { root: root.root, expiration: e.day, strike: k, isCall };
          out.push(h.sim.universe.option(occSymbol(key))!.streamer);
        }
      }
    }
  }
  return out;
}

async function snapshot(
  h: Harness,
  symbols: string[],
  o: { idleMs?: number; window?: number } = {},
): Promise<OptionSnapshot> {
  const t = await h.json<{ data: { token: string; "dxlink-url": string } }>("/api-quote-tokens");
  const dx = new DxlinkClient({
    getQuoteToken: async () => ({
      token: t.data.token,
      dxlinkUrl: t.data["dxlink-url"],
      expiresAt: Date.now() + 3_600_000,
    }),
    batchDelayMs: 5,
  });
  dx.start();
  try {
    return await collectOptionSnapshot(dx, symbols, { timeoutMs: 30_000, graceMs: 2_000, ...o });
  } finally {
    await dx.close("test done");
  }
}

describe("sim option events through the DXLink client", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ seed: SEED, dxlink: { marketNow: () => h.sim.universe.closeMs } });
  });
  afterAll(async () => {
    await h.sim.stop();
  });

  test("every chain option answers Quote, Greeks, Summary and Trade, consistent with the sim's model", async () => {
    const u = h.sim.universe;
    const symbols = chainOptions(h, ["SPY", "AAPL"], 6);
    expect(symbols.length).toBe(2 * 3 * 6 * 2);
    const snap = await snapshot(h, symbols);
    expect(snap.unanswered).toEqual([]);
    expect(snap.endedBy).toBe("complete");
    const t = u.closeMs;
    for (const s of symbols) {
      const tick = snap.ticks.get(s)!;
      expect(tick.seen).toBe(15); // Quote, Greeks, Summary and Trade all arrived
      const c = u.option(s)!;
      const g = u.greeks(s, t)!;
      // Greeks are the sim's Black–Scholes on its surface.
      expect(tick.impliedVolatility).toBeCloseTo(g.volatility, 10);
      expect(tick.theoPrice).toBeCloseTo(g.price, 10);
      if (c.isCall) {
        expect(tick.delta!).toBeGreaterThan(0);
        expect(tick.delta!).toBeLessThan(1);
      } else {
        expect(tick.delta!).toBeGreaterThan(-1);
        expect(tick.delta!).toBeLessThan(0);
      }
      expect(tick.gamma!).toBeGreaterThan(0);
      expect(tick.vega!).toBeGreaterThan(0);
      // The quote is the REST quote; it straddles the model value.
      const q = u.quote(s, t)!;
      expect([tick.bid, tick.ask]).toEqual([q.bid, q.ask]);
      expect(tick.bid!).toBeLessThanOrEqual(g.price + 1e-9);
      expect(tick.ask!).toBeGreaterThanOrEqual(g.price - 1e-9);
      // Summary and Trade carry the option's activity.
      const a = u.optionActivity(s, t)!;
      expect(tick.openInterest).toBe(a.openInterest);
      expect(tick.volume).toBe(a.volume);
      expect(tick.last).toBe(a.last);
      expect(a.openInterest).toBeGreaterThanOrEqual(0);
    }
  });

  test("implied volatility is the sim's surface at the option's strike and maturity", async () => {
    const u = h.sim.universe;
    const symbols = chainOptions(h, ["QQQ"], 4);
    const snap = await snapshot(h, symbols);
    for (const s of symbols) {
      const c = u.option(s)!;
      expect(c.settlement).toBe("PM"); // QQQ: expires at the session close of its expiration day
      const years = (sessionCloseUtc(c.expiration) - u.closeMs) / (365 * 86_400_000);
      expect(snap.ticks.get(s)!.impliedVolatility).toBeCloseTo(u.impliedVol("QQQ", c.strike, years), 10);
    }
  });

  test("put–call parity holds for the theoretical prices (dividend yield and rate of the sim)", async () => {
    const u = h.sim.universe;
    const symbols = chainOptions(h, ["SPY", "AAPL"], 3);
    const snap = await snapshot(h, symbols);
    let pairs = 0;
    for (const s of symbols.filter((x) => u.option(x)!.isCall)) {
      const c = u.option(s)!;
      const put = symbols.find((x) => {
        const p = u.option(x)!;
        return !p.isCall && p.root === c.root && p.expiration === c.expiration && p.strike === c.strike;
      })!;
      const call = snap.ticks.get(s)!.theoPrice!;
      const putPrice = snap.ticks.get(put)!.theoPrice!;
      const spot = u.priceAt(c.underlying, u.closeMs);
      const q = u.profile(c.underlying)!.dividendYield;
      const years = Math.max(sessionCloseUtc(c.expiration) - u.closeMs, 0) / (365 * 86_400_000);
      const parity = spot * Math.exp(-q * years) - c.strike * Math.exp(-u.riskFreeRate * years);
      // The normal CDF approximation is good to ~1e-7 per unit of price.
      expect(Math.abs(call - putPrice - parity)).toBeLessThan(1e-6 * Math.max(spot, c.strike));
      pairs++;
    }
    expect(pairs).toBe(symbols.length / 2);
  });

  test("the same seed gives the same numbers on a second connection", async () => {
    const symbols = chainOptions(h, ["AAPL"], 3);
    const a = await snapshot(h, symbols);
    const b = await snapshot(h, symbols);
    for (const s of symbols) {
      const { seen: _a, ...x } = a.ticks.get(s)!;
      const { seen: _b, ...y } = b.ticks.get(s)!;
      expect(y).toEqual(x);
    }
  });
});

describe("options that never answer", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({
      seed: SEED,
      faults: "mute-options=0.1",
      dxlink: { marketNow: () => h.sim.universe.closeMs },
    });
  });
  afterAll(async () => {
    await h.sim.stop();
  });

  test("are counted and named with what they lacked; the others are complete", async () => {
    const symbols = chainOptions(h, ["SPY", "AAPL"], 6);
    // The fault mutes a seeded fraction: exactly these symbols must be reported.
    const muted = symbols.filter((s) => optionMutedForSeed(SEED, s, 0.1)).sort();
    expect(muted.length).toBeGreaterThan(0);
    const snap = await snapshot(h, symbols, { idleMs: 1_500 });
    expect(snap.endedBy).toBe("idle");
    expect(snap.unanswered.map((x) => x.symbol).sort()).toEqual(muted);
    for (const x of snap.unanswered) expect(x.lacks).toEqual(["Quote", "Greeks"]);
    for (const s of symbols) if (!muted.includes(s)) expect(snap.ticks.get(s)!.seen).toBe(15);
  });

  test("subscribed a few at a time: silent symbols filling the window do not stall the rest", async () => {
    const symbols = chainOptions(h, ["SPY", "AAPL"], 6);
    const muted = symbols.filter((s) => optionMutedForSeed(SEED, s, 0.1)).sort();
    // A window smaller than the muted set: it fills with silent symbols and must still move on.
    const window = Math.max(1, muted.length - 1);
    const snap = await snapshot(h, symbols, { idleMs: 1_500, window });
    expect(snap.unanswered.map((x) => x.symbol).sort()).toEqual(muted);
    for (const s of symbols) if (!muted.includes(s)) expect(snap.ticks.get(s)!.seen).toBe(15);
  });

  test("a symbol the feed does not know never answers and is reported, not dropped", async () => {
    const known = chainOptions(h, ["QQQ"], 1).filter((s) => !optionMutedForSeed(SEED, s, 0.1));
    const snap = await snapshot(h, [...known, ".NOPE260821C100"], { idleMs: 1_000 });
    expect(snap.unanswered).toEqual([{ symbol: ".NOPE260821C100", lacks: ["Quote", "Greeks"] }]);
  });
});
