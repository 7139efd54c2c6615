/**
 * Crash-safe output: an import writes its whole dataset into a staging folder inside the output
 * root (`<out>/.import-<pid>-<t>/bars`), then swaps it in with two renames:
 *   <out>/bars → <out>/.bars-prev-<pid>-<t>;  staging/bars → <out>/bars;  then deletes the old one.
 * A process killed at any moment (even SIGKILL) therefore leaves either the previous complete
 * dataset or the new complete one; the only in-between state (killed between the two renames,
 * microseconds) is repaired by `recoverOutput`, which every import runs first. Staging folders of
 * dead processes are removed by the same call.
 */
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { join } from "node:path";
import { fsyncPath } from "../../core/atomic.ts";
import { barsRoot, comparePartNames } from "../../core/bars.ts";
import { ioError } from "../../core/errors.ts";
import { acquireLockNow, sweepLock } from "../../core/lock-dir.ts";
import { processAlive } from "../../core/process-alive.ts";
import { symbolOfBarsDir } from "../bars-schema.ts";

const STAGING_PREFIX = ".import-";
const PREV_PREFIX = ".bars-prev-";
const LOCK = ".import.lock";

/** Repair an interrupted swap and remove leftovers of dead imports. Safe to call any time. */
export function recoverOutput(outDir: string): { restored: boolean; removed: string[] } {
  const removed: string[] = [];
  let restored = false;
  if (!existsSync(outDir)) return { restored, removed };
  const names = readdirSync(outDir);
  const bars = barsRoot(outDir);
  const prevs = names.filter((n) => n.startsWith(PREV_PREFIX)).sort();
  if (!existsSync(bars) && prevs.length > 0) {
    // Killed between the two renames: the previous dataset is complete, put it back.
    renameSync(join(outDir, prevs[prevs.length - 1]!), bars);
    fsyncPath(outDir);
    prevs.pop();
    restored = true;
  }
  for (const p of prevs) {
    const pid = Number(p.slice(PREV_PREFIX.length).split("-")[0]);
    if (processAlive(pid) && pid !== process.pid) continue;
    rmSync(join(outDir, p), { recursive: true, force: true });
    removed.push(p);
  }
  // A lock left by a dead import: its entry goes (a live import's lock is kept).
  if (names.includes(LOCK)) sweepLock(join(outDir, LOCK));
  for (const n of names) {
    if (!n.startsWith(STAGING_PREFIX)) continue;
    const pid = Number(n.slice(STAGING_PREFIX.length).split("-")[0]);
    if (processAlive(pid)) continue;
    rmSync(join(outDir, n), { recursive: true, force: true });
    removed.push(n);
  }
  return { restored, removed };
}

/**
 * One import per output folder at a time: `<out>/.import.lock/` is an atomic multi-process lock
 * (core/lock-dir.ts); a lock left by a dead process (kill -9) is taken over safely. Returns the
 * release function.
 */
export function lockOutput(outDir: string): () => void {
  mkdirSync(outDir, { recursive: true });
  return acquireLockNow(join(outDir, LOCK), {
    what: "ttapi import",
    busyError: (h) =>
      ioError(`another import (pid ${h.pid}) is writing to ${outDir}`, {
        hint: "wait for it to finish, or use another --out",
      }),
  });
}

let stagingSeq = 0;
/** A fresh staging dataset root inside `outDir` (same filesystem, so renames are atomic). */
export function createStaging(outDir: string): string {
  const root = join(outDir, `${STAGING_PREFIX}${process.pid}-${Date.now()}-${stagingSeq++}`);
  mkdirSync(barsRoot(root), { recursive: true });
  return root;
}

export function removeStaging(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

/** Swap the staged dataset in (see the module comment). */
export function commitStaging(outDir: string, stagingRoot: string): void {
  const bars = barsRoot(outDir);
  const staged = barsRoot(stagingRoot);
  let prev: string | null = null;
  if (existsSync(bars)) {
    prev = join(outDir, `${PREV_PREFIX}${process.pid}-${Date.now()}`);
    renameSync(bars, prev);
  }
  renameSync(staged, bars);
  fsyncPath(outDir);
  if (prev) rmSync(prev, { recursive: true, force: true });
  removeStaging(stagingRoot);
}

export interface DatasetEntry {
  period: string;
  symbol: string;
  dir: string;
  /** Parquet files of this (period, symbol). */
  files: string[];
}

/** The (period, symbol) folders of an existing dataset root (`<root>/bars/period=*\/symbol=*`). */
export function listDataset(root: string): DatasetEntry[] {
  const bars = barsRoot(root);
  if (!existsSync(bars)) return [];
  const out: DatasetEntry[] = [];
  for (const pdir of readdirSync(bars).sort()) {
    if (!pdir.startsWith("period=")) continue;
    const period = pdir.slice("period=".length);
    const pPath = join(bars, pdir);
    if (!statSync(pPath).isDirectory()) continue;
    for (const sdir of readdirSync(pPath).sort()) {
      const dir = join(pPath, sdir);
      const symbol = symbolOfBarsDir(sdir, dir);
      if (symbol === null) continue;
      const files = readdirSync(dir)
        .filter((f) => f.endsWith(".parquet") && !f.startsWith("."))
        .sort(comparePartNames)
        .map((f) => join(dir, f));
      out.push({ period, symbol, dir, files });
    }
  }
  return out;
}

/** Carry an untouched (period, symbol) folder of the previous dataset into the staging tree. */
export function carryOver(entryDir: string, targetDir: string): void {
  mkdirSync(targetDir, { recursive: true });
  for (const f of readdirSync(entryDir)) {
    if (f.startsWith(".")) continue;
    const from = join(entryDir, f);
    const to = join(targetDir, f);
    try {
      linkSync(from, to); // same filesystem: a hard link costs no copy
    } catch {
      copyFileSync(from, to);
    }
  }
}
