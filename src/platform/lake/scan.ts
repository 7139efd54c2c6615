/**
 * Reading the lake: a table as one lazy frame with its hive columns (`date`, or `period` and
 * `symbol`), so filters on them prune partitions before any file is opened.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import { tableDir } from "./paths.ts";
import type { LakeTable } from "./tables.ts";

/**
 * The partitions of a table, as hive path segments relative to the table (e.g. `date=2026-08-04`,
 * `date=2026-08-04/time=1530`, `period=D/symbol=SPY`): every `key=value` folder without `key=value`
 * folders below it. Hidden folders (work in progress) are not partitions.
 */
export function listPartitions(root: string, table: LakeTable): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    let subs: string[] = [];
    try {
      subs = readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && !e.name.startsWith(".") && e.name.includes("="))
        .map((e) => e.name);
    } catch {
      return;
    }
    if (subs.length === 0) {
      if (rel) out.push(rel);
      return;
    }
    for (const name of subs) walk(join(dir, name), rel ? `${rel}/${name}` : name);
  };
  if (existsSync(tableDir(root, table))) walk(tableDir(root, table), "");
  return out.sort();
}

/** Whether the table has at least one partition. */
export function hasTable(root: string, table: LakeTable): boolean {
  return listPartitions(root, table).length > 0;
}

/**
 * The table as a lazy frame with its hive columns. `date` partitions are typed Date. Work in
 * progress never matches the glob: temp files end in `.tmp`, and staging folders live outside the
 * table's folder (a glob does descend into hidden folders, so none may hold Parquet files there).
 */
export function scanTable(root: string, table: LakeTable): pl.LazyDataFrame {
  const glob = join(tableDir(root, table), "**", "*.parquet");
  return pl.scanParquet(glob, {
    hivePartitioning: true,
    tryParseHiveDates: true,
  } as Parameters<typeof pl.scanParquet>[1]);
}

/**
 * Which snapshot layout a table already uses: `daily` (`date=…/`), `intraday` (`date=…/time=…/`)
 * or null (empty). Hive readers (polars, DuckDB) refuse a table that mixes the two.
 */
export function snapshotLayout(root: string, table: LakeTable): "daily" | "intraday" | null {
  const first = listPartitions(root, table)[0];
  if (!first) return null;
  return first.includes("/time=") ? "intraday" : "daily";
}
