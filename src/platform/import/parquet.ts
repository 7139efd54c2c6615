/**
 * Columns → Parquet for one (period, symbol) group, and the merge of several parts of one symbol.
 * DataFrames are built from typed arrays (never row objects); constant columns (symbol, period,
 * source, an all-null time/openint) are broadcast literals, the text ones Categorical so that the
 * Parquet writer does not hash them row by row (see ../bars-schema.ts).
 */
import {
  closeSync,
  close as fsClose,
  fsync as fsFsync,
  open as fsOpen,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { dirname, join } from "node:path";
import type { DataFrame, LazyDataFrame } from "nodejs-polars";
import { tempPathFor } from "../../core/atomic.ts";
import { type BarColumns, barsSymbolDir } from "../../core/bars.ts";
import { type Compression, parquetCompression } from "../../core/compression.ts";
import { storedBars } from "../bars-schema.ts";
import type { RowGroup } from "./group.ts";

type Polars = typeof import("nodejs-polars").default;
let loaded: Polars | undefined;
/**
 * nodejs-polars, loaded on first use: parse-only workers never pay for the native module, and a
 * writing worker loads it after the main thread has (bun#19339: load NAPI modules there first).
 */
function polars(): Polars {
  if (!loaded) {
    const m = require("nodejs-polars") as Polars & { default?: Polars };
    loaded = m.default ?? m;
  }
  return loaded;
}

/** The typed columns of `BarColumns` (core), without the row count and the symbol dictionary. */
export type ColumnsLike = Omit<BarColumns, "length" | "symbols">;

function pick<T extends Int32Array | Float64Array>(a: T, g: RowGroup): T {
  if (!g.index) return a.subarray(g.start, g.end) as T;
  const out = new (a.constructor as new (n: number) => T)(g.rows);
  const idx = g.index;
  for (let j = 0; j < g.rows; j++) out[j] = a[idx[j]!]!;
  return out;
}

/** Expressions that do not depend on the group, built once (each builder call crosses into N-API). */
let shared: ReturnType<typeof buildShared> | undefined;
function buildShared() {
  const pl = polars();
  return {
    date: pl.col("date").cast(pl.Date),
    timeNullable: pl
      .when(pl.col("time").lt(0))
      .then(pl.lit(null))
      .otherwise(pl.col("time"))
      .cast(pl.Int32)
      .alias("time"),
    timeNull: pl.lit(null).cast(pl.Int32).alias("time"),
    values: [pl.col("open"), pl.col("high"), pl.col("low"), pl.col("close"), pl.col("volume")],
    oiNullable: pl.col("openint").fillNan(null).alias("openint"),
    oiNull: pl.lit(null).cast(pl.Float64).alias("openint"),
  };
}

/**
 * The bars frame of one group, columns in BAR_COLUMNS order, as a lazy plan over the copied
 * columns: the select runs inside the Parquet sink's own execution (one polars query per file,
 * not two: ~1 ms less per file, which is most of the cost of a small file).
 */
export function groupFrame(
  c: ColumnsLike,
  g: RowGroup,
  symbol: string,
  source: string | readonly string[],
): LazyDataFrame {
  const pl = polars();
  shared ??= buildShared();
  const time = pick(c.time, g);
  const openint = pick(c.openint, g);
  let anyTime = false;
  for (let j = 0; j < time.length; j++) {
    if (time[j]! >= 0) {
      anyTime = true;
      break;
    }
  }
  let anyOi = false;
  for (let j = 0; j < openint.length; j++) {
    if (!Number.isNaN(openint[j]!)) {
      anyOi = true;
      break;
    }
  }
  // All-null time/openint (daily bars without open interest, the common case) are literals below:
  // no column is copied into polars for them.
  // A per-row source (a group gathered from several files) is a column; one source a literal.
  const perRow =
    typeof source === "string"
      ? null
      : pl.Series(
          "source",
          g.index ? Array.from(g.index, (i) => source[i] ?? "") : source.slice(g.start, g.end),
        );
  const df = pl.DataFrame([
    pl.Series("date", pick(c.date, g)),
    ...(anyTime ? [pl.Series("time", time)] : []),
    pl.Series("open", pick(c.open, g)),
    pl.Series("high", pick(c.high, g)),
    pl.Series("low", pick(c.low, g)),
    pl.Series("close", pick(c.close, g)),
    pl.Series("volume", pick(c.volume, g)),
    ...(anyOi ? [pl.Series("openint", openint)] : []),
    ...(perRow ? [perRow] : []),
  ]);
  const src = perRow ? pl.col("source") : pl.lit(source as string);
  // One select builds the final frame in BAR_COLUMNS order (literals broadcast to the height),
  // text columns as Categorical like every bars file (see ../bars-schema.ts).
  return df
    .lazy()
    .select(
      pl.lit(symbol).cast(pl.Categorical).alias("symbol"),
      pl.lit(String.fromCharCode(g.period)).cast(pl.Categorical).alias("period"),
      shared.date,
      anyTime ? shared.timeNullable : shared.timeNull,
      ...shared.values,
      anyOi ? shared.oiNullable : shared.oiNull,
      src.cast(pl.Categorical).alias("source"),
    );
}

/** Period names by their character code (a period is one character). */
const PERIOD_NAMES = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i));

