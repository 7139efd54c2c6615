/** DXLink daily candles → the bars schema (src/core/bars.ts), source "dxlink". */
import pl from "nodejs-polars";
import type { CandleBar } from "../../client/index.ts";
import { BAR_COLUMNS } from "../../core/bars.ts";
import { candleDay } from "./dates.ts";

export function candlesToBars(bars: Map<string, CandleBar[]>): pl.DataFrame {
  let n = 0;
  for (const list of bars.values()) n += list.length;
  const symbol: string[] = new Array(n);
  const date = new Int32Array(n);
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const volume = new Float64Array(n);
  let i = 0;
  const num = (x: number | null) => (x === null ? Number.NaN : x);
  for (const sym of [...bars.keys()].sort()) {
    const seen = new Set<number>();
    for (const b of bars.get(sym)!) {
      const d = candleDay(b.time);
      if (seen.has(d)) continue; // one bar per session: the feed's later update already won in the client
      seen.add(d);
      symbol[i] = sym;
      date[i] = d;
      open[i] = num(b.open);
      high[i] = num(b.high);
      low[i] = num(b.low);
      close[i] = num(b.close);
      volume[i] = num(b.volume);
      i++;
    }
  }
  const cut = <T extends Int32Array | Float64Array>(a: T) => a.subarray(0, i) as T;
  return pl
    .DataFrame([
      pl.Series("symbol", symbol.slice(0, i), pl.Utf8),
      pl.Series("date", cut(date)).cast(pl.Date),
      pl.Series("open", cut(open)),
      pl.Series("high", cut(high)),
      pl.Series("low", cut(low)),
      pl.Series("close", cut(close)),
      pl.Series("volume", cut(volume)),
    ])
    .withColumns(
      pl.lit("D").alias("period"),
      pl.lit(null).cast(pl.Int32).alias("time"),
      pl.lit(null).cast(pl.Float64).alias("openint"),
      pl.lit("dxlink").alias("source"),
      ...["open", "high", "low", "close", "volume"].map((c) => pl.col(c).fillNan(null).alias(c)),
    )
    .select(...BAR_COLUMNS);
}
