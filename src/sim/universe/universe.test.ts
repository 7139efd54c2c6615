/** The deterministic market: symbols, paths, chains, symbology, pricing, metrics, accounts. */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import fc from "fast-check";
import { blackScholes } from "./blackscholes.ts";
import { isSession, dayFromIso as parseDay, sessionCloseMs, sessionOpenMs } from "./calendar.ts";
import { createUniverse } from "./index.ts";
import { rollingVol } from "./market.ts";
import { occSymbol, parseOccSymbol, parseStreamerOptionSymbol, streamerOptionSymbol } from "./symbology.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const u = createUniverse({ seed: "test" });

describe("symbols", () => {
  test("507 unique underlyings including the ones clients special-case", () => {
    expect(u.symbols.length).toBe(507);
    expect(new Set(u.symbols).size).toBe(507);
    for (const s of ["AAPL", "MSFT", "SPY", "QQQ", "IWM", "SPX", "BRK/B", "BF/B", "F", "T"])
      expect(u.has(s)).toBe(true);
    expect(u.equity("SPY")?.isEtf).toBe(true);
    expect(u.equity("SPX")?.isIndex).toBe(true);
    expect(u.equity("NOPE")).toBeUndefined();
  });
});

describe("daily bars", () => {
  test("~3 years of exchange sessions ending today (no weekends or NYSE holidays), valid OHLC", () => {
    const b = u.dailyBars("AAPL");
    if (!b) throw new TypeError("no bars");
    expect(b.day.length).toBe(756);
    expect(b.day[b.day.length - 1]).toBe(u.todayDay);
    for (let i = 0; i < b.day.length; i++) {
      expect(isSession(b.day[i] as number)).toBe(true);
      if (i > 0) expect(b.day[i] as number).toBeGreaterThan(b.day[i - 1] as number);
      expect(b.high[i] as number).toBeGreaterThanOrEqual(Math.max(b.open[i] as number, b.close[i] as number));
      expect(b.low[i] as number).toBeLessThanOrEqual(Math.min(b.open[i] as number, b.close[i] as number));
      expect(b.low[i] as number).toBeGreaterThan(0);
      expect(b.volume[i] as number).toBeGreaterThan(0);
    }
  });

  test("same seed ⇒ identical paths; other seed ⇒ different; symbols independent of query order", () => {
    const a = createUniverse({ seed: "x" });
    const b = createUniverse({ seed: "x" });
    b.dailyBars("MSFT"); // touch another symbol first: must not shift AAPL's stream
    expect(Array.from(a.dailyBars("AAPL")?.close ?? [])).toEqual(
      Array.from(b.dailyBars("AAPL")?.close ?? []),
    );
    const c = createUniverse({ seed: "y" });
    expect(Array.from(a.dailyBars("AAPL")?.close ?? [])).not.toEqual(
      Array.from(c.dailyBars("AAPL")?.close ?? []),
    );
  });

  test("a weekend or holiday today rolls back to the previous session", () => {
    expect(createUniverse({ seed: 1, today: "2026-08-08" }).today).toBe("2026-08-07");
    expect(createUniverse({ seed: 1, today: "2026-12-25" }).today).toBe("2026-12-24");
    const b = u.dailyBars("SPY");
    const days = new Set(Array.from(b?.day ?? []));
    // Independence Day 2025 (a Friday) and Good Friday 2026 are not sessions.
    expect(days.has(parseDay("2025-07-04"))).toBe(false);
    expect(days.has(parseDay("2026-04-03"))).toBe(false);
    expect(days.has(parseDay("2025-07-03"))).toBe(true);
  });

  test("session times follow New York hours with DST and early closes", () => {
    expect(new Date(sessionOpenMs(parseDay("2026-08-04"))).toISOString()).toBe("2026-08-04T13:30:00.000Z");
    expect(new Date(sessionCloseMs(parseDay("2026-01-05"))).toISOString()).toBe("2026-01-05T21:00:00.000Z");
    expect(new Date(sessionCloseMs(parseDay("2026-11-27"))).toISOString()).toBe("2026-11-27T18:00:00.000Z");
  });
});

