/**
 * Deterministic synthetic daily bars in the bars-dataset layout, for the statistics golden
 * fixture, the benchmark and tests. Prices follow a mean-reverting log price (so 200 years of
 * history stay in a realistic range) with a slowly wandering volatility regime, overnight gaps
 * and intraday ranges that always bracket open and close. Same seed → same bytes of data.
 */
import pl from "nodejs-polars";
import { atomicWrite } from "../../core/atomic.ts";
import { BAR_COLUMNS, barsSymbolDir, daysFromCivil } from "../../core/bars.ts";
import { mulberry32 } from "../../core/prng.ts";
import type { PriceSeries } from "../../stats/index.ts";
import { storedBars } from "../bars-schema.ts";

export interface SyntheticOptions {
  rows: number;
  seed: number;
  /** First trading day (days since epoch); weekends are skipped. */
  start?: number;
  /** Round prices to this many decimals (default 4). */
  decimals?: number;
}

/** One symbol's bars as typed arrays. */
export function syntheticSeries(o: SyntheticOptions): PriceSeries {
  const n = o.rows;
  const rnd = mulberry32(o.seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const scale = 10 ** (o.decimals ?? 4);
  const round = (x: number) => Math.max(1 / scale, Math.round(x * scale) / scale);
  const date = new Int32Array(n);
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const level = Math.log(5 + 495 * rnd());
  let x = level;
  let logVol = Math.log(0.01 + 0.02 * rnd()); // daily vol ≈ 1–3 %
  const meanLogVol = logVol;
  let d = o.start ?? daysFromCivil(1990, 1, 2);
  for (let i = 0; i < n; i++) {
    // 1970-01-01 was a Thursday: (d + 4) % 7 gives 0 = Sunday … 6 = Saturday.
    while ((d + 4) % 7 === 0 || (d + 4) % 7 === 6) d++;
    date[i] = d++;
    logVol += 0.02 * (meanLogVol - logVol) + 0.05 * gauss();
    const sigma = Math.exp(logVol);
    const prevClose = Math.exp(x);
    const gap = 0.3 * sigma * gauss();
    const intraday = sigma * gauss();
    x += 0.0005 * (level - x) + gap + intraday;
    const o1 = round(prevClose * Math.exp(gap));
    const c1 = round(Math.exp(x));
    const top = Math.max(o1, c1);
    const bottom = Math.min(o1, c1);
    open[i] = o1;
    close[i] = c1;
    high[i] = round(top * Math.exp(Math.abs(0.6 * sigma * gauss())));
    low[i] = Math.min(bottom, round(bottom * Math.exp(-Math.abs(0.6 * sigma * gauss()))));
    if (high[i]! < top) high[i] = top;
  }
  return { date, open, high, low, close };
}

/** A bars DataFrame (all BAR_COLUMNS) for one symbol from typed arrays; NaN prices become null. */
export function barsFrame(symbol: string, s: PriceSeries, source = "synthetic"): pl.DataFrame {
  const n = s.date.length;
  const df = pl.DataFrame([
    pl.Series("date", s.date).cast(pl.Date),
    pl.Series("open", s.open),
    pl.Series("high", s.high),
    pl.Series("low", s.low),
    pl.Series("close", s.close),
    pl.Series("volume", new Float64Array(n).fill(1e6)),
  ]);
  return df
    .withColumns(
      ...["open", "high", "low", "close"].map((c) => pl.col(c).fillNan(null).alias(c)),
      pl.lit(symbol).alias("symbol"),
      pl.lit("D").alias("period"),
      pl.lit(null).cast(pl.Int32).alias("time"),
      pl.lit(null).cast(pl.Float64).alias("openint"),
      pl.lit(source).alias("source"),
    )
    .select(...BAR_COLUMNS);
}

/** Write one symbol (atomically) as `DIR/bars/period=D/symbol=<ENC>/<part>.parquet`. */
export async function writeSymbolBars(
  dataDir: string,
  symbol: string,
  s: PriceSeries,
  part = "part-0",
): Promise<string> {
  const path = `${barsSymbolDir(dataDir, "D", symbol)}/${part}.parquet`;
  const df = storedBars(barsFrame(symbol, s));
  await atomicWrite(path, (tmp) => df.writeParquet(tmp, { compression: "zstd" }));
  return path;
}

/** Symbol names SYM0000, SYM0001, … */
export function syntheticSymbol(i: number): string {
  return `SYM${String(i).padStart(4, "0")}`;
}
