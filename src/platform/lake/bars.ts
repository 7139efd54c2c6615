/**
 * The lake's `bars` table: `lake/bars/period=<P>/symbol=<S>/part-*.parquet`, the very layout
 * `ttapi import --out <data-dir>/lake` writes, so imports and pipeline runs extend one dataset.
 *
 * `publishBars` brings one run's merged bars (MetaStock + DXLink candles, already deduplicated)
 * into the lake without touching the history that is already there:
 * - a (period, symbol) the lake does not have yet appears as a whole folder (built aside, one rename);
 * - rows with keys (date, time) the lake lacks are appended as one new part file (temp + rename);
 * - a key the lake holds from a DXLink candle, which the run now has from MetaStock, or a
 *   MetaStock row whose values changed in the sources, replaces the lake's row (MetaStock wins,
 *   newer files win): that folder is rewritten aside and swapped in with two renames, journaled so
 *   a kill between them is repaired by the next publish;
 * - everything else (the usual case: the same history again) is left alone; files the lake already
 *   shares with the run (hard links of the same imported file, or files with the same bytes) are
 *   not even read.
 * A glob over `lake/bars/**\/*.parquet` therefore never sees a partial or doubled folder: work
 * files live outside `lake/bars/` (in `lake/.work-<pid>/`, see swap.ts) or end in `.tmp`.
 */
import { copyFileSync, linkSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import pl from "nodejs-polars";
import { barsSymbolDir } from "../../core/bars.ts";
import type { Compression } from "../../core/compression.ts";
import { cancelledError } from "../../core/errors.ts";
import { sameBytes } from "../../core/same-bytes.ts";
import { storedBars } from "../bars-schema.ts";
import { type DatasetEntry, listDataset, lockOutput, recoverOutput } from "../import/output.ts";
import { DAILY_PART_ROWS, dailyTail, writePart } from "../import/parquet.ts";
import { releasePolarsFrames } from "../native-heap.ts";
import { finishWork, newBuildDir, recoverSwaps, swapIn, WORK_PREFIX } from "./swap.ts";

export interface BarsPublish {
  /** (period, symbol) folders the run had. */
  symbols: number;
  /** Folders new to the lake. */
  added: number;
  /** Rows appended to the lake (new folders included). */
  appended: number;
  /** Lake rows replaced by better ones (MetaStock over DXLink, changed MetaStock rows). */
  replaced: number;
  /** Folders left exactly as they were. */
  unchanged: number;
  /** Lake files that could not be read: their folders were left alone (one line each, with the fix). */
  unreadable: string[];
  seconds: number;
}

/** Where a run stages its merged bars before publishing (same filesystem as the lake: hard links). */
export const RUN_STAGING_PREFIX = ".bars-run-";
const FLOOR = -1.7976931348623157e308; // stands for null in comparisons (joins never match nulls)

/**
 * Rows read between two releases of the publish's polars frames (see `releasePolarsFrames`): about
 * one full history (a rewritten folder reads its ~57k rows three times). Every ~1M rows, a publish
 * replacing all 507 histories of the full demo sat at 2.1 GB; at this size, 0.8 GB, as fast (~40 s).
 */
const RELEASE_EVERY_ROWS = 128 * 1024;

/** Key of a bar: date (days) × 1e6 + time (HHMMSS, −1 for end-of-day bars). */
const keyExpr = () =>
  pl
    .col("date")
    .cast(pl.Int32)
    .cast(pl.Float64)
    .mul(1e6)
    .add(pl.col("time").cast(pl.Float64).fillNull(-1))
    .alias("__k");

const VALUE_COLS = ["open", "high", "low", "close", "volume", "openint"] as const;

/** Rows of a Parquet file, from its footer. */
function rowsIn(file: string): number {
  return Number(pl.scanParquet(file).select(pl.len().alias("n")).collectSync().getColumn("n").get(0));
}

/**
 * The files a lake folder holds, to tell which of a run's files it already has: the same file (a
 * hard link of the same immutable import file), or one with the same bytes (the import redone
 * after `ttapi cache clear` writes the same files again). Returns the lake's file a run's file
 * matches, or null. Bytes are compared only between files of equal size.
 */
function heldFiles(files: readonly string[]): (file: string) => string | null {
  const ids = new Map<string, string>();
  const bySize = new Map<number, string[]>();
  for (const f of files) {
    try {
      const st = statSync(f);
      ids.set(`${st.dev}:${st.ino}`, f);
      const same = bySize.get(st.size);
      if (same) same.push(f);
      else bySize.set(st.size, [f]);
    } catch {
      // vanished: holds nothing
    }
  }
  return (file) => {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(file);
    } catch {
      return null;
    }
    return ids.get(`${st.dev}:${st.ino}`) ?? bySize.get(st.size)?.find((f) => sameBytes(file, f)) ?? null;
  };
}