describe("intraday prices", () => {
  test("inside a session the price stays within that day's bar; at the close it equals the close", () => {
    const b = u.dailyBars("MSFT");
    if (!b) throw new TypeError("no bars");
    for (const i of [10, 300, b.day.length - 1]) {
      const day = b.day[i] as number;
      for (let k = 0; k <= 20; k++) {
        const t = sessionOpenMs(day) + ((sessionCloseMs(day) - sessionOpenMs(day)) * k) / 20;
        const p = u.priceAt("MSFT", Math.min(t, sessionCloseMs(day) - 1));
        expect(p).toBeGreaterThanOrEqual(b.low[i] as number);
        expect(p).toBeLessThanOrEqual(b.high[i] as number);
      }
      expect(u.priceAt("MSFT", sessionCloseMs(day) - 1)).toBeCloseTo(b.close[i] as number, 1);
    }
    expect(u.priceAt("MSFT", u.closeMs)).toBe(b.close[b.close.length - 1] as number);
  });

  test("after today's close prices keep moving smoothly around the close", () => {
    const close = u.priceAt("AAPL", u.closeMs);
    const later = [1, 60, 3600, 86_400].map((s) => u.priceAt("AAPL", u.closeMs + s * 1000));
    expect(new Set(later).size).toBeGreaterThan(1);
    for (const p of later) expect(Math.abs(Math.log(p / close))).toBeLessThan(0.1);
    expect(Math.abs(u.priceAt("AAPL", u.closeMs + 1000) - close)).toBeLessThan(close * 0.002);
  });

  test("quotes straddle the price", () => {
    const q = u.quote("SPY", u.closeMs - 3_600_000);
    if (!q) throw new TypeError("no quote");
    expect(q.bid).toBeLessThan(q.ask);
    expect(q.bid).toBeLessThanOrEqual(q.last);
    expect(q.ask).toBeGreaterThanOrEqual(q.last);
  });
});