/**
 * The frames of many small groups (a daily all-symbol file: thousands of one-row groups), from
 * one DataFrame gathered in group order and brought to the stored form by one select: the
 * columns cross into polars once, and each group is a zero-copy slice of the result, ready to
 * write (a per-group plan and select cost ~0.5 ms a group, most of a tiny part's cost).
 */
export function smallGroupFrames(
  c: ColumnsLike,
  groups: readonly RowGroup[],
  symbols: readonly string[],
  /** Per group: the index in `sourceNames` of its rows' one source, or -1 (see `rowSource`). */
  groupSource: readonly number[],
  /** Per row: its index in `sourceNames` (needed when a group has rows from several sources). */
  rowSource: Int32Array | null,
  sourceNames: readonly string[],
): DataFrame[] {
  const pl = polars();
  shared ??= buildShared();
  let total = 0;
  for (const g of groups) total += g.rows;
  const at = new Int32Array(total);
  const groupOf = new Int32Array(total);
  let o = 0;
  groups.forEach((g, k) => {
    for (let j = g.start; j < g.end; j++) {
      groupOf[o] = k;
      at[o++] = g.index ? g.index[j]! : j;
    }
  });
  const gather = <T extends Int32Array | Float64Array>(a: T): T => {
    const out = new (a.constructor as new (n: number) => T)(total);
    for (let j = 0; j < total; j++) out[j] = a[at[j]!]!;
    return out;
  };
  // Text columns cross as integer codes into a dictionary, mapped to strings inside polars (a
  // string per row from JS costs ~0.15 µs a row, the codes a third of that), or as one literal
  // when every row has the same value.
  const text = (name: string, dict: readonly string[], code: (j: number) => number) => {
    const codes = new Int32Array(total);
    let same = true;
    for (let j = 0; j < total; j++) {
      codes[j] = code(j);
      if (same && dict[codes[j]!] !== dict[codes[0]!]) same = false;
    }
    if (same) return { expr: pl.lit(dict[codes[0]!] ?? ""), series: [] };
    const keys = Array.from(dict, (_, i) => i);
    return {
      expr: pl.col(name).replaceStrict(keys, dict as string[], undefined, pl.Utf8),
      series: [pl.Series(name, codes)],
    };
  };
  const symbol = text("symbol", symbols, (j) => c.symbolIndex[at[j]!]!);
  const period = text("period", PERIOD_NAMES, (j) => c.period[at[j]!]!);
  const source = text("source", sourceNames, (j) => {
    const single = groupSource[groupOf[j]!]!;
    return single >= 0 ? single : rowSource![at[j]!]!;
  });
  const big = pl
    .DataFrame([
      pl.Series("date", gather(c.date)),
      pl.Series("time", gather(c.time)),
      pl.Series("open", gather(c.open)),
      pl.Series("high", gather(c.high)),
      pl.Series("low", gather(c.low)),
      pl.Series("close", gather(c.close)),
      pl.Series("volume", gather(c.volume)),
      pl.Series("openint", gather(c.openint)),
      ...symbol.series,
      ...period.series,
      ...source.series,
    ])
    .select(
      symbol.expr.cast(pl.Categorical).alias("symbol"),
      period.expr.cast(pl.Categorical).alias("period"),
      shared.date,
      shared.timeNullable,
      ...shared.values,
      shared.oiNullable,
      source.expr.cast(pl.Categorical).alias("source"),
    );
  const frames: DataFrame[] = [];
  o = 0;
  for (const g of groups) {
    frames.push(big.slice(o, g.rows));
    o += g.rows;
  }
  return frames;
}

