/**
 * `ttapi sql --tables`: what the lake holds — per table its columns and types, partitions, files,
 * rows and partition range — and which tables of the contract have no data yet.
 */
import pl, { type DataType } from "nodejs-polars";
import { LAKE_TABLES, partitionColumns } from "../lake/index.ts";
import { type CatalogTable, findUnreadable, openCatalog } from "./catalog.ts";

export interface TableInventory {
  table: string;
  columns: { name: string; type: string; partition: boolean }[];
  partitionBy: string[];
  partitions: number;
  files: number;
  rows: number;
  /** First and last partition (e.g. `date=2026-01-02` … `date=2026-08-04`). */
  first: string;
  last: string;
}

export interface LakeInventory {
  root: string;
  tables: TableInventory[];
  absent: string[];
}

export function dtypeName(dt: DataType): string {
  return String(dt.variant === "Utf8" ? "String" : dt.toString()).replace(/^DataType\((.*)\)$/, "$1");
}

function describe(t: CatalogTable): TableInventory {
  const hive = partitionColumns(t.name);
  // Row counts come from the Parquet footers: polars answers `len()` of a plain scan from metadata.
  let rows: number;
  try {
    rows = Number(t.scan.select(pl.len().alias("n")).collectSync().getColumn("n").get(0));
  } catch (e) {
    throw findUnreadable(t.files()) ?? e;
  }
  return {
    table: t.name,
    columns: Object.entries(t.schema).map(([name, dt]) => ({
      name,
      type: dtypeName(dt),
      partition: hive.includes(name),
    })),
    partitionBy: [...hive],
    partitions: t.partitions.length,
    files: t.files().length,
    rows,
    first: t.partitions[0]!,
    last: t.partitions[t.partitions.length - 1]!,
  };
}

export function lakeInventory(root: string): LakeInventory {
  const catalog = openCatalog(root);
  return {
    root,
    tables: [...catalog.values()].map(describe),
    absent: LAKE_TABLES.filter((t) => !catalog.has(t)),
  };
}
