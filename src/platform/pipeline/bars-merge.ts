/**
 * Cross-source merge of the EOD bars without rewriting the big MetaStock dataset: the merged
 * dataset hard-links every imported Parquet file (they are immutable, content-addressed
 * artifacts) and adds, per symbol, one `part-dxlink.parquet` holding only the DXLink candles for
 * dates the MetaStock data does not have. Source priority: the user's MetaStock files win, DXLink
 * fills the gaps (typically the most recent sessions); every candle dropped for an existing
 * (symbol, period, date, time) counts as a duplicate. The result is still one dataset:
 * `<dir>/bars/**\/*.parquet`, one folder per (period, symbol).
 */

import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import { BAR_COLUMNS, barsRoot, barsSymbolDir } from "../../core/bars.ts";
import { type Compression, parquetCompression } from "../../core/compression.ts";
import { storedBars } from "../bars-schema.ts";
import { combineFingerprints, frameFingerprint } from "../cache/fingerprint.ts";

export interface MergeResult {
  rows: number;
  duplicates: number;
  /** Candle rows added to the dataset. */
  added: number;
  fingerprint: string;
}

function linkTree(src: string, dst: string): void {
  mkdirSync(dst, { recursive: true });
  for (const e of readdirSync(src, { withFileTypes: true })) {
    if (e.name.startsWith(".")) continue;
    const s = join(src, e.name);
    const d = join(dst, e.name);
    if (e.isDirectory()) linkTree(s, d);
    else {
      try {
        linkSync(s, d);
      } catch {
        copyFileSync(s, d); // another filesystem: fall back to a copy
      }
    }
  }
}

/**
 * Existing bar keys (date*1e6 + time, time −1 for EOD) of one symbol's partition, from `fromDay`
 * on: only the candle window can collide, so the filter runs in polars and JS sees a few rows. It
 * is on the stored `date` column itself, so files (and row groups) whose footer statistics end
 * before the window are skipped unread.
 */
function existingKeys(dir: string, fromDay: number): Set<number> {
  const keys = new Set<number>();
  if (!existsSync(dir)) return keys;
  for (const f of readdirSync(dir)) {
    if (!f.endsWith(".parquet") || f.startsWith(".")) continue;
    const df = pl
      .scanParquet(join(dir, f))
      .filter(pl.col("date").gtEq(pl.lit(fromDay).cast(pl.Int32).cast(pl.Date)))
      .select(pl.col("date").cast(pl.Int32).alias("d"), pl.col("time").fillNull(-1).alias("t"))
      .collectSync();
    const date = df.getColumn("d").toTypedArray() as Int32Array;
    const time = df.getColumn("t").cast(pl.Int32).toTypedArray() as Int32Array;
    for (let i = 0; i < date.length; i++) keys.add(date[i]! * 1e6 + time[i]!);
  }
  return keys;
}

/**
 * Build the merged dataset in `outDir` from the MetaStock dataset folder (may be null: no files
 * configured) and the candles frame (bars schema).
 */
export function mergeBars(
  metastock: { dir: string; rows: number; fingerprint: string } | null,
  candles: pl.DataFrame,
  outDir: string,
  o: {
    compression: Compression;
    csv?: boolean;
    /**
     * false: `outDir` gets the candle parts only, and the merged dataset is the two roots together
     * (`publishBars(lake, [metastock.dir, outDir])`): no tree of hard links to build and delete
     * each run (two file-system operations per symbol, ~1–2 s a cron day at 507 symbols on a busy
     * disk). Default true: `outDir` alone is the merged dataset.
     */
    link?: boolean;
  },
): MergeResult {
  mkdirSync(barsRoot(outDir), { recursive: true });
  if (o.link !== false && metastock && existsSync(barsRoot(metastock.dir)))
    linkTree(barsRoot(metastock.dir), barsRoot(outDir));
  let duplicates = 0;
  let added = 0;
  const addedParts: string[] = [];
  if (candles.height > 0) {
    const bySymbol = candles.sort(["symbol", "date"]).partitionBy(["symbol"], true, true);
    for (const part of bySymbol) {
      const symbol = String(part.getColumn("symbol").get(0));
      const period = String(part.getColumn("period").get(0));
      const srcDir = metastock ? barsSymbolDir(metastock.dir, period, symbol) : "";
      const date = part.getColumn("date").cast(pl.Int32).toArray() as number[];
      const keys = metastock ? existingKeys(srcDir, Math.min(...date)) : new Set<number>();
      const time = part.getColumn("time").toArray() as (number | null)[];
      const keep = new Array<boolean>(date.length);
      let kept = 0;
      for (let i = 0; i < date.length; i++) {
        keep[i] = !keys.has(date[i]! * 1e6 + (time[i] ?? -1));
        if (keep[i]) kept++;
      }
      duplicates += date.length - kept;
      if (kept === 0) continue;
      const fresh = kept === date.length ? part : part.filter(pl.Series("keep", keep));
      const dir = barsSymbolDir(outDir, period, symbol);
      mkdirSync(dir, { recursive: true });
      const out = fresh.select(...BAR_COLUMNS);
      if (o.csv) out.writeCSV(join(dir, "part-dxlink.csv"));
      // Stored types (Categorical text columns) like the imported files it sits beside.
      storedBars(out).writeParquet(join(dir, "part-dxlink.parquet"), {
        compression: parquetCompression(o.compression),
      });
      added += kept;
      addedParts.push(`${symbol}:${frameFingerprint(out)}`);
    }
  }
  return {
    rows: (metastock?.rows ?? 0) + added,
    duplicates,
    added,
    fingerprint: combineFingerprints([metastock?.fingerprint ?? "no-metastock", ...addedParts]),
  };
}