function fsyncFile(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * fsync a written file on the I/O thread pool (the caller's thread goes on working). The import
 * syncs every part this way as soon as a worker reports it, so the disk flushes overlap parsing
 * and encoding instead of stalling a worker inside each write.
 */
export function fsyncFileAsync(path: string): Promise<void> {
  // Callback fs, not fs/promises: a FileHandle registers with a FinalizationRegistry and its
  // close() unregisters, ~1 ms of main-thread CPU per file in Bun (most of a tiny part's cost).
  return new Promise((resolve, reject) => {
    fsOpen(path, "r", (err, fd) => {
      if (err) return reject(err);
      fsFsync(fd, (syncErr) => {
        fsClose(fd, (closeErr) => {
          if (syncErr ?? closeErr) reject(syncErr ?? closeErr);
          else resolve();
        });
      });
    });
  });
}

export interface WriteOptions {
  compression: Compression;
  /** zstd level (1 fastest … 22); undefined = polars' default. */
  compressionLevel?: number;
  csv: boolean;
  durable: boolean;
  /** The target's folder exists already (the caller created it): no mkdir per file. */
  dirReady?: boolean;
  /** The target is inside a private staging tree: written under its own name (no temp + rename). */
  staged?: boolean;
}

/**
 * Rows per Parquet row group of a bars file. Each row group carries min/max statistics, so a date
 * filter skips the groups outside its range; one group per file (polars' default up to 262,144
 * rows) leaves nothing to skip. Measured on 100 symbols × 57,000 bars, streaming engine: the last
 * three years 416 → 231 ms CPU, one date 160 → 100 ms, a full scan unchanged; files 3 % larger.
 * A history shorter than this is one group, as before.
 */
export const BARS_ROW_GROUP_ROWS = 16_384;

function sinkOptions(o: WriteOptions) {
  // sinkParquet (unlike writeParquet) takes a compression level and can fsync on close.
  return {
    compression: parquetCompression(o.compression),
    rowGroupSize: BARS_ROW_GROUP_ROWS,
    ...(o.compressionLevel !== undefined && o.compression === "zstd"
      ? { compressionLevel: o.compressionLevel }
      : {}),
    syncOnClose: o.durable ? ("data" as const) : ("none" as const),
  };
}

function isLazy(f: DataFrame | LazyDataFrame): f is LazyDataFrame {
  return typeof (f as { collect?: unknown }).collect === "function";
}

/** The Parquet temp file is complete: rename it into place, then write the CSV mirror. */
function finishPart(df: DataFrame, tmp: string, path: string, o: WriteOptions): void {
  renameSync(tmp, path);
  if (o.csv) {
    const csvPath = path.replace(/\.parquet$/, ".csv");
    const tmpCsv = `${tmp}.csv`;
    df.writeCSV(tmpCsv);
    if (o.durable) fsyncFile(tmpCsv);
    renameSync(tmpCsv, csvPath);
  }
}

/**
 * Write `df` as `<dir>/<name>.parquet` (+ `.csv`). Written under a dot-temp name and renamed, so
 * even inside the staging tree no reader ever sees a half-written file under a final name.
 */
export function writePart(df: DataFrame, path: string, o: WriteOptions): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    df.lazy().sinkParquet(tmp, sinkOptions(o)).collectSync();
    finishPart(df, tmp, path, o);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Frames up to this many rows are written by the eager writer (see writePartAsync). */
const DIRECT_WRITE_ROWS = 4096;

/**
 * `writePart` with the encoding on polars' threads while the caller's thread goes on (the import
 * worker parses its next file meanwhile). Same temp-and-rename guarantees.
 */
export async function writePartAsync(
  frame: DataFrame | LazyDataFrame,
  path: string,
  o: WriteOptions,
): Promise<void> {
  if (!o.dirReady) mkdirSync(dirname(path), { recursive: true });
  if (o.staged && !o.csv && !isLazy(frame) && frame.height <= DIRECT_WRITE_ROWS) {
    // A small materialised frame (a slice, see smallGroupFrames): the eager writer, no query
    // plan (~0.5 ms less per file). It takes no zstd level: polars' default, which at this
    // size costs about the same as level 1.
    try {
      frame.writeParquet(path, { compression: parquetCompression(o.compression) });
    } catch (e) {
      rmSync(path, { force: true });
      throw e;
    }
    return;
  }
  if (o.staged && !o.csv && isLazy(frame)) {
    // Straight to its name: nothing reads a staging tree before every write has settled, and a
    // failed or killed import's staging tree is deleted whole (a temp name + rename per part
    // costs ~0.1–0.4 ms of metadata work, much of a one-row part's cost).
    try {
      await frame.sinkParquet(path, sinkOptions(o)).collect();
    } catch (e) {
      rmSync(path, { force: true });
      throw e;
    }
    return;
  }
  const tmp = tempPathFor(path);
  try {
    // A CSV mirror is written from the same materialised frame as the Parquet file.
    const df = o.csv && isLazy(frame) ? await frame.collect() : frame;
    await (isLazy(df) ? df : df.lazy()).sinkParquet(tmp, sinkOptions(o)).collect();
    if (isLazy(df)) renameSync(tmp, path);
    else finishPart(df, tmp, path, o);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Bring the Parquet files of one staged (period, symbol) folder to the stored types, in place
 * (each file replaced atomically; a staged file is a hard link, so the previous dataset's copy is
 * untouched). For folders written before the text columns became Categorical: a dataset must
 * not mix the two forms. Returns the number of files rewritten.
 */
export function upgradeBarsFiles(dir: string, o: WriteOptions): number {
  let n = 0;
  for (const f of readdirSync(dir).sort()) {
    if (f.startsWith(".") || !f.endsWith(".parquet")) continue;
    const path = join(dir, f);
    writePart(storedBars(polars().readParquet(path)), path, { ...o, csv: false });
    n++;
  }
  return n;
}

export function partPath(root: string, period: string, symbol: string, name: string): string {
  return `${barsSymbolDir(root, period, symbol)}/${name}.parquet`;
}

export interface MergeResult {
  /** Rows in the merged file. */
  rows: number;
  /** Unique rows that came from the new parts. */
  newRows: number;
  /** Rows dropped among the new parts (same key in an earlier/better source). */
  duplicates: number;
  /** Rows of the previous dataset replaced by new rows with the same key. */
  replaced: number;
}

/**
 * Merge parts of one (period, symbol) into one file. New parts come in priority order (best
 * first) and win over `existing` (the previous dataset): concatenate, keep the first row per
 * (date, time), sort by (date, time) with the no-time row first.
 */
export function mergeParts(
  newParts: readonly string[],
  existing: readonly string[],
  target: string,
  o: WriteOptions,
): MergeResult {
  const pl = polars();
  // storedBars: the previous dataset may predate the Categorical text columns.
  const read = (ps: readonly string[]) => {
    const frames = ps.map((p) => storedBars(pl.readParquet(p)));
    return frames.length === 1 ? frames[0]! : pl.concat(frames, { how: "vertical" });
  };
  const dedupe = (df: DataFrame) =>
    df.unique({ subset: ["date", "time"], keep: "first", maintainOrder: true });
  const fresh = read(newParts);
  const freshUnique = dedupe(fresh);
  let merged = freshUnique;
  let replaced = 0;
  if (existing.length > 0) {
    const old = read(existing);
    const all = pl.concat([freshUnique, old], { how: "vertical" });
    merged = dedupe(all);
    replaced = all.height - merged.height;
  }
  const sorted = merged.sort({ by: ["date", "time"], nullsLast: false, maintainOrder: true });
  writePart(sorted, target, o);
  return {
    rows: sorted.height,
    newRows: freshUnique.height,
    duplicates: fresh.height - freshUnique.height,
    replaced,
  };
}

/** A daily part is extended up to this many rows (~10 years of sessions), then a new one starts. */
export const DAILY_PART_ROWS = 2520;

/**
 * The part a day's new sessions may join (a run's publish, a daily import): the folder's newest
 * part (never its first, the history), while it holds fewer than DAILY_PART_ROWS rows and no other
 * folder shares it (a hard link of another dataset's file is never rewritten). The caller writes
 * the extended part under a temp name and renames it over (or into a staging tree), so a reader
 * sees the old or the new version, never both. Without this every cron day added a file per
 * symbol: every later run read them all (the candle window spans a month of them) and the import
 * rewrote each symbol's whole history once it had MAX_APPENDED_PARTS files.
 */
export function dailyTail(files: readonly string[]): string | null {
  let best: { k: number; file: string } | null = null;
  for (const f of files) {
    const m = /(?:^|\/)part-(\d+)\.parquet$/.exec(f);
    if (m && Number(m[1]) > 0 && (!best || Number(m[1]) > best.k)) best = { k: Number(m[1]), file: f };
  }
  if (!best || files.length < 2) return null;
  try {
    if (statSync(best.file).nlink !== 1) return null;
    const pl = polars();
    const rows = pl.scanParquet(best.file).select(pl.len().alias("n")).collectSync().getColumn("n").get(0);
    return Number(rows) < DAILY_PART_ROWS ? best.file : null;
  } catch {
    return null; // unreadable: a new part instead (the folder's files were read just now)
  }
}

/** Smallest and largest (date, time) key of a bars file (same key as group.ts `barKey`). */
function keyRange(path: string): { min: number; max: number } {
  const pl = polars();
  const df = pl.readParquet(path, { columns: ["date", "time"] });
  const k = df.select(
    pl
      .col("date")
      .cast(pl.Int32)
      .cast(pl.Float64)
      .mul(1_000_000)
      .add(pl.col("time").fillNull(-1).cast(pl.Float64).add(1))
      .alias("k"),
  );
  const col = k.getColumn("k");
  return { min: Number(col.min()), max: Number(col.max()) };
}

/**
 * Whether no key of the file lies in [lo, hi] as `keyRange` sees it (its whole range before `lo`
 * or after `hi`). Decided from the footer statistics of the `date` column when they settle it —
 * every date before lo's day, or after hi's day (a filter on the stored column: polars skips the
 * row groups without reading them) — so appending a day to a long history does not read the
 * history; only a file whose dates reach into the new range has its keys read.
 */
export function keysOutside(path: string, lo: number, hi: number): boolean {
  const pl = polars();
  const day = (k: number) =>
    pl
      .lit(Math.floor(k / 1_000_000))
      .cast(pl.Int32)
      .cast(pl.Date);
  const none = (pred: ReturnType<typeof pl.col>) =>
    Number(
      pl
        .scanParquet(path, { hivePartitioning: false })
        .filter(pred)
        .select(pl.len().alias("n"))
        .collectSync()
        .getColumn("n")
        .get(0),
    ) === 0;
  if (none(pl.col("date").gtEq(day(lo))) || none(pl.col("date").ltEq(day(hi)))) return true;
  const r = keyRange(path);
  return r.max < lo || r.min > hi;
}

export function rowCount(path: string): number {
  return polars().readParquet(path, { columns: ["date"] }).height;
}
