/**
 * Temp data of processes that died (kill -9, power loss): staging folders of artifact and import
 * writes, half-deleted versions, temp files, lock-entry temps. Every such name is hidden (leading
 * dot) and embeds its writer's pid, so what a dead process left can be told from what a running
 * one is writing. `ttapi run` reclaims them when it starts (under the run lock); `ttapi cache
 * status` shows and reclaims them, `ttapi cache clear` reclaims them.
 *
 * Searched: `<data>/artifacts/<kind>/<key>/` (and one level into version folders), the recorder's
 * `<data>/stream/<Type>/`, and the lake tree `<data>/lake/`.
 */
import { type Dirent, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { sweepLock } from "../../core/lock-dir.ts";
import { processAlive } from "../../core/process-alive.ts";

const PATTERNS: RegExp[] = [
  /^\.(?:staging|trash)-(\d+)-/, // artifact store: dataset staging, superseded versions being deleted
  /^\.import-(\d+)-/, // import engine staging
  /^\.bars-prev-(\d+)-/, // import engine: the previous dataset during the swap
  /^\..+\.(\d+)\.[0-9a-z-]+\.tmp$/, // core/atomic temp files
  /^\.tmp-(\d+)-/, // lock entries being written
  /^\.bars-run-(\d+)-/, // a run's merged bars staged beside the lake
  /^\.work-(\d+)$/, // lake swaps in progress
];

/** The pid a hidden temp name embeds, or null for any other name. */
export function leftoverOwner(name: string): number | null {
  if (!name.startsWith(".")) return null;
  for (const re of PATTERNS) {
    const m = re.exec(name);
    if (m) return Number(m[1]);
  }
  return null;
}

export interface Leftover {
  path: string;
  pid: number;
  bytes: number;
}

function entries(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

function sizeOf(path: string): number {
  try {
    const st = statSync(path);
    if (!st.isDirectory()) return st.size;
    let n = 0;
    for (const e of entries(path)) n += sizeOf(join(path, e.name));
    return n;
  } catch {
    return 0;
  }
}

/** Hidden temp entries of dead processes directly inside `dir`; recurse into visible folders `depth` deep. */
function scan(dir: string, depth: number, out: Leftover[]): void {
  for (const e of entries(dir)) {
    const path = join(dir, e.name);
    const pid = leftoverOwner(e.name);
    if (pid !== null) {
      if (pid !== process.pid && !processAlive(pid)) out.push({ path, pid, bytes: sizeOf(path) });
      continue;
    }
    if (depth > 0 && e.isDirectory() && !e.name.startsWith(".")) scan(path, depth - 1, out);
  }
}

/** What dead processes left in the data directory (nothing is removed). */
export function findLeftovers(dataDir: string): Leftover[] {
  const out: Leftover[] = [];
  scan(join(dataDir, "artifacts"), 3, out); // <kind>/<key>/<version>/…
  scan(join(dataDir, "stream"), 1, out); // <Type>/…
  scan(join(dataDir, "lake"), 8, out); // <table>/date=…/time=…/…
  return out;
}

/** Remove what dead processes left; returns what was removed. */
export function reclaimLeftovers(dataDir: string): { count: number; bytes: number; paths: string[] } {
  // The run lock of a killed run: its entry (never a live run's) and the then empty folder.
  sweepLock(join(dataDir, "artifacts", ".run.lock"));
  const found = findLeftovers(dataDir);
  const paths: string[] = [];
  let bytes = 0;
  for (const l of found) {
    try {
      rmSync(l.path, { recursive: true, force: true });
      paths.push(l.path);
      bytes += l.bytes;
    } catch {
      // permissions, or removed meanwhile: shown again next time
    }
  }
  return { count: paths.length, bytes, paths };
}
