/**
 * Reading one lake table for the report, tolerant of old and partial lakes: a missing table or a
 * missing required column becomes a note (shown in the affected sections), a missing optional
 * column becomes nulls. Snapshots are reduced to the last one per key and date (intraday
 * `time=HHMM` partitions and re-runs of a day collapse to the newest), so every series has one
 * point per trading date.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import {
  hasTable,
  isS3Root,
  type LakeTable,
  listPartitions,
  partitionFiles,
  polarsCloudOptions,
  tableDir,
} from "../lake/index.ts";

export interface TableRead {
  df: pl.DataFrame | null;
  note: string | null;
  /** Optional columns the table does not have (filled with nulls). */
  absent: string[];
}

export interface ReadSpec {
  required: string[];
  optional?: string[];
  /** Columns that identify one row within a date (besides `date`). */
  keys: string[];
  /** The column holding the underlying symbol, for `symbols` filtering. */
  symbolCol: string;
  symbols?: readonly string[] | null;
  /** Only the newest date of the table. */
  latestOnly?: boolean;
  /** An extra row filter (applied only when the columns it uses exist). */
  filter?: pl.Expr;
}

/** The snapshot dates of a table, ascending (`YYYY-MM-DD`), from its partition folders. */
export function partitionDates(root: string, table: LakeTable): string[] {
  const out = new Set<string>();
  for (const p of listPartitions(root, table)) {
    const m = /^date=(\d{4}-\d{2}-\d{2})/.exec(p);
    if (m) out.add(m[1]!);
  }
  return [...out].sort();
}

/**
 * A snapshot table as one lazy frame over its partitions (`date`, and `time` when intraday), each
 * file scanned on its own and stacked diagonally: a lake whose older partitions lack columns that
 * newer ones have (a column added by a later ttapi) reads as one frame with nulls there, where a
 * single glob scan fails on the differing schemas. `onlyDate` reads just that date's partitions.
 */
export function scanPartitions(root: string, table: LakeTable, onlyDate?: string): pl.LazyDataFrame | null {
  const scans: pl.LazyDataFrame[] = [];
  const add = (dir: string, date: string, time: string | null) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith(".")) continue;
      const t = /^time=(\d{4})$/.exec(e.name)?.[1];
      if (e.isDirectory() && t && time === null) add(join(dir, e.name), date, t);
      else if (e.isFile() && e.name.endsWith(".parquet"))
        scans.push(
          pl.scanParquet(join(dir, e.name)).withColumns(
            pl
              .lit(new Date(`${date}T00:00:00Z`))
              .cast(pl.Date)
              .alias("date"),
            pl.lit(time).cast(pl.Utf8).alias("time"),
          ),
        );
    }
  };
  if (isS3Root(root)) {
    // An s3:// lake: the partitions' objects from the primed listing, each with the root's options.
    for (const part of listPartitions(root, table)) {
      const m = /^date=(\d{4}-\d{2}-\d{2})(?:\/time=(\d{4}))?$/.exec(part);
      if (!m || (onlyDate && m[1] !== onlyDate)) continue;
      for (const url of partitionFiles(root, table, part))
        scans.push(
          pl
            .scanParquet(url, { cloudOptions: polarsCloudOptions(root) } as Parameters<
              typeof pl.scanParquet
            >[1])
            .withColumns(
              pl
                .lit(new Date(`${m[1]}T00:00:00Z`))
                .cast(pl.Date)
                .alias("date"),
              pl
                .lit(m[2] ?? null)
                .cast(pl.Utf8)
                .alias("time"),
            ),
        );
    }
  } else {
    // Partitions are `date=…` or, intraday, `date=…/time=…`: each date folder is read once (its
    // time folders below it by `add`).
    for (const date of partitionDates(root, table)) {
      if (onlyDate && date !== onlyDate) continue;
      add(join(tableDir(root, table), `date=${date}`), date, null);
    }
  }
  if (!scans.length) return null;
  return scans.length === 1 ? scans[0]! : pl.concat(scans, { how: "diagonalRelaxed" });
}

