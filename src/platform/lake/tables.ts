/**
 * The lake's tables: the one user-facing dataset under `<data-dir>/lake/`. Paths and column names
 * here are a public contract (README "The lake"): other tools (DuckDB, polars, Spark) read them,
 * so a change is a migration, never a rename in passing.
 *
 * - `bars` is partitioned by `period=<P>/symbol=<S>/` exactly as `ttapi import` writes it.
 * - Every other table is a daily snapshot: `<table>/date=YYYY-MM-DD/part-0.parquet`, or with
 *   `--snapshot intraday` `<table>/date=YYYY-MM-DD/time=HHMM/part-0.parquet`. `date` is the
 *   trading date the snapshot describes; each row carries `snapshot_time` (UTC).
 */
export const SNAPSHOT_TABLES = [
  "chains",
  "option_quotes",
  "metrics",
  "quotes",
  "positions",
  "balances",
  "volatility",
  "iv_hv",
  "expected_moves",
] as const;
export type SnapshotTable = (typeof SNAPSHOT_TABLES)[number];

export const LAKE_TABLES = ["bars", ...SNAPSHOT_TABLES] as const;
export type LakeTable = (typeof LAKE_TABLES)[number];

export function isLakeTable(s: string): s is LakeTable {
  return (LAKE_TABLES as readonly string[]).includes(s);
}

export function isSnapshotTable(s: string): s is SnapshotTable {
  return (SNAPSHOT_TABLES as readonly string[]).includes(s);
}

/** The hive columns each table is partitioned by, outermost first. */
export function partitionColumns(table: LakeTable): readonly string[] {
  return table === "bars" ? ["period", "symbol"] : ["date"];
}

/** The fixed file name of a snapshot partition: one file, replaced atomically by rename. */
export const SNAPSHOT_PART = "part-0.parquet";
