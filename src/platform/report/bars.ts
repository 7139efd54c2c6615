/**
 * The price history behind the report's price chart: the last `keep` daily closes of each symbol,
 * from `lake/bars/period=D/`. Only `symbol`, `date` and `close` are read, and only bars after a
 * cut-off, with the filter on the stored `date` column so Parquet statistics skip the old row
 * groups: a lake with decades of history per symbol is not read whole.
 *
 * The cut-off comes from the newest snapshot date when the caller knows it (no pass over the
 * dates at all), else from the newest bar. Symbols that end up with fewer than `keep` bars —
 * stale bars, or a short history — get one more read of their older bars, so the hint can only
 * cost time, never bars.
 */

import { join } from "node:path";
import pl from "nodejs-polars";
import { symbolOfBarsDir } from "../bars-schema.ts";
import { hasTable, listPartitions, scanTable } from "../lake/index.ts";
import { column, groupRows, missingTableNote, num } from "./read.ts";

export interface BarsRead {
  bySymbol: Map<string, { d: number[]; c: number[] }>;
  note: string | null;
}

const dayLit = (day: number) => pl.lit(new Date(day * 86_400_000)).cast(pl.Date);

/** Calendar days that surely hold `keep` trading days (≈ 252 per 365), with slack for holidays. */
function span(keep: number): number {
  return Math.ceil((keep * 365) / 240) + 10;
}

/** symbol → its rows' dates and closes, sorted by date; repeated dates keep one row. */
function closesOf(df: pl.DataFrame): Map<string, { d: number[]; c: number[] }> {
  const out = new Map<string, { d: number[]; c: number[] }>();
  const sym = column<string>(df, "symbol");
  const date = column<number>(df, "date");
  const close = column(df, "close");
  for (const [s, rows] of groupRows(sym)) {
    const d: number[] = [];
    const c: number[] = [];
    for (const [j, i] of rows.entries()) {
      // The lake's bars are deduplicated; should a date still repeat, one row of it is kept.
      if (j + 1 < rows.length && date[rows[j + 1]!] === date[i]) continue;
      const v = num(close[i]);
      if (v === null || v <= 0) continue; // a missing or unusable close is a gap, as in the stats
      d.push(date[i]!);
      c.push(v);
    }
    if (d.length) out.set(s, { d, c });
  }
  return out;
}

function collect(lf: pl.LazyDataFrame): pl.DataFrame {
  return lf
    .select(pl.col("symbol").cast(pl.Utf8).alias("symbol"), pl.col("date").cast(pl.Int32), pl.col("close"))
    .collectSync()
    .sort(["symbol", "date"]);
}

/** Symbols with daily bars in the lake (from the partition folders). */
function barSymbols(root: string): string[] {
  return (
    listPartitions(root, "bars")
      .filter((p) => p.startsWith("period=D/"))
      // A long symbol's folder name is abbreviated (core/bars.ts): its files tell the symbol.
      .map((p) => symbolOfBarsDir(p.slice("period=D/".length), join(root, "bars", p)))
      .filter((s): s is string => s !== null)
  );
}

export function readCloses(
  root: string,
  symbols: readonly string[] | null,
  keep: number,
  newestSnapshotDay: number | null = null,
): BarsRead {
  const bySymbol = new Map<string, { d: number[]; c: number[] }>();
  if (!hasTable(root, "bars")) return { bySymbol, note: missingTableNote("bars") };
  const withBars = barSymbols(root);
  if (withBars.length === 0) return { bySymbol, note: "table `bars` has no daily bars" };
  try {
    // No schema probe (it would open every file's footer): a missing column fails the query below
    // and becomes the note.
    let lf = scanTable(root, "bars").filter(pl.col("period").cast(pl.Utf8).eq(pl.lit("D")));
    if (symbols)
      lf = lf.filter(
        pl
          .col("symbol")
          .cast(pl.Utf8)
          .isIn([...symbols]),
      );
    let anchor = newestSnapshotDay;
    if (anchor === null) {
      const newest = lf.select(pl.col("date").cast(pl.Int32).max().alias("m")).collectSync();
      anchor = num(newest.getColumn("m").toArray()[0]);
      if (anchor === null) return { bySymbol, note: "table `bars` has no daily bars" };
    }
    const cutoff = anchor - span(keep);
    for (const [s, v] of closesOf(collect(lf.filter(pl.col("date").gtEq(dayLit(cutoff))))))
      bySymbol.set(s, v);
    // Fewer than `keep` bars after the cut-off: read what those symbols have before it.
    const wanted = symbols ? new Set(symbols) : null;
    const short = withBars.filter(
      (s) => (!wanted || wanted.has(s)) && (bySymbol.get(s)?.d.length ?? 0) < keep,
    );
    if (short.length) {
      const older = closesOf(
        collect(
          scanTable(root, "bars")
            .filter(pl.col("period").cast(pl.Utf8).eq(pl.lit("D")))
            .filter(pl.col("symbol").cast(pl.Utf8).isIn(short))
            .filter(pl.col("date").lt(dayLit(cutoff))),
        ),
      );
      for (const [s, o] of older) {
        const recent = bySymbol.get(s) ?? { d: [], c: [] };
        bySymbol.set(s, { d: [...o.d, ...recent.d], c: [...o.c, ...recent.c] });
      }
    }
    for (const [s, v] of bySymbol) bySymbol.set(s, { d: v.d.slice(-keep), c: v.c.slice(-keep) });
    return { bySymbol, note: null };
  } catch (e) {
    return { bySymbol, note: `table \`bars\` could not be read: ${(e as Error).message.split("\n")[0]}` };
  }
}
