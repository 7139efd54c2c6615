/**
 * Housekeeping: `prune` drops history before a date, `compact` merges a partition's small files
 * into one. Both replace whole partition folders through `swap.ts` (never visible half-done to a
 * glob) and hold the lake's import lock, so they never interleave with an import or a run's bars
 * publish.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import { usageError } from "../../core/errors.ts";
import { storedBars } from "../bars-schema.ts";
import { lockOutput, recoverOutput } from "../import/output.ts";
import { writePart } from "../import/parquet.ts";
import { recoverBars, unreadableLine } from "./bars.ts";
import { checkPartition, tableDir } from "./paths.ts";
import { listPartitions } from "./scan.ts";
import { finishWork, newBuildDir, removeFolder, swapIn } from "./swap.ts";
import { isSnapshotTable, type LakeTable, SNAPSHOT_TABLES } from "./tables.ts";

export interface MaintainResult {
  table: LakeTable;
  partitions: number;
  rows: number;
  bytes: number;
  /** Files before and after (compact). */
  filesBefore?: number;
  filesAfter?: number;
}

function partFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".parquet") && !f.startsWith("."))
    .sort()
    .map((f) => join(dir, f));
}

function bytesOf(files: readonly string[]): number {
  return files.reduce((n, f) => n + statSync(f).size, 0);
}

const rowsOf = (files: readonly string[]) =>
  files.reduce(
    (n, f) => n + Number(pl.scanParquet(f).select(pl.len().alias("n")).collectSync().getColumn("n").get(0)),
    0,
  );

function withLock<T>(root: string, fn: () => T): T {
  recoverOutput(root);
  recoverBars(root);
  const release = lockOutput(root);
  try {
    return fn();
  } finally {
    finishWork(root);
    release();
  }
}

/**
 * Remove history before `before` (YYYY-MM-DD, exclusive). Default: every snapshot table; `bars`
 * only when named, since the statistics need their history (and a run re-adds whatever its
 * MetaStock sources still hold).
 */
export function pruneLake(root: string, before: string, tables?: readonly LakeTable[]): MaintainResult[] {
  checkPartition({ date: before });
  const list = tables ?? SNAPSHOT_TABLES;
  return withLock(root, () => {
    const out: MaintainResult[] = [];
    for (const table of list) {
      const r: MaintainResult = { table, partitions: 0, rows: 0, bytes: 0 };
      if (isSnapshotTable(table)) {
        const dates = new Set(
          listPartitions(root, table)
            .map((p) => p.split("/")[0]!)
            .filter((d) => d.slice("date=".length) < before),
        );
        for (const d of dates) {
          const dir = join(tableDir(root, table), d);
          const files = readdirSync(dir, { recursive: true })
            .map(String)
            .filter((f) => f.endsWith(".parquet") && !f.split("/").some((s) => s.startsWith(".")))
            .map((f) => join(dir, f));
          r.bytes += bytesOf(files);
          try {
            r.rows += rowsOf(files);
          } catch {
            // an unreadable file is pruned all the same: it is being removed
          }
          removeFolder(root, dir);
          r.partitions++;
        }
      } else {
        const cutoff = Math.floor(Date.parse(`${before}T00:00:00Z`) / 86_400_000);
        for (const p of listPartitions(root, "bars")) {
          const dir = join(tableDir(root, "bars"), p);
          const files = partFiles(dir);
          const df = pl.concat(
            files.map((f) =>
              storedBars(pl.readParquet(f)).withColumns(pl.col(["symbol", "period", "source"]).cast(pl.Utf8)),
            ),
            { how: "vertical" },
          );
          const keep = df.filter(pl.col("date").cast(pl.Int32).gtEq(cutoff));
          if (keep.height === df.height) continue;
          r.rows += df.height - keep.height;
          r.partitions++;
          if (keep.height === 0) {
            r.bytes += bytesOf(files);
            removeFolder(root, dir);
            continue;
          }
          const before = bytesOf(files);
          const built = newBuildDir(root);
          writePart(storedBars(keep.sort(["date", "time"])), join(built, "part-0.parquet"), {
            compression: "zstd",
            csv: false,
            durable: true,
          });
          swapIn(root, built, dir);
          r.bytes += before - bytesOf(partFiles(dir));
        }
      }
      out.push(r);
    }
    return out;
  });
}

/**
 * Merge every partition that has several files into one (`part-0.parquet`): mostly `bars`
 * folders, which gain one small part per daily run. Rows and their order by key are unchanged.
 */
export function compactLake(
  root: string,
  tables?: readonly LakeTable[],
): { results: MaintainResult[]; unreadable: string[] } {
  const unreadable: string[] = [];
  const list = tables ?? (["bars", ...SNAPSHOT_TABLES] as LakeTable[]);
  const results = withLock(root, () => {
    const out: MaintainResult[] = [];
    for (const table of list) {
      const r: MaintainResult = { table, partitions: 0, rows: 0, bytes: 0, filesBefore: 0, filesAfter: 0 };
      if (!existsSync(tableDir(root, table))) {
        out.push(r);
        continue;
      }
      for (const p of listPartitions(root, table)) {
        const dir = join(tableDir(root, table), p);
        const files = partFiles(dir);
        r.filesBefore! += files.length;
        if (files.length < 2) {
          r.filesAfter! += files.length;
          continue;
        }
        const frames: pl.DataFrame[] = [];
        let broken: string | null = null;
        for (const f of files) {
          try {
            frames.push(pl.readParquet(f));
          } catch (e) {
            broken = unreadableLine(root, f, e);
            break;
          }
        }
        if (broken) {
          unreadable.push(broken);
          r.filesAfter! += files.length;
          continue;
        }
        const built = newBuildDir(root);
        const target = join(built, "part-0.parquet");
        let merged: pl.DataFrame;
        if (table === "bars") {
          merged = pl
            .concat(
              frames.map((f) =>
                storedBars(f).withColumns(pl.col(["symbol", "period", "source"]).cast(pl.Utf8)),
              ),
              { how: "vertical" },
            )
            .sort(["date", "time"]);
          writePart(storedBars(merged), target, { compression: "zstd", csv: false, durable: true });
        } else {
          merged = pl.concat(frames, { how: "diagonal" });
          writePart(merged, target, { compression: "zstd", csv: false, durable: true });
        }
        const before = bytesOf(files);
        swapIn(root, built, dir);
        r.partitions++;
        r.rows += merged.height;
        r.bytes += before - bytesOf(partFiles(dir));
        r.filesAfter! += 1;
      }
      out.push(r);
    }
    return out;
  });
  return { results, unreadable };
}

/** Validate `--table` values. */
export function parseTables(text: string | undefined): LakeTable[] | undefined {
  if (!text) return undefined;
  const out: LakeTable[] = [];
  for (const t of text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (![...SNAPSHOT_TABLES, "bars"].includes(t as LakeTable))
      throw usageError(`unknown lake table "${t}"`, {
        hint: `use some of: bars, ${SNAPSHOT_TABLES.join(", ")}`,
      });
    out.push(t as LakeTable);
  }
  return out;
}
