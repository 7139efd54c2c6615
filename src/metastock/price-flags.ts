/**
 * Rows the import keeps (they are the source's data) but that are unusable as prices: a
 * non-finite (`1e309` → inf) or non-positive open/high/low/close, or high/low not bracketing open
 * and close. The rule is the statistics engine's invalid-bar rule (src/stats/series.ts flags the
 * same rows and skips them), so the import can count and name them up front.
 */
import { isoFromDays } from "../core/bars.ts";

export interface PriceColumns {
  date: Int32Array;
  time: Int32Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
}

/** Why a bar is unusable, or null when it is fine. */
export function unusableBar(o: number, h: number, l: number, c: number): string | null {
  if (!Number.isFinite(o) || !Number.isFinite(h) || !Number.isFinite(l) || !Number.isFinite(c))
    return "non-finite price";
  if (!(o > 0 && h > 0 && l > 0 && c > 0)) return "non-positive price";
  if (h < l) return "high below low";
  if (h < o || h < c || l > o || l > c) return "high/low do not bracket open/close";
  return null;
}

export interface FlaggedRows {
  count: number;
  /** The first flagged row, for the report: its date (and time) and reason. */
  first: string;
}

/** Count the unusable bars among rows [from, to). */
export function flagRows(c: PriceColumns, from: number, to: number): FlaggedRows {
  let count = 0;
  let first = "";
  const { open, high, low, close } = c;
  for (let i = from; i < to; i++) {
    const o = open[i]!;
    const h = high[i]!;
    const l = low[i]!;
    const x = close[i]!;
    // Fast accept: finite, positive, bracketing (NaN and ±inf fail these comparisons or the bound).
    if (l > 0 && h >= l && o >= l && o <= h && x >= l && x <= h && h < Number.POSITIVE_INFINITY) continue;
    const why = unusableBar(o, h, l, x);
    if (why === null) continue;
    if (count++ === 0) {
      const t = c.time[i]!;
      const p = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(7)) : v);
      first = `${isoFromDays(c.date[i]!)}${t >= 0 ? ` ${String(t).padStart(6, "0")}` : ""}: ${why} (o=${p(o)} h=${p(h)} l=${p(l)} c=${p(x)})`;
    }
  }
  return { count, first };
}
