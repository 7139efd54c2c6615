/**
 * Where the lake and its partitions live. Partition values are validated before they become path
 * segments: a date is `YYYY-MM-DD`, an intraday time `HHMM`; nothing else reaches the filesystem.
 */
import { join } from "node:path";
import { usageError } from "../../core/errors.ts";
import { lakeJoin } from "../../core/lake-root.ts";
import { type LakeTable, SNAPSHOT_PART, type SnapshotTable } from "./tables.ts";

/** The default lake root of a data directory. */
export function lakeRoot(dataDir: string): string {
  return join(dataDir, "lake");
}

/** A table's folder; for an `s3://` root, its key prefix (without the trailing slash). */
export function tableDir(root: string, table: LakeTable): string {
  return lakeJoin(root, table);
}

/** A snapshot partition: one trading date, optionally one intraday time of that date. */
export interface SnapshotPartition {
  date: string; // YYYY-MM-DD
  time?: string; // HHMM (intraday snapshots only)
}

const DATE_RE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const TIME_RE = /^([01]\d|2[0-3])[0-5]\d$/;

export function checkPartition(p: SnapshotPartition): SnapshotPartition {
  if (!DATE_RE.test(p.date))
    throw usageError(`invalid lake partition date "${p.date}"`, { hint: "use YYYY-MM-DD" });
  if (p.time !== undefined && !TIME_RE.test(p.time))
    throw usageError(`invalid lake partition time "${p.time}"`, { hint: "use HHMM, e.g. 1530" });
  return p;
}

export function partitionDir(root: string, table: SnapshotTable, p: SnapshotPartition): string {
  checkPartition(p);
  const day = lakeJoin(tableDir(root, table), `date=${p.date}`);
  return p.time === undefined ? day : lakeJoin(day, `time=${p.time}`);
}

export function partitionFile(root: string, table: SnapshotTable, p: SnapshotPartition): string {
  return lakeJoin(partitionDir(root, table, p), SNAPSHOT_PART);
}
