/**
 * Replacing a whole partition folder (several files) atomically for a glob reader: the new folder
 * is built in a work folder outside every table (`lake/.work-<pid>/`), a journal entry is written,
 * then two renames swap it in. A process killed between the two renames leaves the partition
 * missing for an instant, never partial or doubled; `recoverSwaps` (run before every lake write)
 * puts the previous folder back from the journal. Removing a partition is one rename out of the
 * table followed by a delete.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { atomicWriteFileSync, fsyncPath } from "../../core/atomic.ts";
import { processAlive } from "../../core/process-alive.ts";

export const WORK_PREFIX = ".work-";
let seq = 0;

/** This process's work folder inside the lake root (same filesystem: renames are atomic). */
export function workDir(root: string): string {
  const d = join(root, `${WORK_PREFIX}${process.pid}`);
  mkdirSync(d, { recursive: true });
  return d;
}

/** A fresh empty folder to build a replacement partition in. */
export function newBuildDir(root: string): string {
  const d = join(workDir(root), `build-${++seq}`);
  mkdirSync(d, { recursive: true });
  return d;
}

/** Swap `built` in as `target` (which may not exist yet). */
export function swapIn(root: string, built: string, target: string): void {
  const n = ++seq;
  const prev = join(workDir(root), `prev-${n}`);
  mkdirSync(dirname(target), { recursive: true });
  if (existsSync(target)) {
    atomicWriteFileSync(join(workDir(root), `swap-${n}.json`), JSON.stringify({ target, prev }));
    renameSync(target, prev);
  }
  renameSync(built, target);
  fsyncPath(dirname(target));
  rmSync(prev, { recursive: true, force: true });
}

/** Remove a partition folder: out of the table in one rename, then deleted. */
export function removeFolder(root: string, target: string): void {
  const gone = join(workDir(root), `gone-${++seq}`);
  renameSync(target, gone);
  fsyncPath(dirname(target));
  rmSync(gone, { recursive: true, force: true });
}

/** Finish this process's work folder (after its swaps are done). */
export function finishWork(root: string): void {
  rmSync(join(root, `${WORK_PREFIX}${process.pid}`), { recursive: true, force: true });
}

/** Undo swaps a killed process left half-done, and remove dead processes' work folders. */
export function recoverSwaps(root: string, prefixes: readonly string[] = [WORK_PREFIX]): void {
  if (!existsSync(root)) return;
  for (const name of readdirSync(root)) {
    const prefix = prefixes.find((p) => name.startsWith(p));
    if (!prefix) continue;
    const pid = Number.parseInt(name.slice(prefix.length), 10);
    if (pid === process.pid || processAlive(pid)) continue;
    const work = join(root, name);
    for (const j of readdirSync(work).filter((f) => f.startsWith("swap-") && f.endsWith(".json"))) {
      try {
        const { target, prev } = JSON.parse(readFileSync(join(work, j), "utf8")) as {
          target: string;
          prev: string;
        };
        if (!existsSync(target) && existsSync(prev)) {
          mkdirSync(dirname(target), { recursive: true });
          renameSync(prev, target);
          fsyncPath(dirname(target));
        }
      } catch {
        // a journal entry written only in part: its swap never started
      }
    }
    rmSync(work, { recursive: true, force: true });
  }
}
