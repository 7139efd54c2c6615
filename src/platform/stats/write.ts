/**
 * Result tables → `DIR/stats/*.parquet` (+ `.csv` mirrors), each written atomically so a reader
 * (or a crash) never sees a half-written file and a failed run leaves the previous results.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import { atomicWrite } from "../../core/atomic.ts";
import type { ExpectedMoveRow, IvHvRow, StatsTables } from "../../stats/index.ts";

type Kind = "str" | "f64" | "i32" | "date";
type Spec = Record<string, Kind>;

const LATEST: Spec = {
  symbol: "str",
  window: "i32",
  estimator: "str",
  vol: "f64",
  ci_low: "f64",
  ci_high: "f64",
  n: "i32",
  asof: "date",
  reason: "str",
};
const RETURNS: Spec = {
  symbol: "str",
  window: "i32",
  n: "i32",
  mean_log: "f64",
  mean_log_ci_low: "f64",
  mean_log_ci_high: "f64",
  mean_simple: "f64",
  mean_simple_ci_low: "f64",
  mean_simple_ci_high: "f64",
  asof: "date",
  reason: "str",
};
const CONE: Spec = {
  symbol: "str",
  window: "i32",
  estimator: "str",
  count: "i32",
  min: "f64",
  p25: "f64",
  median: "f64",
  p75: "f64",
  max: "f64",
  latest: "f64",
  latest_pct: "f64",
  reason: "str",
};
const SYMBOLS: Spec = {
  symbol: "str",
  rows: "i32",
  first_date: "date",
  last_date: "date",
  missing: "i32",
  duplicates: "i32",
  flagged: "i32",
  hv30: "f64",
};
const IVHV: Spec = {
  symbol: "str",
  iv_index: "f64",
  hv30: "f64",
  spread: "f64",
  ratio: "f64",
  reason: "str",
};
const MOVES: Spec = {
  symbol: "str",
  expiration: "str",
  dte: "f64",
  iv: "f64",
  price: "f64",
  move: "f64",
  low_1sd: "f64",
  high_1sd: "f64",
  ci_low: "f64",
  ci_high: "f64",
  reason: "str",
};

/** A DataFrame from column arrays (a few thousand result rows; nulls kept as nulls). */
export function frameOf(cols: Record<string, readonly unknown[]>, spec: Spec): pl.DataFrame {
  const series = Object.entries(spec).map(([name, kind]) => {
    const v = (cols[name] ?? []) as unknown[];
    switch (kind) {
      case "str":
        return pl.Series(name, v as (string | null)[], pl.Utf8);
      case "f64":
        return pl.Series(name, v as (number | null)[], pl.Float64);
      case "i32":
        return pl.Series(name, v as (number | null)[], pl.Int32);
      default:
        return pl.Series(name, v as (number | null)[], pl.Int32).cast(pl.Date);
    }
  });
  return pl.DataFrame(series);
}

/**
 * A run over a symbol subset updates those symbols' rows and keeps everyone else's: rows of the
 * previous file for other symbols are kept, the result is ordered by symbol (stable, so each
 * symbol's rows keep their window/estimator order).
 */
function mergeWithPrevious(df: pl.DataFrame, target: string, replaced: readonly string[]): pl.DataFrame {
  if (!existsSync(target)) return df;
  let prev: pl.DataFrame;
  try {
    prev = pl.readParquet(target);
  } catch {
    return df; // an unreadable previous file is simply replaced
  }
  if (prev.columns.join() !== df.columns.join()) return df;
  const kept = prev.filter(
    pl
      .col("symbol")
      .isIn([...replaced])
      .not(),
  );
  return pl.concat([kept, df], { how: "vertical" }).sort({ by: "symbol", maintainOrder: true });
}

async function writeFrame(
  df0: pl.DataFrame,
  dir: string,
  name: string,
  csv: boolean,
  files: string[],
  replaced: readonly string[] | null = null,
): Promise<void> {
  const target = join(dir, `${name}.parquet`);
  const df = replaced ? mergeWithPrevious(df0, target, replaced) : df0;
  await atomicWrite(target, (tmp) => df.writeParquet(tmp, { compression: "zstd" }));
  files.push(target);
  if (csv) {
    const csvTarget = join(dir, `${name}.csv`);
    await atomicWrite(csvTarget, (tmp) => df.writeCSV(tmp));
    files.push(csvTarget);
  }
}

export function ivHvColumns(rows: IvHvRow[]): Record<string, unknown[]> {
  return {
    symbol: rows.map((r) => r.symbol),
    iv_index: rows.map((r) => r.ivIndex),
    hv30: rows.map((r) => r.hv30),
    spread: rows.map((r) => r.spread),
    ratio: rows.map((r) => r.ratio),
    reason: rows.map((r) => r.reason),
  };
}

export function movesColumns(rows: ExpectedMoveRow[]): Record<string, unknown[]> {
  return {
    symbol: rows.map((r) => r.symbol),
    expiration: rows.map((r) => r.expiration),
    dte: rows.map((r) => r.dte),
    iv: rows.map((r) => r.iv),
    price: rows.map((r) => r.price),
    move: rows.map((r) => r.move),
    low_1sd: rows.map((r) => r.low1sd),
    high_1sd: rows.map((r) => r.high1sd),
    ci_low: rows.map((r) => r.ciLow),
    ci_high: rows.map((r) => r.ciHigh),
    reason: rows.map((r) => r.reason),
  };
}

/** Write every table of a run to `statsDir`; returns the paths written. */
export async function writeStatsTables(
  statsDir: string,
  t: StatsTables,
  implied: { ivHv: IvHvRow[]; moves: ExpectedMoveRow[] } | null,
  csv: boolean,
  /** Symbols this run recomputed when it covered only a subset (null = the whole dataset). */
  subset: readonly string[] | null = null,
): Promise<string[]> {
  const files: string[] = [];
  const tables: [string, unknown, Spec][] = [
    ["latest", t.latest, LATEST],
    ["returns", t.returns, RETURNS],
    ["cone", t.cone, CONE],
    ["symbols", t.symbols, SYMBOLS],
  ];
  for (const [name, columns, spec] of tables) {
    await writeFrame(frameOf(columns as Record<string, unknown[]>, spec), statsDir, name, csv, files, subset);
  }
  if (implied) {
    await writeFrame(frameOf(ivHvColumns(implied.ivHv), IVHV), statsDir, "iv_hv", csv, files, null);
    await writeFrame(
      frameOf(movesColumns(implied.moves), MOVES),
      statsDir,
      "expected_move",
      csv,
      files,
      null,
    );
  }
  return files;
}