/** Bars of some files with the stored types, text columns as plain strings (concat-safe). */
function readBars(files: readonly string[]): pl.DataFrame {
  const frames = files.map((f) =>
    storedBars(pl.readParquet(f)).withColumns(
      ...["symbol", "period", "source"].map((c) => pl.col(c).cast(pl.Utf8)),
    ),
  );
  return frames.length === 1 ? frames[0]! : pl.concat(frames, { how: "vertical" });
}

function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/** What the publish compares of a lake row: its key, whether it came from DXLink, its values. */
function windowColumns() {
  return [
    keyExpr(),
    pl.col("source").cast(pl.Utf8).eq(pl.lit("dxlink")).alias("__dx"),
    ...VALUE_COLS.map((c) => pl.col(c).cast(pl.Float64).fillNull(FLOOR)),
  ];
}

/** A folder path polars would read as a glob pattern (its files are then scanned one by one). */
const GLOB_CHARS = /[*?[\]{}]/;

/**
 * The rows of one lake folder dated `fromDay` (days since epoch) or later, as `windowColumns`.
 * The filter is on the stored `date` column itself, so polars skips every file (and row group)
 * whose footer statistics end before `fromDay` without reading it: a daily run reads the recent
 * sessions, not the history. The folder's files are scanned as one glob (one query instead of one
 * per daily part: ~7× faster for a folder of 30 parts); if that fails (an unreadable or
 * old-typed file) they are read one by one, so the file at fault is the one named.
 */
function readWindow(
  dir: string,
  files: readonly string[],
  fromDay: number,
): { frame: pl.DataFrame } | { broken: string; error: unknown } {
  const since = pl.col("date").gtEq(pl.lit(fromDay).cast(pl.Int32).cast(pl.Date));
  // No hive columns from the folder names: the files carry `symbol` and `period` themselves.
  const scan = (path: string) =>
    pl
      .scanParquet(path, { hivePartitioning: false })
      .filter(since)
      .select(...windowColumns());
  // The glob must see exactly `files`: no pattern characters in the path, no other .parquet file.
  const globbable =
    files.length > 1 &&
    !GLOB_CHARS.test(dir) &&
    readdirSync(dir).filter((f) => f.endsWith(".parquet")).length === files.length;
  if (globbable) {
    try {
      return { frame: scan(join(dir, "*.parquet")).collectSync() };
    } catch {
      // One file at a time below: names the file at fault.
    }
  }
  const parts: pl.DataFrame[] = [];
  for (const f of files) {
    try {
      parts.push(scan(f).collectSync());
    } catch (error) {
      return { broken: f, error };
    }
  }
  return { frame: parts.length === 1 ? parts[0]! : pl.concat(parts, { how: "vertical" }) };
}

/** The (period, symbol) folders of one or more dataset roots, each folder's files in root order. */
function stagedDataset(staged: string | readonly string[]): DatasetEntry[] {
  if (typeof staged === "string") return listDataset(staged);
  const out = new Map<string, DatasetEntry>();
  for (const r of staged)
    for (const e of listDataset(r)) {
      const k = `${e.period}\u0000${e.symbol}`;
      const have = out.get(k);
      if (have) have.files.push(...e.files);
      else out.set(k, { ...e, files: [...e.files] });
    }
  return [...out.values()];
}

/** Put back folders a killed publish had moved aside, and remove dead runs' work folders. */
export function recoverBars(root: string): void {
  recoverSwaps(root, [WORK_PREFIX, RUN_STAGING_PREFIX]);
}

/**
 * Rewrite a lake folder as: the lake files the run also has (`held`), the run's new files
 * (`fresh`, hard links: immutable import or candle files), and one part with the lake's other
 * rows whose keys the new files do not have. Built aside and swapped in like a rewrite. The caller
 * checked that every row of `fresh` wins over the lake's row of the same key. A lake file that
 * cannot be read is returned; the folder is then left as it was.
 */
