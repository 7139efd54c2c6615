/**
 * The lake as a SQL catalog: every table present under the lake root, scanned lazily with its
 * hive columns, so polars prunes partitions from a filter on `date`, `symbol` or `period` before
 * it opens a file.
 *
 * Two details make that pruning and plain SQL work together:
 * - The schema is given to the scan (from the footer of one file: the newest partition), so
 *   polars does not need to open any other file to plan a query.
 * - Text columns stored dictionary-encoded (bars' `symbol`, `period`, `source`: Categorical) are
 *   read as String by the scan itself (`categoricalToString`). Casting them after the scan
 *   instead would block predicate pushdown (measured: `WHERE symbol = 'X'` then opens every
 *   file), and `LIKE` does not work on Categorical.
 * Partitions written before a column existed read it as null (`missingColumns: "insert"`); a
 * column dropped since is ignored (`extraColumns: "ignore"`).
 */
import { type Dirent, readdirSync } from "node:fs";
import { join } from "node:path";
import pl, { type DataType } from "nodejs-polars";
import { dataError, type TTError } from "../../core/errors.ts";
import {
  hasTable,
  isS3Root,
  LAKE_TABLES,
  type LakeTable,
  lakeJoin,
  listPartitions,
  partitionFiles,
  polarsCloudOptions,
  s3RootOf,
  tableDir,
} from "../lake/index.ts";

export interface CatalogTable {
  name: LakeTable;
  /** Hive partitions, relative to the table folder (e.g. `date=2026-08-04`); listed on first use. */
  readonly partitions: string[];
  /** Every data file of the table, absolute (listed on first use: a query does not need them). */
  files(): string[];
  /** The file whose footer gave the schema. */
  schemaFile: string;
  schema: Record<string, DataType>;
  scan: pl.LazyDataFrame;
}

/** A partition's data files: walked locally, from the primed listing on an `s3://` root. */
function filesOf(root: string, name: LakeTable, partition: string): string[] {
  return isS3Root(root)
    ? partitionFiles(root, name, partition)
    : dataFiles(join(tableDir(root, name), partition));
}

/** polars options for reading an `s3://` object (its root's credentials); none for a local file. */
function cloudOf(path: string): { cloudOptions?: Record<string, string> } {
  const root = isS3Root(path) ? s3RootOf(path) : null;
  return root ? { cloudOptions: polarsCloudOptions(root) } : {};
}

function dataFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith(".")) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".parquet")) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** `date=2026-08-04/time=1530` → {date: "2026-08-04", time: "1530"}. */
export function hiveValues(partition: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const seg of partition.split("/")) {
    const eq = seg.indexOf("=");
    if (eq > 0) out[seg.slice(0, eq)] = seg.slice(eq + 1);
  }
  return out;
}

const SCAN_BASE = { hivePartitioning: true, tryParseHiveDates: true } as const;

/** The polars message's first line, whatever bytes of a damaged file it quotes. */
const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0]!.trim();

/**
 * A file's schema from its footer; a damaged file is a data error naming it. Built from `columns`
 * and `dtypes`: nodejs-polars' `schema` getter wraps every column in a Series object first, which
 * costs ~5 ms in a process that has not made one yet (a `ttapi sql` run).
 */
export function readSchema(file: string): Record<string, DataType> {
  try {
    // No rows: only the footer is decoded.
    const empty = isS3Root(file)
      ? pl
          .scanParquet(file, cloudOf(file) as Parameters<typeof pl.scanParquet>[1])
          .limit(0)
          .collectSync()
      : pl.readParquet(file, { nRows: 0 });
    const dtypes = empty.dtypes;
    return Object.fromEntries(empty.columns.map((c, i) => [c, dtypes[i]!]));
  } catch (e) {
    throw unreadableFile(file, e);
  }
}

export function unreadableFile(file: string, e: unknown): TTError {
  return dataError(`unreadable lake file ${file}: ${firstLine(e)}`, {
    hint: "the file is damaged: remove it (or its partition folder) and re-run ttapi run / ttapi import for it",
    cause: e,
  });
}