export function missingTableNote(table: string): string {
  return `table \`${table}\` is not in the lake yet (\`ttapi run\` writes it)`;
}

export function readSnapshot(root: string, table: LakeTable, spec: ReadSpec): TableRead {
  if (!hasTable(root, table)) return { df: null, note: missingTableNote(table), absent: [] };
  try {
    const last = spec.latestOnly ? partitionDates(root, table).at(-1) : undefined;
    let lf = scanPartitions(root, table, last);
    if (!lf) return { df: null, note: missingTableNote(table), absent: [] };
    const have = new Set(lf.columns);
    const missing = spec.required.filter((c) => !have.has(c));
    if (missing.length)
      return {
        df: null,
        note: `table \`${table}\` has no column${missing.length > 1 ? "s" : ""} ${missing.map((c) => `\`${c}\``).join(", ")} (written by an older ttapi?): re-run \`ttapi run\` to refresh it`,
        absent: [],
      };
    if (spec.symbols)
      lf = lf.filter(
        pl
          .col(spec.symbolCol)
          .cast(pl.Utf8)
          .isIn([...spec.symbols]),
      );
    if (spec.filter) lf = lf.filter(spec.filter);
    const optional = spec.optional ?? [];
    const absent = optional.filter((c) => !have.has(c));
    const order = ["snapshot_time", "time"].filter((c) => have.has(c));
    const cols = [
      ...spec.required.map((c) => (c === spec.symbolCol ? pl.col(c).cast(pl.Utf8) : pl.col(c))),
      ...optional.map((c) => (have.has(c) ? pl.col(c) : pl.lit(null).alias(c))),
      pl.col("date").cast(pl.Int32).alias("date"),
      ...order.map((c) => pl.col(c)),
    ];
    let df = lf.select(...cols).collectSync();
    if (order.length) df = df.sort(order);
    // The newest snapshot of each key and date wins.
    df = df.unique({ subset: [...spec.keys, "date"], keep: "last", maintainOrder: true });
    df = df.sort([spec.keys[0]!, "date", ...spec.keys.slice(1)]);
    return { df, note: null, absent };
  } catch (e) {
    return {
      df: null,
      note: `table \`${table}\` could not be read: ${(e as Error).message.split("\n")[0]}`,
      absent: [],
    };
  }
}

/** A column as a JS array (numbers, strings or nulls); Date columns come back as day numbers. */
export function column<T = number | null>(df: pl.DataFrame, name: string): T[] {
  const s = df.getColumn(name);
  if (s.dtype.equals(pl.Date)) return s.cast(pl.Int32).toArray() as T[];
  if (s.dtype.equals(pl.Null)) return new Array(df.height).fill(null) as T[];
  return s.toArray() as T[];
}

/** Row indices grouped by the value of a (sorted) key column. */
export function groupRows(keys: readonly string[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  keys.forEach((k, i) => {
    const list = out.get(k);
    if (list) list.push(i);
    else out.set(k, [i]);
  });
  return out;
}

/** A finite number or null (NaN, ±Infinity, bigint and non-numbers become null / numbers). */
export function num(v: unknown): number | null {
  if (typeof v === "bigint") return Number(v);
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** Cells of read tables by row index; each column is converted to a JS array once, on first use. */
export class Cells {
  private readonly arrays = new Map<TableRead, Map<string, unknown[]>>();

  value(t: TableRead, name: string, i: number | undefined): unknown {
    if (!t.df || i === undefined) return null;
    let cols = this.arrays.get(t);
    if (!cols) {
      cols = new Map();
      this.arrays.set(t, cols);
    }
    let a = cols.get(name);
    if (!a) {
      a = column<unknown>(t.df, name);
      cols.set(name, a);
    }
    return a[i];
  }

  num(t: TableRead, name: string, i: number | undefined): number | null {
    return num(this.value(t, name, i));
  }

  text(t: TableRead, name: string, i: number | undefined): string | null {
    const v = this.value(t, name, i);
    return typeof v === "string" && v ? v : null;
  }
}
