/**
 * `ttapi lake status`: per table its partitions, date range, rows, bytes and files, from the
 * Parquet footers only (no data page is read). A file whose footer cannot be read is listed with
 * the fix; the rest of the table is counted as usual.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import { isS3Root, lakeJoin, polarsCloudOptions } from "../../core/lake-root.ts";
import { unreadableLine } from "./bars.ts";
import { listPartitions, listPartitionsAsync, listTableObjects } from "./scan.ts";
import { LAKE_TABLES, type LakeTable } from "./tables.ts";

export interface TableStatus {
  table: LakeTable;
  partitions: number;
  /** First and last `date` partition (snapshot tables) or bar date (bars); null when empty. */
  from: string | null;
  to: string | null;
  rows: number;
  bytes: number;
  files: number;
  /** Symbols (bars only). */
  symbols?: number;
}

export interface LakeStatus {
  root: string;
  tables: TableStatus[];
  /** One line per unreadable file: which file, why, and the fix. */
  unreadable: string[];
}

function parquetFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith(".")) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".parquet")) out.push(p);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

export function lakeStatus(root: string): LakeStatus {
  const tables: TableStatus[] = [];
  const unreadable: string[] = [];
  for (const table of LAKE_TABLES) {
    const files = parquetFiles(join(root, table));
    const parts = listPartitions(root, table);
    let rows = 0;
    let bytes = 0;
    let minDay: number | null = null;
    let maxDay: number | null = null;
    for (const f of files) {
      bytes += statSync(f).size;
      try {
        if (table === "bars") {
          const df = pl
            .scanParquet(f)
            .select(
              pl.len().alias("n"),
              pl.col("date").cast(pl.Int32).min().alias("lo"),
              pl.col("date").cast(pl.Int32).max().alias("hi"),
            )
            .collectSync();
          rows += Number(df.getColumn("n").get(0));
          const lo = df.getColumn("lo").get(0) as number | null;
          const hi = df.getColumn("hi").get(0) as number | null;
          if (lo !== null) minDay = minDay === null ? lo : Math.min(minDay, lo);
          if (hi !== null) maxDay = maxDay === null ? hi : Math.max(maxDay, hi);
        } else {
          rows += Number(pl.scanParquet(f).select(pl.len().alias("n")).collectSync().getColumn("n").get(0));
        }
      } catch (e) {
        unreadable.push(unreadableLine(root, f, e));
      }
    }
    const iso = (d: number | null) =>
      d === null ? null : new Date(d * 86_400_000).toISOString().slice(0, 10);
    const dates = parts.map((p) => /date=(\d{4}-\d\d-\d\d)/.exec(p)?.[1]).filter((d): d is string => !!d);
    tables.push({
      table,
      partitions: parts.length,
      from: table === "bars" ? iso(minDay) : (dates[0] ?? null),
      to: table === "bars" ? iso(maxDay) : (dates[dates.length - 1] ?? null),
      rows,
      bytes,
      files: files.length,
      ...(table === "bars" ? { symbols: new Set(parts.map((p) => p.split("/")[1])).size } : {}),
    });
  }
  return { root, tables, unreadable };
}

/**
 * `lakeStatus` for either kind of root. On an `s3://` root the objects are listed (sizes from the
 * listing) and each object's footer is read for its row count (a ranged GET per object); `bars`'
 * date range reads the `date` column.
 */
export async function lakeStatusAsync(root: string): Promise<LakeStatus> {
  if (!isS3Root(root)) return lakeStatus(root);
  const tables: TableStatus[] = [];
  const unreadable: string[] = [];
  const cloudOptions = polarsCloudOptions(root);
  for (const table of LAKE_TABLES) {
    const objects = await listTableObjects(root, table);
    const parts = await listPartitionsAsync(root, table);
    let rows = 0;
    let minDay: number | null = null;
    let maxDay: number | null = null;
    for (const o of objects) {
      const url = lakeJoin(root, table, o.relative);
      try {
        const lf = pl.scanParquet(url, { cloudOptions } as Parameters<typeof pl.scanParquet>[1]);
        if (table === "bars") {
          const df = await lf
            .select(
              pl.len().alias("n"),
              pl.col("date").cast(pl.Int32).min().alias("lo"),
              pl.col("date").cast(pl.Int32).max().alias("hi"),
            )
            .collect();
          rows += Number(df.getColumn("n").get(0));
          const lo = df.getColumn("lo").get(0) as number | null;
          const hi = df.getColumn("hi").get(0) as number | null;
          if (lo !== null) minDay = minDay === null ? lo : Math.min(minDay, lo);
          if (hi !== null) maxDay = maxDay === null ? hi : Math.max(maxDay, hi);
        } else {
          rows += Number((await lf.select(pl.len().alias("n")).collect()).getColumn("n").get(0));
        }
      } catch (e) {
        const why = String((e as Error).message ?? e).split("\n")[0];
        unreadable.push(
          `${url}: cannot read it (${why}); fix: delete or rewrite this object (e.g. run the command that writes it again)`,
        );
      }
    }
    const iso = (d: number | null) =>
      d === null ? null : new Date(d * 86_400_000).toISOString().slice(0, 10);
    const dates = parts.map((p) => /date=(\d{4}-\d\d-\d\d)/.exec(p)?.[1]).filter((d): d is string => !!d);
    tables.push({
      table,
      partitions: parts.length,
      from: table === "bars" ? iso(minDay) : (dates[0] ?? null),
      to: table === "bars" ? iso(maxDay) : (dates[dates.length - 1] ?? null),
      rows,
      bytes: objects.reduce((a, o) => a + o.size, 0),
      files: objects.length,
      ...(table === "bars" ? { symbols: new Set(parts.map((p) => p.split("/")[1])).size } : {}),
    });
  }
  return { root, tables, unreadable };
}