describe("chains and symbology", () => {
  test("OCC ↔ streamer round-trip (property)", () => {
    const root = fc.stringMatching(/^[A-Z]{1,4}[0-9]?$/);
    fc.assert(
      fc.property(
        root,
        fc.integer({ min: 20_454, max: 23_000 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 99_999_999 }),
        (r, day, isCall, milli) => {
          const key = { root: r, expiration: day, isCall, strike: milli / 1000 };
          const occ = occSymbol(key);
          expect(occ.length).toBe(21);
          expect(parseOccSymbol(occ)).toEqual(key);
          expect(parseStreamerOptionSymbol(streamerOptionSymbol(key))).toEqual(key);
        },
      ),
    );
  });

  test("the reference's symbology table", () => {
    const d = (s: string) => parseOccSymbol(`X     ${s}C00001000`)?.expiration as number;
    expect(occSymbol({ root: "SPY", expiration: d("260804"), isCall: true, strike: 500 })).toBe(
      "SPY   260804C00500000",
    );
    expect(streamerOptionSymbol({ root: "SPY", expiration: d("260804"), isCall: true, strike: 500 })).toBe(
      ".SPY260804C500",
    );
    expect(occSymbol({ root: "F", expiration: d("250117"), isCall: true, strike: 2.25 })).toBe(
      "F     250117C00002250",
    );
    expect(streamerOptionSymbol({ root: "F", expiration: d("250117"), isCall: true, strike: 2.25 })).toBe(
      ".F250117C2.25",
    );
    expect(parseStreamerOptionSymbol(".BABA2251017C145")).toEqual({
      root: "BABA2",
      expiration: d("251017"),
      isCall: true,
      strike: 145,
    });
    expect(occSymbol({ root: "SPXW", expiration: d("251219"), isCall: false, strike: 5000 })).toBe(
      "SPXW  251219P05000000",
    );
  });

  test("chains: expiration kinds, strikes around the price, two-decimal strikes, digit and index roots", () => {
    const spy = u.chain("SPY");
    const exps = spy?.roots[0]?.expirations ?? [];
    expect(new Set(exps.map((e) => e.type))).toEqual(new Set(["Weekly", "Regular", "Quarterly"]));
    expect(exps[0]?.daysToExpiration).toBe(0);
    const spot = u.priceAt("SPY", u.closeMs);
    for (const e of exps) {
      expect(e.strikes[0] as number).toBeLessThan(spot);
      expect(e.strikes[e.strikes.length - 1] as number).toBeGreaterThan(spot);
      for (let i = 1; i < e.strikes.length; i++)
        expect(e.strikes[i] as number).toBeGreaterThan(e.strikes[i - 1] as number);
    }
    expect(u.chain("SPX")?.roots.map((r) => r.root)).toEqual(["SPX", "SPXW"]);
    expect(
      u.chain("SPX")?.roots[0]?.expirations.every((e) => e.settlement === "AM" && e.type === "Regular"),
    ).toBe(true);
    expect(u.chain("BABA")?.roots.map((r) => [r.root, r.chainType])).toEqual([
      ["BABA", "Standard"],
      ["BABA2", "Non-standard"],
    ]);
    expect(u.chain("BRK/B")?.roots[0]?.root).toBe("BRKB");
    const f = u.chain("F")?.roots[0]?.expirations[0]?.strikes ?? [];
    expect(f.some((k) => Math.round(k * 100) % 50 === 25)).toBe(true); // x.25 / x.75 strikes
    // Every listed contract resolves from both symbol forms.
    const e = exps[3];
    const k = e?.strikes[5] as number;
    const c = u.option(
      streamerOptionSymbol({ root: "SPY", expiration: e?.day as number, isCall: false, strike: k }),
    );
    expect(c?.underlying).toBe("SPY");
    expect(u.option(c?.occ as string)?.streamer).toBe(c?.streamer as string);
    expect(u.option(".SPY260804C99999")).toBeUndefined();
    expect(u.option(".BABA2" + (c?.streamer ?? "").slice(4))).toBeUndefined();
  });

  test("contracts are found from the chain alone: every listed one, nothing between strikes", () => {
    for (const sym of ["SPX", "BABA", "F", "BRK/B"]) {
      for (const root of u.chain(sym)?.roots ?? []) {
        for (const e of root.expirations) {
          for (const [i, strike] of e.strikes.entries()) {
            for (const isCall of [true, false]) {
              const key = { root: root.root, expiration: e.day, isCall, strike };
              const c = u.option(streamerOptionSymbol(key));
              expect(c).toMatchObject({
                ...key,
                underlying: sym,
                occ: occSymbol(key),
                settlement: e.settlement,
              });
              expect(u.option(occSymbol(key))?.streamer).toBe(streamerOptionSymbol(key));
            }
            const next = e.strikes[i + 1];
            if (next !== undefined) {
              const between = Math.round(((strike + next) / 2) * 1000) / 1000;
              expect(
                u.option(
                  streamerOptionSymbol({ root: root.root, expiration: e.day, isCall: true, strike: between }),
                ),
              ).toBeUndefined();
            }
          }
          if (!root.expirations.some((x) => x.day === e.day + 1)) {
            const unlisted = {
              root: root.root,
              expiration: e.day + 1,
              isCall: true,
              strike: e.strikes[0] as number,
            };
            expect(u.option(streamerOptionSymbol(unlisted))).toBeUndefined();
          }
        }
      }
    }
  });

  test("greeks stay the same values once their memo has let them go", () => {
    const symbols: string[] = [];
    for (const sym of u.symbols.slice(0, 60))
      for (const root of u.chain(sym)?.roots ?? [])
        for (const e of root.expirations)
          for (const strike of e.strikes)
            symbols.push(streamerOptionSymbol({ root: root.root, expiration: e.day, isCall: true, strike }));
    expect(symbols.length).toBeGreaterThan(40_000); // more than the memo holds
    const t = u.closeMs;
    const first = u.greeks(symbols[0] as string, t);
    for (const s of symbols) u.greeks(s, t);
    expect(u.greeks(symbols[0] as string, t)).toEqual(first as NonNullable<typeof first>);
  });
});

