/**
 * One option contract across snapshot dates: its mark, IV and greeks from `option_quotes`, oldest
 * first. The contract is matched by OCC symbol (spaces optional: `SPY 261218C00500000` and
 * `SPY261218C00500000` both match the padded `SPY   261218C00500000`) or by dxFeed streamer
 * symbol (`.SPY261218C500`).
 */
import pl from "nodejs-polars";
import { usageError } from "../../core/errors.ts";
import { findUnreadable, openTable } from "./catalog.ts";
import type { PreparedQuery } from "./query.ts";
import { sqlError } from "./sql-errors.ts";

/** The columns shown, in order, when the table has them. */
export const HISTORY_COLUMNS = [
  "date",
  "time",
  "snapshot_time",
  "option_symbol",
  "days_to_expiration",
  "underlying_price",
  "bid",
  "ask",
  "mark",
  "last",
  "implied_volatility",
  "delta",
  "gamma",
  "theta",
  "vega",
  "rho",
  "theo_price",
  "volume",
  "open_interest",
] as const;

export function normalizeOcc(symbol: string): string {
  return symbol.replace(/\s+/g, "").toUpperCase();
}

export function contractHistory(
  root: string,
  symbol: string,
): Pick<PreparedQuery, "frame" | "explain"> & { dates: number } {
  const t = openTable(root, "option_quotes");
  const howTo = `ttapi sql "SELECT DISTINCT option_symbol FROM option_quotes WHERE underlying_symbol = 'SPY'"`;
  if (!t)
    throw usageError("the lake has no option_quotes yet", {
      hint: "ttapi run collects them; then list contracts with " + howTo,
    });
  const wanted = symbol.trim();
  if (!wanted) throw usageError("no option symbol", { hint: "e.g. ttapi history 'SPY 261218C00500000'" });
  const cols = Object.keys(t.schema);
  const match: pl.Expr[] = [];
  if (cols.includes("option_symbol"))
    match.push(
      pl
        .col("option_symbol")
        .str.replaceAll(" ", "")
        .str.toUpperCase()
        .eq(pl.lit(normalizeOcc(wanted))),
    );
  if (cols.includes("streamer_symbol")) match.push(pl.col("streamer_symbol").eq(pl.lit(wanted)));
  if (match.length === 0) throw usageError("option_quotes has neither option_symbol nor streamer_symbol");
  const keep = HISTORY_COLUMNS.filter((c) => cols.includes(c));
  const order = ["date", "time", "snapshot_time"].filter((c) => cols.includes(c));
  const frame = t.scan
    .filter(match.reduce((a, b) => a.or(b)))
    .select(...keep)
    .sort(order);
  const explain = (e: unknown) =>
    (/parquet|out of specification/i.test(String(e)) ? findUnreadable(t.files()) : null) ??
    sqlError(e, { sql: "", tables: new Map([["option_quotes", cols]]), absent: [] });
  return { frame, explain, dates: t.partitions.length };
}