/** The first file of `files` whose footer cannot be read, with the error; null when all can. */
export function findUnreadable(files: readonly string[]): TTError | null {
  for (const f of files) {
    try {
      readSchema(f);
    } catch (e) {
      return e as TTError;
    }
  }
  return null;
}

/** A lazy scan of the files a glob matches, with the table's schema and (unless `hive` is false) hive columns. */
export function scanFiles(glob: string, schema: Record<string, DataType>, hive = true): pl.LazyDataFrame {
  return pl.scanParquet(glob, {
    ...SCAN_BASE,
    hivePartitioning: hive,
    ...cloudOf(glob),
    schema,
    missingColumns: "insert",
    extraColumns: "ignore",
    castOptions: { categoricalToString: "allow" },
  } as Parameters<typeof pl.scanParquet>[1]);
}

/**
 * The newest data file of a local table and its partition: the last partition in sort order that
 * holds a file (dates sort chronologically; bars: any symbol is alike), found by walking the hive
 * folders from the end, so planning a query lists one folder per level instead of every partition
 * (measured: 507 bars partitions, 4–8 ms). A partition folder left without a file (interrupted
 * write) is skipped, as `listPartitions` would.
 */
function newestLocalFile(dir: string, rel = ""): { file: string; partition: string } | null {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return null;
  }
  const subs = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith(".") && e.name.includes("="))
    .map((e) => e.name)
    .sort()
    .reverse();
  if (subs.length === 0) {
    const file = rel ? dataFiles(dir).at(-1) : undefined;
    return file ? { file, partition: rel } : null;
  }
  for (const name of subs) {
    const found = newestLocalFile(join(dir, name), rel ? `${rel}/${name}` : name);
    if (found) return found;
  }
  return null;
}

/** The newest data file of a table (see `newestLocalFile`); an `s3://` root answers from its listing. */
function newestFile(root: string, name: LakeTable): { file: string; partition: string } | null {
  if (!isS3Root(root)) return newestLocalFile(tableDir(root, name));
  const partitions = listPartitions(root, name);
  for (let i = partitions.length - 1; i >= 0; i--) {
    const file = filesOf(root, name, partitions[i]!).at(-1);
    if (file) return { file, partition: partitions[i]! };
  }
  return null;
}

/**
 * One table of the lake, or null when it has no data file yet. Only the newest file's footer is
 * read (for the schema); the partitions and files are listed when something asks for them
 * (`--tables`, `-v`), since polars lists and prunes them itself when the query runs.
 */
export function openTable(root: string, name: LakeTable): CatalogTable | null {
  const newest = newestFile(root, name);
  if (newest === null) return null;
  const dir = tableDir(root, name);
  const raw = readSchema(newest.file);
  const schema: Record<string, DataType> = {};
  for (const [col, dt] of Object.entries(raw)) schema[col] = dt.variant === "Categorical" ? pl.Utf8 : dt;
  // Hive columns come from the path; a file may also store them (bars does), which is the same value.
  const hive = hiveValues(newest.partition);
  for (const col of Object.keys(hive)) if (!(col in schema)) schema[col] = col === "date" ? pl.Date : pl.Utf8;
  const scan = scanFiles(lakeJoin(dir, "**", "*.parquet"), schema);
  let partitions: string[] | undefined;
  let files: string[] | undefined;
  const listed = () => {
    partitions ??= listPartitions(root, name);
    return partitions;
  };
  return {
    name,
    get partitions() {
      return listed();
    },
    files: () => {
      files ??= listed().flatMap((p) => filesOf(root, name, p));
      return files;
    },
    schemaFile: newest.file,
    schema,
    scan,
  };
}

/**
 * The tables present in the lake, in the contract's order (absent tables are simply missing);
 * with `only`, just those (a query opens the tables it names, not all ten).
 */
export function openCatalog(root: string, only?: ReadonlySet<string>): Map<LakeTable, CatalogTable> {
  const out = new Map<LakeTable, CatalogTable>();
  for (const name of LAKE_TABLES) {
    if (only && !only.has(name)) continue;
    const t = openTable(root, name);
    if (t) out.set(name, t);
  }
  return out;
}

/** Names of the tables that have data, without opening them. */
export function presentTables(root: string): LakeTable[] {
  return LAKE_TABLES.filter((t) => hasTable(root, t));
}
