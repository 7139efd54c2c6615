/**
 * Small synthetic lakes for tests and benchmarks: bars in the import's layout
 * (`bars/period=D/symbol=S/part-0.parquet`, text columns Categorical as `ttapi import` stores
 * them) and snapshot tables through the lake's own `writePartition`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import { tableDir } from "../lake/index.ts";

export interface SyntheticBar {
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/**
 * A MetaStock ASCII file for `ttapi import`: `days` daily rows of `symbol` from day 1 of `month`
 * (YYYYMM), closes cycling 10, 11, 12; written as `dir/<symbol>-<month>.txt`, returned.
 */
export function asciiBarsFile(dir: string, symbol: string, month: string, days: number): string {
  mkdirSync(dir, { recursive: true });
  const lines = ["<TICKER>,<PER>,<DTYYYYMMDD>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>"];
  for (let d = 1; d <= days; d++)
    lines.push(`${symbol},D,${month}${String(d).padStart(2, "0")},000000,10,11,9,${10 + (d % 3)},1000,0`);
  const f = join(dir, `${symbol}-${month}.txt`);
  writeFileSync(f, `${lines.join("\n")}\n`);
  return f;
}

/** Write one symbol's daily bars as the import does; returns the file. */
export function writeBars(root: string, symbol: string, bars: readonly SyntheticBar[], part = 0): string {
  const dir = join(tableDir(root, "bars"), "period=D", `symbol=${symbol}`);
  mkdirSync(dir, { recursive: true });
  const n = bars.length;
  const df = pl.DataFrame([
    pl.Series("symbol", Array(n).fill(symbol), pl.Utf8).cast(pl.Categorical),
    pl.Series("period", Array(n).fill("D"), pl.Utf8).cast(pl.Categorical),
    pl
      .Series(
        "date",
        bars.map((b) => new Date(`${b.date}T00:00:00Z`)),
        pl.Datetime("ms"),
      )
      .cast(pl.Date),
    pl.Series("time", Array(n).fill(null), pl.Int32),
    pl.Series(
      "open",
      bars.map((b) => b.open),
      pl.Float64,
    ),
    pl.Series(
      "high",
      bars.map((b) => b.high),
      pl.Float64,
    ),
    pl.Series(
      "low",
      bars.map((b) => b.low),
      pl.Float64,
    ),
    pl.Series(
      "close",
      bars.map((b) => b.close),
      pl.Float64,
    ),
    pl.Series(
      "volume",
      bars.map((b) => b.volume),
      pl.Float64,
    ),
    pl.Series("openint", Array(n).fill(null), pl.Float64),
    pl.Series("source", Array(n).fill("synthetic"), pl.Utf8).cast(pl.Categorical),
  ]);
  const file = join(dir, `part-${part}.parquet`);
  df.writeParquet(file, { compression: "zstd" });
  return file;
}

/** `n` consecutive weekday dates starting at `start` (YYYY-MM-DD). */
export function weekdays(start: string, n: number): string[] {
  const out: string[] = [];
  const d = new Date(`${start}T00:00:00Z`);
  while (out.length < n) {
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) out.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

/** A deterministic random walk of daily bars. */
export function walkBars(dates: readonly string[], seed = 1, start = 100): SyntheticBar[] {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  let close = start;
  return dates.map((date) => {
    const open = close * (1 + (rnd() - 0.5) * 0.01);
    close = open * (1 + (rnd() - 0.5) * 0.04);
    const high = Math.max(open, close) * (1 + rnd() * 0.01);
    const low = Math.min(open, close) * (1 - rnd() * 0.01);
    return { date, open, high, low, close, volume: Math.round(1e5 + rnd() * 1e6) };
  });
}
