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

/** What one file contributes: its row count, and for bars its date range (footer statistics). */
function fileStats(lf: pl.LazyDataFrame, table: LakeTable): pl.LazyDataFrame {
  return table === "bars"
    ? lf.select(
        pl.len().alias("n"),
        pl.col("date").cast(pl.Int32).min().alias("lo"),
        pl.col("date").cast(pl.Int32).max().alias("hi"),
      )
    : lf.select(pl.len().alias("n"));
}

/** Rows and bar-date range of a table, summed file by file. */
class TableTally {
  rows = 0;
  private minDay: number | null = null;
  private maxDay: number | null = null;

  add(stats: pl.DataFrame): void {
    this.rows += Number(stats.getColumn("n").get(0));
    if (!stats.columns.includes("lo")) return;
    const lo = stats.getColumn("lo").get(0) as number | null;
    const hi = stats.getColumn("hi").get(0) as number | null;
    if (lo !== null) this.minDay = this.minDay === null ? lo : Math.min(this.minDay, lo);
    if (hi !== null) this.maxDay = this.maxDay === null ? hi : Math.max(this.maxDay, hi);
  }

  /** The table's line: snapshot tables span their date partitions, bars their bar dates. */
  status(table: LakeTable, parts: readonly string[], bytes: number, files: number): TableStatus {
    const iso = (d: number | null) =>
      d === null ? null : new Date(d * 86_400_000).toISOString().slice(0, 10);
    const dates = parts.map((p) => /date=(\d{4}-\d\d-\d\d)/.exec(p)?.[1]).filter((d): d is string => !!d);
    return {
      table,
      partitions: parts.length,
      from: table === "bars" ? iso(this.minDay) : (dates[0] ?? null),
      to: table === "bars" ? iso(this.maxDay) : (dates[dates.length - 1] ?? null),
      rows: this.rows,
      bytes,
      files,
      ...(table === "bars" ? { symbols: new Set(parts.map((p) => p.split("/")[1])).size } : {}),
    };
  }
}

export function lakeStatus(root: string): LakeStatus {
  const tables: TableStatus[] = [];
  const unreadable: string[] = [];
  for (const table of LAKE_TABLES) {
    const files = parquetFiles(join(root, table));
    const parts = listPartitions(root, table);
    const tally = new TableTally();
    let bytes = 0;
    for (const f of files) {
      bytes += statSync(f).size;
      try {
        tally.add(fileStats(pl.scanParquet(f), table).collectSync());
      } catch (e) {
        unreadable.push(unreadableLine(root, f, e));
      }
    }
    tables.push(tally.status(table, parts, bytes, files.length));
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
    const tally = new TableTally();
    for (const o of objects) {
      const url = lakeJoin(root, table, o.relative);
      try {
        const lf = pl.scanParquet(url, { cloudOptions } as Parameters<typeof pl.scanParquet>[1]);
        tally.add(await fileStats(lf, table).collect());
      } catch (e) {
        const why = String((e as Error).message ?? e).split("\n")[0];
        unreadable.push(
          `${url}: cannot read it (${why}); fix: delete or rewrite this object (e.g. run the command that writes it again)`,
        );
      }
    }
    tables.push(
      tally.status(
        table,
        parts,
        objects.reduce((a, o) => a + o.size, 0),
        objects.length,
      ),
    );
  }
  return { root, tables, unreadable };
}
