/**
 * One flush for a whole tree of freshly written files: Linux `syncfs(2)` on the filesystem that
 * holds `path`. An import writes thousands of small Parquet files; an fsync per file forces a
 * journal commit per file (~0.9 ms each on ext4 here, and they serialise), while one syncfs
 * writes every dirty page and the metadata of all of them (and of their folders) in one go
 * (~0.2 ms per file measured on the same disk, see bench/import-per-file.bench.ts); the import
 * runs it in the background while it writes (platform/import/background-sync.ts).
 *
 * Reached through bun:ffi, Linux only. Returns false when it is not available or fails (another
 * OS, no libc.so.6, a kernel error): the caller then fsyncs file by file, which also reports the
 * failing file. TTAPI_NO_SYNCFS=1 forces that fallback (tests exercise both paths).
 */
import { closeSync, openSync } from "node:fs";

type SyncFs = (fd: number) => number;
let syncfs: SyncFs | null | undefined;

function load(): SyncFs | null {
  if (process.platform !== "linux" || process.env.TTAPI_NO_SYNCFS === "1") return null;
  try {
    const { dlopen, FFIType } = require("bun:ffi") as typeof import("bun:ffi");
    const lib = dlopen("libc.so.6", { syncfs: { args: [FFIType.i32], returns: FFIType.i32 } });
    return (fd) => lib.symbols.syncfs(fd);
  } catch {
    return null; // musl, no FFI: per-file fsync instead
  }
}

/** Whether `syncFilesystem` can work here (checked once). */
export function canSyncFilesystem(): boolean {
  if (syncfs === undefined) syncfs = load();
  return syncfs !== null;
}

/** Flush every dirty page of the filesystem holding `path` to disk; false = not done (see above). */
export function syncFilesystem(path: string): boolean {
  if (syncfs === undefined) syncfs = load();
  if (!syncfs) return false;
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    return syncfs(fd) === 0;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
