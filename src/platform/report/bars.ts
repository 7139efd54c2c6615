/**
 * The price history behind the report's price chart: the last `days` daily closes of each symbol
 * (plus the band window before them), from `lake/bars/period=D/`. Only `symbol`, `date` and
 * `close` are read, and only bars newer than a cut-off derived from the newest bar, so a lake with
 * decades of history per symbol is not read whole.
 */
import pl from "nodejs-polars";
import { hasTable, scanTable } from "../lake/index.ts";
import { column, groupRows, missingTableNote, num } from "./read.ts";

export interface BarsRead {
  bySymbol: Map<string, { d: number[]; c: number[] }>;
  note: string | null;
}

export function readCloses(root: string, symbols: readonly string[] | null, keep: number): BarsRead {
  const bySymbol = new Map<string, { d: number[]; c: number[] }>();
  if (!hasTable(root, "bars")) return { bySymbol, note: missingTableNote("bars") };
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
    const newest = lf.select(pl.col("date").cast(pl.Int32).max().alias("m")).collectSync();
    const maxDay = num(newest.getColumn("m").toArray()[0]);
    if (maxDay === null) return { bySymbol, note: "table `bars` has no daily bars" };
    // Calendar days that surely hold `keep` trading days (≈ 252 per 365), with slack for holidays.
    const cutoff = maxDay - Math.ceil((keep * 365) / 240) - 10;
    const df = lf
      .filter(pl.col("date").cast(pl.Int32).gtEq(cutoff))
      .select(pl.col("symbol").cast(pl.Utf8).alias("symbol"), pl.col("date").cast(pl.Int32), pl.col("close"))
      .collectSync()
      .sort(["symbol", "date"]);
    const sym = column<string>(df, "symbol");
    const date = column<number>(df, "date");
    const close = column(df, "close");
    for (const [s, rows] of groupRows(sym)) {
      const d: number[] = [];
      const c: number[] = [];
      for (const [j, i] of rows.entries()) {
        // The lake's bars are deduplicated; should a date still repeat, its last row wins.
        if (j + 1 < rows.length && date[rows[j + 1]!] === date[i]) continue;
        const v = num(close[i]);
        if (v === null || v <= 0) continue; // a missing or unusable close is a gap, as in the stats
        d.push(date[i]!);
        c.push(v);
      }
      if (d.length) bySymbol.set(s, { d: d.slice(-keep), c: c.slice(-keep) });
    }
    return { bySymbol, note: null };
  } catch (e) {
    return { bySymbol, note: `table \`bars\` could not be read: ${(e as Error).message.split("\n")[0]}` };
  }
}
