/**
 * A persist job: one frame (as Arrow IPC bytes, transferable) to write as Parquet and optionally a
 * CSV mirror, each atomically (temp file, fsync, rename, fsync dir). This module runs inside the
 * persist worker (and inline as a fallback); it holds no state.
 */

import { chmodSync, statSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import { atomicWrite } from "../../core/atomic.ts";
import { type Compression, parquetCompression } from "../../core/compression.ts";

export interface PersistJob {
  id: number;
  /** Target directory (created if needed). */
  dir: string;
  /** File name without extension; `.parquet` / `.csv` are appended. */
  name: string;
  ipc: Uint8Array;
  compression: Compression;
  csv: boolean;
  /** File mode, e.g. 0o600 for artifacts holding a token. */
  mode?: number;
}

export interface WrittenFile {
  path: string;
  format: "parquet" | "csv";
  bytes: number;
}

export type PersistReply =
  | { id: number; ok: true; files: WrittenFile[] }
  | { id: number; ok: false; message: string };

export async function runPersistJob(job: PersistJob): Promise<WrittenFile[]> {
  const df = pl.readIPC(Buffer.from(job.ipc.buffer, job.ipc.byteOffset, job.ipc.byteLength));
  const files: WrittenFile[] = [];
  const parquet = join(job.dir, `${job.name}.parquet`);
  await atomicWrite(parquet, (tmp) => {
    df.writeParquet(tmp, { compression: parquetCompression(job.compression) });
    if (job.mode !== undefined) chmodSync(tmp, job.mode);
  });
  files.push({ path: parquet, format: "parquet", bytes: statSync(parquet).size });
  if (job.csv) {
    const csv = join(job.dir, `${job.name}.csv`);
    await atomicWrite(csv, (tmp) => {
      df.writeCSV(tmp);
      if (job.mode !== undefined) chmodSync(tmp, job.mode);
    });
    files.push({ path: csv, format: "csv", bytes: statSync(csv).size });
  }
  return files;
}
