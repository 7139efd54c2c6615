/**
 * The option filter, pure: nearest N expirations across an underlying's roots, strikes within ±x
 * of its price, both sides; underlyings without a price and contracts without a streamer symbol
 * are reported by name instead of vanishing; expired expirations are skipped; bad config is one
 * clear usage error.
 */
import { describe, expect, test } from "bun:test";
import pl from "nodejs-polars";
import { checkFilter, selectOptions, underlyingPrices } from "./option-select.ts";

const DAY = (iso: string) => Math.floor(Date.parse(`${iso}T00:00:00Z`) / 86_400_000);

function chains(rows: [string, string, string, number, boolean][]): pl.DataFrame {
  // underlying, root, expiration, strike, has streamer symbols
  const occ = (r: string, e: string, t: string, k: number) =>
    `${r.padEnd(6)}${e.slice(2).replace(/-/g, "")}${t}${String(k * 1000).padStart(8, "0")}`;
  const st = (r: string, e: string, t: string, k: number) => `.${r}${e.slice(2).replace(/-/g, "")}${t}${k}`;
  return pl
    .DataFrame([
      pl.Series(
        "underlying_symbol",
        rows.map((r) => r[0]),
        pl.Utf8,
      ),
      pl.Series(
        "root_symbol",
        rows.map((r) => r[1]),
        pl.Utf8,
      ),
      pl.Series(
        "expiration_date",
        rows.map((r) => r[2]),
        pl.Utf8,
      ),
      pl.Series(
        "strike_price",
        rows.map((r) => r[3]),
        pl.Float64,
      ),
      pl.Series(
        "call",
        rows.map((r) => occ(r[1], r[2], "C", r[3])),
        pl.Utf8,
      ),
      pl.Series(
        "call_streamer_symbol",
        rows.map((r) => (r[4] ? st(r[1], r[2], "C", r[3]) : null)),
        pl.Utf8,
      ),
      pl.Series(
        "put",
        rows.map((r) => occ(r[1], r[2], "P", r[3])),
        pl.Utf8,
      ),
      pl.Series(
        "put_streamer_symbol",
        rows.map((r) => (r[4] ? st(r[1], r[2], "P", r[3]) : null)),
        pl.Utf8,
      ),
    ])
    .withColumns(pl.col("expiration_date").str.strptime(pl.Date, "%Y-%m-%d"));
}

describe("selectOptions", () => {
  const df = chains([
    ["SPX", "SPXW", "2026-08-03", 5000, true], // expired
    ["SPX", "SPXW", "2026-08-04", 5000, true],
    ["SPX", "SPXW", "2026-08-04", 7000, true], // beyond +20 %
    ["SPX", "SPX", "2026-08-21", 5500, true], // AM root, second expiration
    ["SPX", "SPXW", "2026-08-28", 5600, true], // third: beyond N = 2
    ["AAPL", "AAPL", "2026-08-07", 230, false], // no streamer symbols
    ["AAPL", "AAPL", "2026-08-07", 240, true],
    ["NOPX", "NOPX", "2026-08-07", 10, true], // no price
  ]);
  const prices = new Map([
    ["SPX", 5600],
    ["AAPL", 230],
  ]);

  test("nearest expirations across roots, strikes in range, both sides, in a stable order", () => {
    const s = selectOptions(df, prices, { expirations: 2, strikeRange: 0.2 }, DAY("2026-08-04"));
    expect(s.options.map((o) => o.streamer)).toEqual([
      ".AAPL260807C240",
      ".AAPL260807P240",
      ".SPXW260804C5000",
      ".SPXW260804P5000",
      ".SPX260821C5500",
      ".SPX260821P5500",
    ]);
    const spx = s.options.find((o) => o.streamer === ".SPX260821P5500")!;
    expect(spx).toMatchObject({
      underlying: "SPX",
      root: "SPX",
      type: "P",
      strike: 5500,
      underlyingPrice: 5600,
    });
    expect(spx.expiration).toBe(DAY("2026-08-21"));
    expect(s.noPrice).toEqual(["NOPX"]);
    expect(s.noStreamer).toEqual(["AAPL  260807C00230000", "AAPL  260807P00230000"]);
  });

  test("a wider filter takes more; an empty chain selects nothing", () => {
    const s = selectOptions(df, prices, { expirations: 8, strikeRange: 0.5 }, DAY("2026-08-04"));
    expect(s.options.filter((o) => o.underlying === "SPX")).toHaveLength(8);
    expect(selectOptions(df.head(0), prices, { expirations: 8, strikeRange: 0.2 }, 0).options).toEqual([]);
  });

  test("the two expirations around 30 days join the nearest N (daily expirations)", () => {
    // Daily expirations for two weeks, then monthlies: the nearest 8 are all under 30 days.
    const days = ["03", "04", "05", "06", "07", "10", "11", "12", "13", "14"].map((d) => `2026-08-${d}`);
    const rows: [string, string, string, number, boolean][] = [
      ...days.map((e): [string, string, string, number, boolean] => ["SPY", "SPY", e, 600, true]),
      ["SPY", "SPY", "2026-08-21", 600, true],
      ["SPY", "SPY", "2026-09-18", 600, true],
      ["SPY", "SPY", "2026-10-16", 600, true],
    ];
    const s = selectOptions(
      chains(rows),
      new Map([["SPY", 600]]),
      { expirations: 8, strikeRange: 0.2 },
      DAY("2026-08-03"),
    );
    const exps = [...new Set(s.options.map((o) => o.expiration))].sort((a, b) => a - b);
    // 8 nearest (08-03 … 08-12) + 08-21 (last before 09-02) + 09-18 (first after); not 08-13/14 or 10-16.
    expect(exps).toEqual([...days.slice(0, 8), "2026-08-21", "2026-09-18"].map(DAY));
    // No expiration on the far side: nothing extra.
    const short = selectOptions(
      chains(rows.slice(0, 10)),
      new Map([["SPY", 600]]),
      { expirations: 2, strikeRange: 0.2 },
      DAY("2026-08-03"),
    );
    expect(new Set(short.options.map((o) => o.expiration)).size).toBe(2);
  });

  test("underlying prices: mark, else mid, else last", () => {
    const q = pl.DataFrame({
      symbol: ["A", "B", "C", "D"],
      mark: [10, null, null, null],
      mid: [11, 20, null, null],
      last: [12, 21, 30, null],
    });
    expect([...underlyingPrices(q)]).toEqual([
      ["A", 10],
      ["B", 20],
      ["C", 30],
    ]);
  });

  test("bad filter values are one clear usage error naming the key", () => {
    expect(() => checkFilter({ expirations: 0, strikeRange: 0.2 })).toThrow(/options.expirations/);
    expect(() => checkFilter({ expirations: 8, strikeRange: -1 })).toThrow(/options.strike-range/);
  });
});