function adoptFiles(
  root: string,
  target: string,
  lakeFiles: readonly string[],
  held: ReadonlySet<string>,
  fresh: readonly string[],
  freshKeys: pl.DataFrame,
  wo: { compression: Compression; csv: boolean; durable: boolean },
): { rowsRead: number } | { broken: string; error: unknown } {
  const others = lakeFiles.filter((f) => !held.has(f));
  const parts: pl.DataFrame[] = [];
  for (const f of others) {
    try {
      parts.push(readBars([f]));
    } catch (error) {
      return { broken: f, error };
    }
  }
  const tmp = newBuildDir(root);
  let k = 0;
  for (const f of [...lakeFiles.filter((f) => held.has(f)), ...fresh])
    linkOrCopy(f, join(tmp, `part-${k++}.parquet`));
  let rowsRead = 0;
  if (parts.length > 0) {
    const rest = pl
      .concat(parts, { how: "vertical" })
      .withColumns(keyExpr())
      .join(freshKeys, { on: "__k", how: "anti" })
      .sort(["date", "time"])
      .drop("__k");
    rowsRead = parts.reduce((n, p) => n + p.height, 0);
    if (rest.height > 0) writePart(storedBars(rest), join(tmp, `part-${k}.parquet`), wo);
  }
  swapIn(root, tmp, target);
  return { rowsRead };
}

/**
 * Extend `<root>/bars` with the bars dataset at `<staged>/bars` (see the module comment).
 * Holds the import lock of `root` meanwhile, so a concurrent `ttapi import --out root` waits its turn.
 */
