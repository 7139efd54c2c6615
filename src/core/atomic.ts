/**
 * Crash-safe file replacement: write to a temp file in the same directory, fsync it, rename over
 * the target, fsync the directory. A reader (or a process killed with SIGKILL at any moment) sees
 * either the previous complete file or the new complete one, never a partial file.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { ioError } from "./errors.ts";

let seq = 0;
/** A temp path next to `target` that the cache/dataset globs ignore (leading dot, `.tmp` suffix). */
export function tempPathFor(target: string): string {
  seq++;
  return join(dirname(target), `.${basename(target)}.${process.pid}.${seq}.tmp`);
}

export function fsyncPath(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Produce `target` atomically: `produce(tmpPath)` writes the content (e.g. polars writeParquet),
 * then it is fsynced and renamed into place. On failure the temp file is removed and the previous
 * `target` is untouched.
 */
export async function atomicWrite(
  target: string,
  produce: (tmpPath: string) => void | Promise<void>,
): Promise<void> {
  mkdirSync(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    await produce(tmp);
    fsyncPath(tmp);
    publish(tmp, target);
  } catch (e) {
    throw writeFailed(tmp, target, e);
  }
}

/** The durable step both writers end with: rename the synced temp file over `target`, sync the folder. */
function publish(tmp: string, target: string): void {
  renameSync(tmp, target);
  fsyncPath(dirname(target));
}

/** A failed write leaves the previous `target` untouched and no temp file behind. */
function writeFailed(tmp: string, target: string, e: unknown): Error {
  rmSync(tmp, { force: true });
  return ioError(`could not write ${target}: ${(e as Error).message}`, {
    cause: e,
    hint: "check free disk space and permissions",
  });
}

/** Atomic write of bytes/text. */
export function atomicWriteFileSync(target: string, data: string | Uint8Array, mode = 0o644): void {
  mkdirSync(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    const fd = openSync(tmp, "w", mode);
    try {
      const buf = typeof data === "string" ? Buffer.from(data) : data;
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    publish(tmp, target);
  } catch (e) {
    throw writeFailed(tmp, target, e);
  }
}