describe("pricing", () => {
  test("Black–Scholes: put–call parity and greek signs", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 5, max: 1000, noNaN: true }),
        fc.double({ min: 0.5, max: 1.5, noNaN: true }),
        fc.double({ min: 0.01, max: 2, noNaN: true }),
        fc.double({ min: 0.05, max: 1.5, noNaN: true }),
        (S, m, T, vol) => {
          const K = S * m;
          const base = { spot: S, strike: K, years: T, vol, rate: 0.04, dividendYield: 0.01 };
          const c = blackScholes({ ...base, isCall: true });
          const p = blackScholes({ ...base, isCall: false });
          const parity = S * Math.exp(-0.01 * T) - K * Math.exp(-0.04 * T);
          expect(c.price - p.price).toBeCloseTo(parity, 4);
          expect(c.delta).toBeGreaterThanOrEqual(0);
          expect(p.delta).toBeLessThanOrEqual(0);
          expect(c.gamma).toBeGreaterThanOrEqual(0);
          expect(c.vega).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });

  test("greeks come from the surface: ATM call delta ≈ 0.5, put skew (OTM puts richer)", () => {
    const exp = u.chain("SPY")?.roots[0]?.expirations.find((e) => e.daysToExpiration > 20);
    if (!exp) throw new TypeError("no expiration");
    const spot = u.priceAt("SPY", u.closeMs);
    const atm = exp.strikes.reduce((best, k) => (Math.abs(k - spot) < Math.abs(best - spot) ? k : best));
    const g = u.greeks(
      streamerOptionSymbol({ root: "SPY", expiration: exp.day, isCall: true, strike: atm }),
      u.closeMs,
    );
    expect(g?.delta).toBeGreaterThan(0.4);
    expect(g?.delta).toBeLessThan(0.65);
    const years = exp.daysToExpiration / 365;
    expect(u.impliedVol("SPY", spot * 0.9, years)).toBeGreaterThan(u.impliedVol("SPY", spot * 1.1, years));
    const q = u.quote(
      streamerOptionSymbol({ root: "SPY", expiration: exp.day, isCall: true, strike: atm }),
      u.closeMs,
    );
    expect(q?.bid).toBeLessThanOrEqual(g?.price as number);
    expect(q?.ask).toBeGreaterThanOrEqual(g?.price as number);
  });
});

describe("metrics", () => {
  test("HV30/60/90 are the path's realized volatility; rank and percentile in [0, 1]", () => {
    const m = u.metrics("TSLA");
    const b = u.dailyBars("TSLA");
    if (!m || !b) throw new TypeError("missing");
    const n = b.close.length;
    expect(m.hv30).toBeCloseTo(rollingVol(b.close, 30)[n - 1] as number, 5);
    expect(m.hv90).toBeCloseTo(rollingVol(b.close, 90)[n - 1] as number, 5);
    for (const v of [m.ivRank, m.ivPercentile]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    expect(m.ivIndex).toBeGreaterThan(0.05);
    expect(m.expirationIvs.length).toBe(
      u.chain("TSLA")?.roots.reduce((a, r) => a + r.expirations.length, 0) ?? -1,
    );
  });
});

describe("accounts", () => {
  test("balances add up from positions", () => {
    const [a] = u.accounts();
    if (!a) throw new TypeError("no account");
    const pos = u.positions(a.accountNumber, u.closeMs);
    const bal = u.balances(a.accountNumber, u.closeMs);
    const longEq = pos
      .filter((p) => p.instrumentType === "Equity" && p.direction === "Long")
      .reduce((s, p) => s + p.mark * p.quantity, 0);
    expect(bal?.longEquityValue).toBeCloseTo(longEq, 2);
    const net =
      a.cash +
      (bal?.longEquityValue ?? 0) -
      (bal?.shortEquityValue ?? 0) +
      (bal?.longDerivativeValue ?? 0) -
      (bal?.shortDerivativeValue ?? 0);
    expect(bal?.netLiquidatingValue).toBeCloseTo(net, 1);
    for (const p of pos.filter((x) => x.instrumentType === "Equity Option"))
      expect(u.option(p.symbol)).toBeDefined();
  });
});

describe("options", () => {
  test("strikesPerSide caps the chain; bad values are a usage error", () => {
    const light = createUniverse({ seed: "test", strikesPerSide: 5 });
    for (const e of light.chain("SPY")?.roots[0]?.expirations ?? [])
      expect(e.strikes.length).toBeLessThanOrEqual(11);
    expect(() => createUniverse({ strikesPerSide: 1 })).toThrow(/strikesPerSide/);
  });
});
