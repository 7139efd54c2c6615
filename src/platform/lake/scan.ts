/**
 * Reading the lake: a table as one lazy frame with its hive columns (`date`, or `period` and
 * `symbol`), so filters on them prune partitions before any file is opened.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import { tableDir } from "./paths.ts";
import { type LakeTable, partitionColumns } from "./tables.ts";

/** The partitions of a table, as hive path segments relative to the table (e.g. `date=2026-08-04`). */
export function listPartitions(root: string, table: LakeTable): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string, depth: number) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory() || e.name.startsWith(".") || !e.name.includes("=")) continue;
      const next = rel ? `${rel}/${e.name}` : e.name;
      if (depth + 1 >= partitionColumns(table).length) out.push(next);
      else walk(join(dir, e.name), next, depth + 1);
    }
  };
  walk(tableDir(root, table), "", 0);
  return out.sort();
}

/** Whether the table has at least one partition. */
export function hasTable(root: string, table: LakeTable): boolean {
  return listPartitions(root, table).length > 0;
}

/**
 * The table as a lazy frame with its hive columns. `date` partitions are typed Date. Hidden
 * entries (temp files, staging folders) never match the glob, since they start with a dot.
 */
export function scanTable(root: string, table: LakeTable): pl.LazyDataFrame {
  const glob = join(tableDir(root, table), "**", "*.parquet");
  return pl.scanParquet(glob, {
    hivePartitioning: true,
    tryParseHiveDates: true,
  } as Parameters<typeof pl.scanParquet>[1]);
}
