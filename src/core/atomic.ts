/**
 * Crash-safe file replacement: write to a temp file in the same directory, fsync it, rename over
 * the target, fsync the directory. A reader (or a process killed with SIGKILL at any moment) sees
 * either the previous complete file or the new complete one, never a partial file.
 */
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fsError, ioError, TTError } from "./errors.ts";
import { fsErrorHint, fsErrorWhat } from "./fs-errors.ts";

let seq = 0;
/**
 * This module instance's tag: a worker thread has its own module instance (and its own `seq`) but
 * the same pid, so pid + seq alone would give two threads the same temp name.
 */
const instance = randomBytes(3).toString("hex");
/**
 * A temp path next to `target` that the cache/dataset globs ignore (leading dot, `.tmp` suffix):
 * `.<name>.<pid>.<seq>-<instance>.tmp` (the pid tells a later run whether its writer is dead).
 */
export function tempPathFor(target: string): string {
  seq++;
  return join(dirname(target), `.${basename(target)}.${process.pid}.${seq}-${instance}.tmp`);
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
  opts: { replace?: boolean } = {},
): Promise<void> {
  try {
    mkdirSync(dirname(target), { recursive: true });
  } catch (e) {
    throw fsError(e, dirname(target), "create the folder");
  }
  const tmp = tempPathFor(target);
  try {
    await produce(tmp);
    // The syncs on the I/O thread pool: the caller's thread (in a run: the sim, the DXLink
    // clients, the other tasks) goes on while the disk flushes.
    await fsyncPathAsync(tmp);
    place(tmp, target, opts.replace !== false);
    await fsyncPathAsync(dirname(target));
  } catch (e) {
    throw writeFailed(tmp, target, e);
  }
}

/** `fsyncPath` without blocking the calling thread (the same failures ignored). */
async function fsyncPathAsync(path: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, "r");
    await fh.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  } finally {
    await fh?.close().catch(() => {});
  }
}

/**
 * The durable step both writers end with: the synced temp file becomes `target` (renamed over it,
 * or — `replace` false — linked in, which fails when the name exists: a file another writer put
 * there is never replaced), then the folder is synced.
 */
function publish(tmp: string, target: string, replace = true): void {
  place(tmp, target, replace);
  fsyncPath(dirname(target));
}

function place(tmp: string, target: string, replace: boolean): void {
  if (replace) renameSync(tmp, target);
  else {
    linkSync(tmp, target);
    rmSync(tmp, { force: true });
  }
}

/** A failed write leaves the previous `target` untouched and no temp file behind. */
function writeFailed(tmp: string, target: string, e: unknown): Error {
  rmSync(tmp, { force: true });
  if ((e as NodeJS.ErrnoException).code === "EEXIST")
    return new TTError("E_IO", `${target} already exists: not replaced`, {
      cause: e,
      hint: "another writer uses the same file name; use another output folder",
      details: { exists: true },
    });
  // The cause in plain words ("no space left on device") and its fix.
  return ioError(`could not write ${target}: ${fsErrorWhat(e) ?? (e as Error)?.message ?? String(e)}`, {
    cause: e,
    hint: fsErrorHint(e, target),
  });
}

/**
 * `atomicWriteFileSync` whose fsyncs run on the I/O thread pool (`atomicWrite`): the same file,
 * the same guarantees, without blocking the caller's thread while the disk flushes.
 */
export function atomicWriteFile(target: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  return atomicWrite(target, (tmp) => {
    const fd = openSync(tmp, "w", mode);
    try {
      const buf = typeof data === "string" ? Buffer.from(data) : data;
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    } finally {
      closeSync(fd);
    }
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
