/**
 * The run's last step: every snapshot table of this run into the lake, one partition each
 * (`lake/<table>/date=…/[time=HHMM/]part-0.parquet`, replaced atomically). A table whose artifact is
 * missing (its task failed) is not written: that date keeps its previous partition, and the
 * summary says so. A partition already holding exactly this data (same artifact fingerprint and
 * snapshot time, file untouched since) is not rewritten, so a cached cron run costs almost
 * nothing; a new date is always written. A failed write (full disk) leaves the previous file in
 * place and is reported with its reason.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type pl from "nodejs-polars";
import { atomicWriteFileSync } from "../../core/atomic.ts";
import { toTTError } from "../../core/errors.ts";
import { isS3Root } from "../../core/lake-root.ts";
import { partitionFile, type SnapshotPartition } from "../lake/paths.ts";
import type { BarsSyncSummary } from "../lake/s3-bars.ts";
import { S3Store } from "../lake/s3-store.ts";
import type { SnapshotTable } from "../lake/tables.ts";
import { type PartitionWrite, type WritePartitionOptions, writePartition } from "../lake/write.ts";
import type { ArtifactValue } from "./artifact-task.ts";
import {
  chainsLong,
  expectedMovesFrame,
  SNAPSHOT_SOURCES,
  volatilityFrame,
  withSnapshotTime,
} from "./lake-frames.ts";

export type LakeWriteState = "written" | "unchanged" | "missing" | "failed";

export interface LakeTableResult {
  table: SnapshotTable;
  /** Partition path relative to the table, e.g. `date=2026-08-04`. */
  partition: string;
  state: LakeWriteState;
  rows: number;
  bytes: number;
  reason?: string;
}

export interface LakeSummary {
  root: string;
  date: string;
  time?: string;
  tables: LakeTableResult[];
  /** Tables not written this run (missing input or failed write): their previous partitions stand. */
  failed: number;
  seconds: number;
  /** An `s3://` lake: the bars sent to the bucket (or why they were not). */
  s3Bars?: BarsSyncSummary | { error: string };
}

/** Size and modification time of a written partition file, local or on S3 (null: gone). */
async function statPartition(root: string, file: string): Promise<{ size: number; mtimeMs: number } | null> {
  if (isS3Root(root)) {
    const store = S3Store.of(root);
    const st = await store.stat(store.keyOf(file));
    return st ? { size: st.size, mtimeMs: st.lastModified } : null;
  }
  try {
    const st = statSync(file);
    return { size: st.size, mtimeMs: st.mtimeMs };
  } catch {
    return null;
  }
}

/** What the last write of each partition was made from (cache metadata, not part of the lake). */
interface WriteRecord {
  fingerprint: string;
  snapshotTime: number;
  bytes: number;
  mtimeMs: number;
}

export type PartitionWriter = (
  root: string,
  table: SnapshotTable,
  partition: SnapshotPartition,
  frame: pl.DataFrame,
  opts?: WritePartitionOptions,
) => Promise<PartitionWrite>;

export interface LakeStepOptions {
  root: string;
  /** Where the write records live (the cache folder). */
  stateFile: string;
  partition: SnapshotPartition;
  /** Artifact values by task id (absent: the task failed or did not run). */
  values: ReadonlyMap<string, ArtifactValue | undefined>;
  /** Replaceable for fault tests (a full disk); default `writePartition`. */
  write?: PartitionWriter;
}

const partitionLabel = (p: SnapshotPartition) =>
  p.time ? `date=${p.date}/time=${p.time}` : `date=${p.date}`;

function readRecords(path: string): Record<string, WriteRecord> {
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, WriteRecord>;
  } catch {
    return {}; // unreadable records only cost one rewrite of each partition
  }
}

/** The frame of a snapshot table, from its artifact; null when there is nothing to snapshot. */
export function snapshotFrame(table: SnapshotTable, v: ArtifactValue, date: string): pl.DataFrame | null {
  switch (table) {
    case "chains":
      return chainsLong(v.frame(), date, v.createdAt);
    case "volatility":
      // No bars at all (no sources, no candles): the statistics stage wrote no tables.
      if (!v.dir || !existsSync(join(v.dir, "stats", "latest.parquet"))) return null;
      return volatilityFrame(v.dir, v.createdAt);
    case "expected_moves":
      return expectedMovesFrame(v.frame(), v.createdAt);
    default:
      return withSnapshotTime(v.frame(), v.createdAt);
  }
}

export async function writeSnapshots(o: LakeStepOptions): Promise<LakeSummary> {
  const t0 = performance.now();
  const write = o.write ?? writePartition;
  const records = readRecords(o.stateFile);
  const label = partitionLabel(o.partition);
  const tables: LakeTableResult[] = [];
  let dirty = false;
  for (const src of SNAPSHOT_SOURCES) {
    const key = `${src.table}/${label}`;
    const v = o.values.get(src.task);
    if (!v) {
      tables.push({
        table: src.table,
        partition: label,
        state: "missing",
        rows: 0,
        bytes: 0,
        reason: `${src.task} did not produce data; the previous partitions are kept`,
      });
      continue;
    }
    const file = partitionFile(o.root, src.table, o.partition);
    const rec = records[key];
    if (rec && rec.fingerprint === v.fingerprint && rec.snapshotTime === v.createdAt) {
      // Gone (pruned, deleted) or touched since: write it again. A store that cannot answer
      // gets the write attempted, which reports the failure.
      const st = await statPartition(o.root, file).catch(() => null);
      if (st && st.size === rec.bytes && Math.floor(st.mtimeMs) === rec.mtimeMs) {
        tables.push({
          table: src.table,
          partition: label,
          state: "unchanged",
          rows: v.rows,
          bytes: st.size,
        });
        continue;
      }
    }
    try {
      const frame = snapshotFrame(src.table, v, o.partition.date);
      if (!frame) {
        tables.push({
          table: src.table,
          partition: label,
          state: "missing",
          rows: 0,
          bytes: 0,
          reason: `${src.task} has no data (no bars to compute from); the previous partitions are kept`,
        });
        continue;
      }
      const w = await write(o.root, src.table, o.partition, frame, {
        ...(src.mode ? { mode: src.mode } : {}),
      });
      const st = (await statPartition(o.root, w.file)) ?? { size: w.bytes, mtimeMs: 0 };
      records[key] = {
        fingerprint: v.fingerprint,
        snapshotTime: v.createdAt,
        bytes: st.size,
        mtimeMs: Math.floor(st.mtimeMs),
      };
      dirty = true;
      tables.push({ table: src.table, partition: label, state: "written", rows: w.rows, bytes: w.bytes });
    } catch (e) {
      const err = toTTError(e, "E_IO", `writing lake/${src.table}/${label}`);
      tables.push({
        table: src.table,
        partition: label,
        state: "failed",
        rows: 0,
        bytes: 0,
        reason: `${err.message}; the previous partitions of ${src.table} are intact`,
      });
    }
  }
  if (dirty) {
    try {
      atomicWriteFileSync(o.stateFile, `${JSON.stringify(records, null, 1)}\n`);
    } catch {
      // Without the records the next run rewrites these partitions once: no data is at stake.
    }
  }
  return {
    root: o.root,
    date: o.partition.date,
    ...(o.partition.time ? { time: o.partition.time } : {}),
    tables,
    failed: tables.filter((t) => t.state === "missing" || t.state === "failed").length,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** The write records' file inside the cache folder. */
export function lakeStateFile(dataDir: string): string {
  return join(dataDir, "artifacts", "lake-writes.json");
}
