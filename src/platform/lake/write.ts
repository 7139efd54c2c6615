/**
 * Writing a snapshot partition. A partition is exactly one file (`part-0.parquet`), produced in a
 * hidden temp file beside it, fsynced and renamed over the previous one: a glob over
 * `lake/<table>/**\/*.parquet` sees the old complete partition or the new complete one, never a
 * partial or doubled one, whatever moment a run is killed at. A second run on the same date
 * replaces the date atomically.
 *
 * On an `s3://` root there is no rename: the partition's Parquet is built in memory and sent as
 * one PUT of the complete object to its final key. An object store makes a PUT visible whole or
 * not at all (the old object stays until the new one is complete), so the same guarantee holds,
 * writers of different partitions never touch each other's keys, and two writers of the same
 * partition leave the last complete write, never a mix. Nothing is staged under the table.
 */
import { chmodSync, statSync } from "node:fs";
import type pl from "nodejs-polars";
import { atomicWrite } from "../../core/atomic.ts";
import { isS3Root } from "../../core/lake-root.ts";
import { partitionFile, type SnapshotPartition } from "./paths.ts";
import { S3Store } from "./s3-store.ts";
import type { SnapshotTable } from "./tables.ts";

export interface WritePartitionOptions {
  /** File mode, e.g. 0o600 for tables holding account data (positions, balances). */
  mode?: number;
}

export interface PartitionWrite {
  table: SnapshotTable;
  partition: SnapshotPartition;
  file: string;
  rows: number;
  bytes: number;
}

/**
 * Replace one snapshot partition with `frame`. The frame must already carry `snapshot_time`; the
 * partition columns (`date`, `time`) are not stored in the file (they are the path).
 */
export async function writePartition(
  root: string,
  table: SnapshotTable,
  partition: SnapshotPartition,
  frame: pl.DataFrame,
  opts: WritePartitionOptions = {},
): Promise<PartitionWrite> {
  const file = partitionFile(root, table, partition);
  const body = frame.columns.some((c) => c === "date" || c === "time")
    ? frame.drop(frame.columns.filter((c) => c === "date" || c === "time"))
    : frame;
  if (isS3Root(root)) {
    // File modes do not exist in a bucket: access to positions/balances is the bucket policy's job.
    const bytes = new Uint8Array(body.writeParquet({ compression: "zstd" }));
    const store = S3Store.of(root);
    await store.put(store.keyOf(file), bytes);
    return { table, partition, file, rows: body.height, bytes: bytes.byteLength };
  }
  await atomicWrite(file, (tmp) => {
    body.writeParquet(tmp, { compression: "zstd" });
    // Before the rename: the file never exists under its final name with a wider mode.
    if (opts.mode !== undefined) chmodSync(tmp, opts.mode);
  });
  return { table, partition, file, rows: body.height, bytes: statSync(file).size };
}