export async function publishBars(
  root: string,
  /** The run's dataset root, or several whose (period, symbol) folders together are its dataset. */
  staged: string | readonly string[],
  o: { compression: Compression; signal?: AbortSignal },
): Promise<BarsPublish> {
  const t0 = performance.now();
  mkdirSync(join(root, "bars"), { recursive: true });
  recoverOutput(root);
  recoverBars(root);
  const release = lockOutput(root);
  const r: BarsPublish = {
    symbols: 0,
    added: 0,
    appended: 0,
    replaced: 0,
    unchanged: 0,
    unreadable: [],
    seconds: 0,
  };
  const wo = { compression: o.compression, csv: false, durable: true };
  let rowsRead = 0;
  try {
    const lake = new Map(listDataset(root).map((e) => [`${e.period}\u0000${e.symbol}`, e]));
    for (const s of stagedDataset(staged)) {
      if (o.signal?.aborted) throw cancelledError("bars publish cancelled", { cause: o.signal.reason });
      if (s.files.length === 0) continue;
      r.symbols++;
      const target = barsSymbolDir(root, s.period, s.symbol);
      const have = lake.get(`${s.period}\u0000${s.symbol}`);
      if (!have || have.files.length === 0) {
        // A new folder: built aside, then one rename makes it visible whole.
        const tmp = newBuildDir(root);
        for (const [i, f] of s.files.entries()) linkOrCopy(f, join(tmp, `part-${i}.parquet`));
        swapIn(root, tmp, target);
        r.added++;
        r.appended += s.files.reduce((n, f) => n + rowsIn(f), 0);
        continue;
      }
      // Files the lake already holds are known rows (see heldFiles).
      const holds = heldFiles(have.files);
      const held = new Set<string>();
      const fresh: string[] = [];
      for (const f of s.files) {
        const mine = holds(f);
        if (mine) held.add(mine);
        else fresh.push(f);
      }
      if (fresh.length === 0) {
        r.unchanged++;
        continue;
      }
      // The frames below hold native memory until their finalizers run: released now and then
      // (a publish of 507 full histories, none released, held 8.6 GB by its end).
      if (rowsRead >= RELEASE_EVERY_ROWS) {
        rowsRead = 0;
        await releasePolarsFrames();
      }
      const cand = readBars(fresh).withColumns(keyExpr());
      rowsRead += cand.height;
      // The lake's rows of this folder from the run's first date on (earlier rows cannot collide:
      // the daily case reads a few sessions, not the history). An unreadable file is named; that
      // folder is then left alone and the rest of the lake is still published.
      const from = Number(cand.getColumn("date").cast(pl.Int32).min());
      const read = readWindow(target, have.files, from);
      if ("broken" in read) {
        r.unreadable.push(unreadableLine(root, read.broken, read.error));
        continue;
      }
      const lakeRows = read.frame;
      rowsRead += lakeRows.height;
      const keys = lakeRows.select("__k", "__dx");
      const newRows = cand.join(keys, { on: "__k", how: "anti" });
      // Rows the lake has under the same key but not as they are now (values or source differ):
      // the run's row wins, except that a DXLink candle never replaces a MetaStock row.
      const cmpCols = ["__k", "__dx", ...VALUE_COLS.map((c) => `__${c}`)];
      const cmp = cand.withColumns(
        pl.col("source").cast(pl.Utf8).eq(pl.lit("dxlink")).alias("__dx"),
        ...VALUE_COLS.map((c) => pl.col(c).cast(pl.Float64).fillNull(FLOOR).alias(`__${c}`)),
      );
      const lakeCmp = lakeRows.select("__k", "__dx", ...VALUE_COLS.map((c) => pl.col(c).alias(`__${c}`)));
      const changed = cmp
        .join(lakeCmp, { on: cmpCols, how: "anti" })
        .join(keys.select("__k", pl.col("__dx").alias("__lake_dx")), { on: "__k", how: "inner" });
      const better = changed
        .filter(pl.col("__dx").and(pl.col("__lake_dx").not()).not())
        .select(...cand.columns);
      // New files with more than a daily part's rows (an import's history) whose every row stands
      // (none is a DXLink candle losing to a MetaStock row): the folder is made of those files
      // themselves (see adoptFiles), so that the next run finds them held. Rewritten as one file
      // instead (a source's correction, or an import redone after the lake was), its next runs
      // would read and compare the whole history again, every day.
      if (changed.height === better.height && cand.height > DAILY_PART_ROWS) {
        const adopted = adoptFiles(root, target, have.files, held, fresh, cand.select("__k"), wo);
        if ("broken" in adopted) {
          r.unreadable.push(unreadableLine(root, adopted.broken, adopted.error));
          continue;
        }
        rowsRead += adopted.rowsRead;
        if (better.height === 0 && newRows.height === 0) r.unchanged++;
        r.replaced += better.height;
        r.appended += newRows.height;
        continue;
      }
      if (better.height === 0 && newRows.height === 0) {
        r.unchanged++;
        continue;
      }
      if (better.height === 0) {
        // The daily case: later sessions only, history untouched. They join the folder's daily
        // part while it is small (see `dailyTail`), else start a new one.
        const rows = newRows.drop("__k");
        const tail = dailyTail(have.files);
        if (tail) {
          writePart(
            storedBars(pl.concat([readBars([tail]), rows], { how: "vertical" }).sort(["date", "time"])),
            tail,
            wo,
          );
        } else {
          const taken = new Set(readdirSync(target));
          let k = have.files.length;
          while (taken.has(`part-${k}.parquet`)) k++;
          writePart(storedBars(rows.sort(["date", "time"])), join(target, `part-${k}.parquet`), wo);
        }
        r.appended += newRows.height;
        continue;
      }
      // Replacements: rewrite the folder aside as one file, then swap it in (journaled).
      const replacedKeys = better.select("__k");
      const merged = pl
        .concat(
          [
            readBars(have.files).withColumns(keyExpr()).join(replacedKeys, { on: "__k", how: "anti" }),
            better,
            newRows,
          ],
          { how: "vertical" },
        )
        .sort(["date", "time"])
        .drop("__k");
      const tmp = newBuildDir(root);
      writePart(storedBars(merged), join(tmp, "part-0.parquet"), wo);
      swapIn(root, tmp, target);
      r.replaced += better.height;
      r.appended += newRows.height;
    }
  } finally {
    finishWork(root);
    release();
  }
  r.seconds = (performance.now() - t0) / 1000;
  return r;
}

/** One line naming an unreadable lake file and the fix. */
export function unreadableLine(root: string, file: string, e: unknown): string {
  const rel = relative(dirname(root), file);
  const why = String((e as Error)?.message ?? e).split("\n")[0];
  return `${rel} cannot be read (${why}): delete it or move it away; the next \`ttapi run\` (or \`ttapi import\`) rebuilds what its sources still have`;
}

/** A cheap signature of the bars table's current files (path, size, mtime): what a cache checks. */
export function barsSignature(root: string): string {
  const parts: string[] = [];
  for (const e of listDataset(root))
    for (const f of e.files) {
      try {
        const st = statSync(f);
        parts.push(`${f.slice(root.length)}:${st.size}:${Math.floor(st.mtimeMs)}:${st.ino}`);
      } catch {
        parts.push(`${f}:gone`);
      }
    }
  return String(Bun.hash(parts.join("\n")));
}

/** Rows of the bars table (from the Parquet footers: no data page is read). */
export function countBars(root: string): number {
  if (listDataset(root).length === 0) return 0;
  return Number(
    pl
      .scanParquet(join(root, "bars", "**", "*.parquet"))
      .select(pl.len().alias("n"))
      .collectSync()
      .getColumn("n")
      .get(0),
  );
}
