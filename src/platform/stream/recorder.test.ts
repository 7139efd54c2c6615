import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { startStandaloneDxlink } from "../../sim/index.ts";
import { quoteTokenProvider } from "../../sim/testing/quote-token.ts";
import { EventColumns } from "./columns.ts";
import { eventsFrame } from "./parquet.ts";
import { recordStream } from "./recorder.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

function col(df: pl.DataFrame, name: string): unknown[] {
  return [...(df.getColumn(name).toArray() as Iterable<unknown>)];
}

describe("EventColumns", () => {
  test("field list changes mid-buffer keep rows aligned; NaN and missing become null", () => {
    const c = new EventColumns("Quote");
    c.append(
      { type: "Quote", fields: ["eventSymbol", "bidPrice"], values: ["A", 1, "B", "NaN"], count: 2 },
      1000,
    );
    c.append(
      {
        type: "Quote",
        fields: ["eventSymbol", "askPrice", "bidExchangeCode"],
        values: ["C", 5, "Q", "D", 6, "NaN"],
        count: 2,
      },
      2000,
    );
    const df = eventsFrame(c.take());
    expect(df.columns).toEqual(["receivedAt", "eventSymbol", "bidPrice", "askPrice", "bidExchangeCode"]);
    expect(col(df, "eventSymbol")).toEqual(["A", "B", "C", "D"]);
    expect(col(df, "bidPrice")).toEqual([1, null, null, null]);
    expect(col(df, "askPrice")).toEqual([null, null, 5, 6]);
    // A text field sent as "NaN" (the wire's "no value") is null, not the text "NaN".
    expect(col(df, "bidExchangeCode")).toEqual([null, null, "Q", null]);
    expect(c.rows).toBe(0);
  });

  test("booleans and growth past the initial capacity", () => {
    const c = new EventColumns("Trade", 4);
    const values: unknown[] = [];
    for (let i = 0; i < 1000; i++)
      values.push(`S${i % 7}`, i, i % 3 === 0 ? true : i % 3 === 1 ? false : null);
    c.append(
      { type: "Trade", fields: ["eventSymbol", "price", "extendedTradingHours"], values, count: 1000 },
      5,
    );
    const df = eventsFrame(c.take());
    expect(df.height).toBe(1000);
    expect(col(df, "price")[999]).toBe(999);
    expect(col(df, "eventSymbol")[8]).toBe("S1");
    expect(col(df, "extendedTradingHours").slice(0, 3)).toEqual([true, false, null]);
  });
});

test("drain reuses the buffers: the next file is correct, old columns null, dictionaries restarted", () => {
  const c = new EventColumns("Quote", 2);
  c.append(
    { type: "Quote", fields: ["eventSymbol", "bidPrice"], values: ["A", 1, "B", 2, "C", 3], count: 3 },
    1,
  );
  const first = c.drain(eventsFrame);
  c.append({ type: "Quote", fields: ["eventSymbol", "askPrice"], values: ["Z", 9], count: 1 }, 2);
  const second = c.drain(eventsFrame);
  expect(col(first, "eventSymbol")).toEqual(["A", "B", "C"]);
  expect(col(first, "bidPrice")).toEqual([1, 2, 3]);
  expect(col(second, "eventSymbol")).toEqual(["Z"]);
  expect(col(second, "bidPrice")).toEqual([null]);
  expect(col(second, "askPrice")).toEqual([9]);
  expect(c.rows).toBe(0);
});

