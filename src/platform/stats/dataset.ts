/**
 * Finding and reading one symbol's daily bars from the bars dataset
 * (`DIR/bars/period=D/symbol=<ENC>/part-*.parquet`, see src/core/bars.ts).
 *
 * Only the five columns the estimators need are read (date, open, high, low, close): Parquet is
 * columnar, so the symbol/source strings and volume are never decoded.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import { barsRoot, comparePartNames } from "../../core/bars.ts";
import { dataError, usageError } from "../../core/errors.ts";
import type { PriceSeries } from "../../stats/index.ts";
import { symbolOfBarsDir } from "../bars-schema.ts";
import { concatSeries } from "./part-growth.ts";

export interface SymbolFiles {
  symbol: string;
  files: string[];
}

const STATS_COLUMNS = ["date", "open", "high", "low", "close"];

/** Symbols with daily bars, sorted, each with its part files in name order. */
export function listDailySymbols(dataDir: string, period = "D"): SymbolFiles[] {
  const root = join(barsRoot(dataDir), `period=${period}`);
  if (!existsSync(root)) {
    throw usageError(`no daily bars in ${dataDir}: ${root} does not exist`, {
      hint: "run `ttapi run` or `ttapi import FILES` (both fill <data-dir>/lake/bars), or pass the right --data directory",
    });
  }
  const out: SymbolFiles[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(root, entry.name);
    const symbol = symbolOfBarsDir(entry.name, dir);
    if (symbol === null) continue;
    const files = readdirSync(dir)
      .filter((f) => f.endsWith(".parquet") && !f.startsWith("."))
      .sort(comparePartNames)
      .map((f) => join(dir, f));
    if (files.length > 0) out.push({ symbol, files });
  }
  out.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  return out;
}

/** Keep the requested symbols (case-insensitive); unknown ones are reported, not silently dropped. */
export function selectSymbols(
  all: SymbolFiles[],
  wanted: readonly string[] | undefined,
): { selected: SymbolFiles[]; unknown: string[] } {
  if (!wanted || wanted.length === 0) return { selected: all, unknown: [] };
  const bySymbol = new Map(all.map((s) => [s.symbol.toUpperCase(), s]));
  const selected: SymbolFiles[] = [];
  const unknown: string[] = [];
  for (const w of wanted) {
    const s = bySymbol.get(w.toUpperCase());
    if (s) selected.push(s);
    else unknown.push(w);
  }
  return { selected, unknown };
}

function floatColumn(df: pl.DataFrame, name: string): Float64Array {
  let s = df.getColumn(name);
  if (!s.dtype.equals(pl.Float64)) s = s.cast(pl.Float64);
  // A null price is a missing value: NaN in the typed array, which the kernels handle.
  if (s.nullCount() > 0)
    s = df.select(pl.col(name).cast(pl.Float64).fillNull(pl.lit(Number.NaN))).getColumn(name);
  return s.toTypedArray() as Float64Array;
}

/**
 * Read one file's stats columns as typed arrays (rows without a date are dropped).
 * `parallel: false` decodes on the calling thread: with one worker per core, polars' own thread
 * pool would only oversubscribe the cores.
 */
export function readBarsFile(file: string, parallel = true): PriceSeries {
  let df: pl.DataFrame;
  try {
    df = pl.readParquet(file, { columns: STATS_COLUMNS, parallel: parallel ? "auto" : "none" });
  } catch (e) {
    throw dataError(`${file}: cannot read bars: ${(e as Error).message.split("\n")[0]}`, {
      cause: e,
      hint: "re-import this symbol (the file is corrupt or not a bars Parquet file)",
    });
  }
  if (df.getColumn("date").nullCount() > 0) df = df.filter(pl.col("date").isNotNull());
  return {
    date: df.getColumn("date").cast(pl.Int32).toTypedArray() as Int32Array,
    open: floatColumn(df, "open"),
    high: floatColumn(df, "high"),
    low: floatColumn(df, "low"),
    close: floatColumn(df, "close"),
  };
}

/** All parts of a symbol, concatenated in file order (later parts win on duplicate dates). */
export function readSymbolBars(sf: SymbolFiles, parallel = true): PriceSeries {
  return concatSeries(sf.files.map((f) => readBarsFile(f, parallel)));
}
