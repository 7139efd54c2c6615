/**
 * The on-disk types of the bars dataset (column list and meaning: src/core/bars.ts).
 *
 * `symbol`, `period` and `source` are stored as Categorical, i.e. dictionary-encoded Parquet
 * strings. They are constant within a file, so each file holds one dictionary entry and a
 * run-length-encoded index per column. Stored as plain strings, polars' Parquet writer hashes
 * every row of every one of them to build that dictionary: ~10 % of the ASCII import's CPU and
 * ~15 % of the binary one's on the 29M-row bench (13.4 → 12.1 and 10.9 → 9.2 CPU-s). Any Parquet reader sees ordinary strings (dictionary
 * encoding is an encoding, not a type); polars reads them back as Categorical.
 *
 * Every writer of bars files goes through `storedBars`, so that one dataset never mixes the two
 * forms: a glob scan of mixed files fails in polars ("data type mismatch"). Files written
 * before this change (plain strings) are recognised by `isStoredBarsFile`, and the import
 * rewrites them when it touches their dataset.
 */

import { readdirSync } from "node:fs";
import { join } from "node:path";
import type pl from "nodejs-polars";
import { BAR_COLUMNS, isAbbreviatedSymbolDir, symbolFromDirName } from "../core/bars.ts";

type Polars = typeof import("nodejs-polars").default;
/** Loaded on first use: the import's parse-only workers import this module but never write. */
function polars(): Polars {
  const m = require("nodejs-polars") as Polars & { default?: Polars };
  return m.default ?? m;
}

/** Bumped when the stored types change: cached datasets of an older version are rebuilt. */
export const BARS_TYPES_VERSION = 2;

/** Bars columns stored as Categorical (dictionary-encoded strings). */
export const CATEGORICAL_BAR_COLUMNS = ["symbol", "period", "source"] as const;

/** Cast expressions that bring any bars frame (strings or categoricals) to the stored types. */
function storedColumns() {
  const pl = polars();
  return BAR_COLUMNS.map((c) => {
    switch (c) {
      case "symbol":
      case "period":
      case "source":
        return pl.col(c).cast(pl.Utf8).cast(pl.Categorical).alias(c);
      case "date":
        return pl.col(c).cast(pl.Date).alias(c);
      case "time":
        return pl.col(c).cast(pl.Int32).alias(c);
      default:
        return pl.col(c).cast(pl.Float64).alias(c);
    }
  });
}

/** A bars frame in stored types and column order, ready to write. */
export function storedBars(df: pl.DataFrame): pl.DataFrame;
export function storedBars(df: pl.LazyDataFrame): pl.LazyDataFrame;
export function storedBars(df: pl.DataFrame | pl.LazyDataFrame): pl.DataFrame | pl.LazyDataFrame {
  return (df as pl.DataFrame).select(...storedColumns());
}

/** Whether a bars Parquet file already has the stored types (reads only its footer). */
export function isStoredBarsFile(path: string): boolean {
  const pl = polars();
  const schema = pl.readParquet(path, { nRows: 0 }).schema;
  return CATEGORICAL_BAR_COLUMNS.every((c) => schema[c]?.variant === "Categorical");
}

/**
 * The symbol of a `symbol=` folder: decoded from its name, or — for the abbreviated name of a
 * long symbol (see src/core/bars.ts) — read from the `symbol` column of its first file. Null for
 * folders that are not symbol folders (or hold no file to tell).
 */
export function symbolOfBarsDir(dirName: string, dirPath: string): string | null {
  if (!isAbbreviatedSymbolDir(dirName)) return symbolFromDirName(dirName);
  const first = readdirSync(dirPath)
    .filter((f) => f.endsWith(".parquet") && !f.startsWith("."))
    .sort()[0];
  if (!first) return null;
  const pl = polars();
  const df = pl.readParquet(join(dirPath, first), { columns: ["symbol"], nRows: 1 });
  // Categorical series have no element accessor in nodejs-polars: read it as text.
  const values = df.select(pl.col("symbol").cast(pl.Utf8)).getColumn("symbol").toArray();
  return values.length > 0 ? String(values[0]) : null;
}