describe("recordStream against the sim", () => {
  test("rolls Parquet files per type, every file complete; the totals match what was received", async () => {
    const sim = startStandaloneDxlink({ seed: 3, eventsPerSecPerSymbol: 50 });
    const out = mkdtempSync(join(tmpdir(), "ttapi-stream-"));
    try {
      const statuses: number[] = [];
      const summary = await recordStream({
        clientOptions: { getQuoteToken: quoteTokenProvider(sim), aggregationPeriodSec: 0.05 },
        subscriptions: [
          { type: "Quote", symbols: ["AAPL", "SPX", "MSFT"] },
          { type: "Trade", symbols: ["AAPL"] },
          { type: "Candle", symbols: ["SPY{=1d}"], fromTime: (sim.universe.todayDay - 5) * 86_400_000 },
        ],
        outDir: out,
        rollSeconds: 0.5,
        durationMs: 2200,
        onStatus: (s) => statuses.push(s.elapsedMs),
        statusEveryMs: 500,
      });
      expect(summary.ended).toBe("duration");
      expect(summary.eventsByType.Quote).toBeGreaterThan(100);
      expect(statuses.length).toBeGreaterThanOrEqual(3);
      const quoteFiles = summary.files.filter((f) => f.type === "Quote");
      expect(quoteFiles.length).toBeGreaterThanOrEqual(3);
      // Only complete files in the directory: no temp files left behind.
      expect(readdirSync(join(out, "Quote")).every((f) => f.endsWith(".parquet") && !f.startsWith("."))).toBe(
        true,
      );
      let rows = 0;
      let spxRows = 0;
      let spxSizes = 0;
      let aaplSizes = 0;
      for (const f of quoteFiles) {
        const df = pl.readParquet(f.path);
        expect(df.height).toBe(f.rows);
        rows += df.height;
        // An index quote has no sizes: SPX rows carry null bidSize, a stock's carry numbers.
        const spx = df.filter(pl.col("eventSymbol").eq(pl.lit("SPX")));
        spxRows += spx.height;
        spxSizes += spx.height - spx.getColumn("bidSize").nullCount();
        const aapl = df.filter(pl.col("eventSymbol").eq(pl.lit("AAPL")));
        aaplSizes += aapl.height - aapl.getColumn("bidSize").nullCount();
      }
      expect(rows).toBe(summary.eventsByType.Quote!);
      expect(spxRows).toBeGreaterThan(0);
      expect(spxSizes).toBe(0);
      expect(aaplSizes).toBeGreaterThan(0);
      const candles = pl.readParquet(summary.files.find((f) => f.type === "Candle")!.path);
      expect(candles.columns).toContain("close");
      expect(col(candles, "eventSymbol")[0]).toBe("SPY{=1d}");
    } finally {
      rmSync(out, { recursive: true, force: true });
      await sim.stop();
    }
  }, 15_000);

  test("abort flushes what was received and ends cleanly", async () => {
    const sim = startStandaloneDxlink({ seed: 3, eventsPerSecPerSymbol: 50 });
    const out = mkdtempSync(join(tmpdir(), "ttapi-stream-"));
    try {
      const ctl = new AbortController();
      setTimeout(() => ctl.abort(), 800);
      const summary = await recordStream({
        clientOptions: { getQuoteToken: quoteTokenProvider(sim) },
        subscriptions: [{ type: "Quote", symbols: ["QQQ"] }],
        outDir: out,
        rollSeconds: 3600,
        signal: ctl.signal,
      });
      expect(summary.ended).toBe("aborted");
      expect(summary.events).toBeGreaterThan(0);
      expect(summary.files.length).toBe(1);
      expect(pl.readParquet(summary.files[0]!.path).height).toBe(summary.events);
    } finally {
      rmSync(out, { recursive: true, force: true });
      await sim.stop();
    }
  }, 10_000);

  test("buffered events are bounded: beyond maxBufferedEvents they are dropped and counted", async () => {
    const sim = startStandaloneDxlink({ seed: 3, eventsPerSecPerSymbol: 100 });
    const out = mkdtempSync(join(tmpdir(), "ttapi-stream-"));
    try {
      const summary = await recordStream({
        clientOptions: { getQuoteToken: quoteTokenProvider(sim), aggregationPeriodSec: 0.02 },
        subscriptions: [{ type: "Quote", symbols: ["AAPL", "MSFT"] }],
        outDir: out,
        rollSeconds: 3600,
        maxBufferedEvents: 50,
        durationMs: 1200,
        writer: "inline",
      });
      expect(summary.files.length).toBe(1);
      expect(summary.files[0]!.rows).toBeLessThanOrEqual(50 + 200);
      expect(summary.dropped).toBeGreaterThan(0);
      expect(summary.events).toBe(summary.files[0]!.rows);
    } finally {
      rmSync(out, { recursive: true, force: true });
      await sim.stop();
    }
  }, 10_000);
});
