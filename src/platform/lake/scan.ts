/**
 * Reading the lake: a table as one lazy frame with its hive columns (`date`, or `period` and
 * `symbol`), so filters on them prune partitions before any file is opened.
 */

import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import { isAbbreviatedSymbolDir } from "../../core/bars.ts";
import { internalError } from "../../core/errors.ts";
import { isS3Root, lakeJoin, polarsCloudOptions } from "../../core/lake-root.ts";
import { hiveSafePath } from "./hive-root.ts";
import { tableDir } from "./paths.ts";
import { S3Store } from "./s3-store.ts";
import { LAKE_TABLES, type LakeTable } from "./tables.ts";

/**
 * The partitions of a table, as hive path segments relative to the table (e.g. `date=2026-08-04`,
 * `date=2026-08-04/time=1530`, `period=D/symbol=SPY`): every `key=value` folder without `key=value`
 * folders below it. Hidden folders (work in progress) are not partitions.
 */
export function listPartitions(root: string, table: LakeTable): string[] {
  if (isS3Root(root)) return partitionsOf(primedObjects(root, table));
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

/** The bars partitions (`period=P/symbol=…`) whose folder is the abbreviated name of a long symbol. */
export function abbreviatedBarsPartitions(root: string): string[] {
  if (isS3Root(root)) {
    // Known only from a primed listing (the SQL catalog has one); unprimed readers scan as before.
    if (!listings.has(root)) return [];
    return listPartitions(root, "bars").filter((p) => isAbbreviatedSymbolDir(p.split("/").at(-1) ?? ""));
  }
  const out: string[] = [];
  const bars = tableDir(root, "bars");
  const list = (d: string) => {
    try {
      return readdirSync(d);
    } catch {
      return [];
    }
  };
  // One listing per period (a few): the symbol folders' names tell, no file is opened.
  for (const period of list(bars).filter((n) => n.startsWith("period=")))
    for (const sym of list(join(bars, period))) if (isAbbreviatedSymbolDir(sym)) out.push(`${period}/${sym}`);
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
  const scan = (glob: string, hive: boolean) =>
    pl.scanParquet(glob, {
      hivePartitioning: hive,
      tryParseHiveDates: true,
      // An s3:// root: polars lists the prefix and fetches only the objects whose hive values pass
      // the query's filters (e.g. one symbol's bars), with ranged GETs.
      ...(isS3Root(root) ? { cloudOptions: polarsCloudOptions(root) } : {}),
    } as Parameters<typeof pl.scanParquet>[1]);
  // Through the hive-safe path: hive columns come only from below the table folder.
  const whole = scan(hiveSafePath(root, lakeJoin(tableDir(root, table), "**", "*.parquet")), true);
  const abbreviated = table === "bars" ? abbreviatedBarsPartitions(root) : [];
  if (abbreviated.length === 0) return whole;
  // A long symbol's folder name is not its symbol: read those folders' own `symbol` column.
  const names = abbreviated.map((p) => decodeURIComponent(p.split("/").at(-1)!.slice("symbol=".length)));
  return pl.concat(
    [
      whole.filter(pl.col("symbol").cast(pl.Utf8).isIn(names).not()),
      ...abbreviated.map((p) => scan(lakeJoin(tableDir(root, table), p, "*.parquet"), false)),
    ],
    { how: "vertical" },
  );
}

/** Whether a key below a table is committed lake data (hidden `.`/`_` segments are not, as in Hive). */
export function isDataKey(relative: string): boolean {
  return (
    relative.endsWith(".parquet") && !relative.split("/").some((s) => s.startsWith(".") || s.startsWith("_"))
  );
}

/** The Parquet objects of a table on an `s3://` root: key relative to the table, size, mtime. */
export async function listTableObjects(
  root: string,
  table: LakeTable,
): Promise<{ relative: string; key: string; size: number; lastModified: number; etag: string }[]> {
  const store = S3Store.of(root);
  const prefix = `${store.keyOf(tableDir(root, table))}/`;
  return (await store.list(prefix))
    .map((o) => ({ ...o, relative: o.key.slice(prefix.length) }))
    .filter((o) => isDataKey(o.relative))
    .sort((a, b) => (a.relative < b.relative ? -1 : 1));
}

export type TableObject = Awaited<ReturnType<typeof listTableObjects>>[number];

function partitionsOf(objects: readonly TableObject[]): string[] {
  const parts = new Set<string>();
  for (const o of objects) {
    const segs = o.relative.split("/").slice(0, -1);
    if (segs.length > 0 && segs.every((s) => s.includes("="))) parts.add(segs.join("/"));
  }
  return [...parts].sort();
}

/** `listPartitions` for either kind of root (an `s3://` root is listed over the network). */
export async function listPartitionsAsync(root: string, table: LakeTable): Promise<string[]> {
  if (!isS3Root(root)) return listPartitions(root, table);
  return partitionsOf(await listTableObjects(root, table));
}

/**
 * Synchronous readers of an `s3://` lake (the SQL catalog, the IV history) work from a listing
 * taken once, before they start: `primeS3Listing` lists every table (one LIST per table and
 * 1,000 objects). `listPartitions` and `tableObjects` then answer from it.
 */
const listings = new Map<string, Map<LakeTable, TableObject[]>>();

export async function primeS3Listing(root: string): Promise<void> {
  if (!isS3Root(root)) return;
  const tables = new Map<LakeTable, TableObject[]>();
  for (const t of LAKE_TABLES) tables.set(t, await listTableObjects(root, t));
  listings.set(root, tables);
}

function primedObjects(root: string, table: LakeTable): TableObject[] {
  const t = listings.get(root);
  if (!t)
    throw internalError(
      `the lake ${root} was not listed: call primeS3Listing before reading it synchronously`,
    );
  return t.get(table) ?? [];
}

/** The ETag and modification time of an `s3://` object from the primed listing ("" if unknown). */
export function objectTag(root: string, table: LakeTable, url: string): string {
  const rel = url.slice(tableDir(root, table).length + 1);
  const o = primedObjects(root, table).find((x) => x.relative === rel);
  return o ? `${o.etag}:${o.lastModified}:${o.size}` : "";
}

/** The data files of one partition (a relative hive path), local paths or `s3://` URLs. */
export function partitionFiles(root: string, table: LakeTable, partition: string): string[] {
  if (isS3Root(root))
    return primedObjects(root, table)
      .filter(
        (o) =>
          o.relative.startsWith(`${partition}/`) && !o.relative.slice(partition.length + 1).includes("/"),
      )
      .map((o) => lakeJoin(tableDir(root, table), o.relative));
  const dir = join(tableDir(root, table), partition);
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((f) => f.endsWith(".parquet") && !f.startsWith("."))
    .sort()
    .map((f) => join(dir, f));
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