describe("tradingDateOf", () => {
  test("the New York session a snapshot describes", async () => {
    const { tradingDateOf } = await import("./stage-options.ts");
    const iso = (d: number) => new Date(d * 86_400_000).toISOString().slice(0, 10);
    expect(iso(tradingDateOf(Date.parse("2026-08-04T20:00:00Z")))).toBe("2026-08-04"); // Tue close
    expect(iso(tradingDateOf(Date.parse("2026-08-05T02:00:00Z")))).toBe("2026-08-04"); // Tue 22:00 NY
    expect(iso(tradingDateOf(Date.parse("2026-08-05T12:00:00Z")))).toBe("2026-08-04"); // Wed 08:00 NY, before the open
    expect(iso(tradingDateOf(Date.parse("2026-08-05T14:00:00Z")))).toBe("2026-08-05"); // Wed 10:00 NY
    expect(iso(tradingDateOf(Date.parse("2026-08-08T16:00:00Z")))).toBe("2026-08-07"); // Saturday → Friday
    expect(iso(tradingDateOf(Date.parse("2026-07-03T16:00:00Z")))).toBe("2026-07-02"); // holiday → day before
  });
});

describe("option rows from feed events", () => {
  test("Quote+Greeks make a row; missing Summary/Trade leave nulls; no Greeks, no row", async () => {
    const { emptyTick, foldBatch } = await import("./option-snapshot.ts");
    const { optionQuotesFrame } = await import("./stage-options.ts");
    const sel = [".A260821C10", ".A260821P10", ".A260821C11"].map((streamer, i) => ({
      underlying: "A",
      root: "A",
      option: `A     260821${i === 1 ? "P" : "C"}000${i === 2 ? "11" : "10"}000`,
      streamer,
      type: (i === 1 ? "P" : "C") as "C" | "P",
      expiration: DAY("2026-08-21"),
      strike: i === 2 ? 11 : 10,
      underlyingPrice: 10.5,
    }));
    const ticks = new Map(sel.map((o) => [o.streamer, emptyTick()]));
    const quote = {
      type: "Quote",
      fields: ["eventType", "eventSymbol", "bidPrice", "askPrice", "bidSize", "askSize"],
    };
    const greeks = {
      type: "Greeks",
      fields: ["eventSymbol", "price", "volatility", "delta", "gamma", "theta", "rho", "vega"],
    };
    expect(
      foldBatch(
        {
          ...quote,
          count: 3,
          values: [
            "Quote",
            ".A260821C10",
            1,
            1.2,
            5,
            6,
            "Quote",
            ".A260821P10",
            0.4,
            "NaN",
            1,
            2,
            "Quote",
            ".A260821C11",
            0.5,
            0.6,
            1,
            1,
          ],
        },
        ticks,
      ),
    ).toBe(0);
    expect(
      foldBatch(
        {
          ...greeks,
          count: 2,
          values: [
            ".A260821C10",
            1.1,
            0.3,
            0.6,
            0.2,
            -0.01,
            0.02,
            0.03,
            ".A260821P10",
            0.5,
            0.3,
            -0.4,
            0.2,
            -0.01,
            -0.02,
            0.03,
          ],
        },
        ticks,
      ),
    ).toBe(2);
    foldBatch(
      { type: "Summary", fields: ["eventSymbol", "openInterest"], count: 1, values: [".A260821C10", 120] },
      ticks,
    );
    foldBatch(
      {
        type: "Trade",
        fields: ["eventSymbol", "price", "dayVolume"],
        count: 1,
        values: [".A260821C10", 1.15, 7],
      },
      ticks,
    );
    const df = optionQuotesFrame(
      sel,
      { ticks, unanswered: [], partial: 1, endedBy: "complete" },
      Date.parse("2026-08-04T20:00:00Z"),
      DAY("2026-08-04"),
    );
    expect(df.getColumn("streamer_symbol").toArray()).toEqual([".A260821C10", ".A260821P10"]); // C11 had no Greeks
    expect(df.getColumn("mark").toArray() as unknown[]).toEqual([1.1, null]); // a NaN ask leaves no mid
    expect(df.getColumn("open_interest").toArray() as unknown[]).toEqual([120, null]);
    expect(df.getColumn("volume").toArray() as unknown[]).toEqual([7, null]);
    expect(df.getColumn("last").toArray() as unknown[]).toEqual([1.15, null]);
    expect(df.getColumn("days_to_expiration").toArray()).toEqual([17, 17]);
    expect(df.getColumn("delta").toArray()).toEqual([0.6, -0.4]);
  });
});
