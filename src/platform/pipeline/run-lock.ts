/**
 * The data directory's run lock: one `ttapi run` (or `cache clear`) writes a data directory's
 * artifacts at a time. `<data>/artifacts/.run.lock/` is an atomic multi-process lock (see
 * core/lock-dir.ts): exclusive under any race, and a lock left by a killed run is taken over
 * safely. A second run waits for the first up to `run.lock-wait` (default 10 min, so an overlapping
 * cron run finishes its day instead of failing), printing once whom it waits for; then it exits
 * with E_TIMEOUT (exit 75, "try again later") without having touched anything.
 */

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fsError, TTError } from "../../core/errors.ts";
import { acquireLock, type LockOwner, lockHolder } from "../../core/lock-dir.ts";
import { getLogger, type Logger } from "../../core/log.ts";
import { formatDuration } from "../../core/time.ts";
import { reclaimLeftovers } from "../cache/leftovers.ts";

export function runLockPath(dataDir: string): string {
  return join(dataDir, "artifacts", ".run.lock");
}

function describe(h: LockOwner): string {
  const since = h.since > 0 ? `, since ${new Date(h.since).toISOString().replace(/\.\d+Z$/, "Z")}` : "";
  return `${h.what} (pid ${h.pid}${since})`;
}

export interface RunLockOptions {
  /** Seconds to wait for another run to finish (config `run.lock-wait`); 0 fails at once. */
  waitSeconds?: number;
  signal?: AbortSignal;
  what?: string;
  /** Told once, in one line, whom this process waits for (default: a warning in the log). */
  onWait?: (message: string) => void;
}

/** Take the run lock of `dataDir` (waiting as configured). Resolves with the release function. */
export async function acquireRunLock(dataDir: string, o: RunLockOptions = {}): Promise<() => void> {
  const artifacts = join(dataDir, "artifacts");
  try {
    mkdirSync(artifacts, { recursive: true });
  } catch (e) {
    throw fsError(e, artifacts, "create the data folder");
  }
  const waitMs = Math.max(0, (o.waitSeconds ?? 0) * 1000);
  return acquireLock(runLockPath(dataDir), {
    what: o.what ?? "ttapi run",
    waitMs,
    ...(o.signal ? { signal: o.signal } : {}),
    onWait: (h, ms) => {
      const line = `${describe(h)} is using ${dataDir}: waiting up to ${formatDuration(ms / 1000)} for it to finish (run.lock-wait)`;
      if (o.onWait) o.onWait(line);
      else getLogger("pipeline.lock").warn(line);
    },
    busyError: (h, waited) =>
      new TTError(
        "E_TIMEOUT",
        waitMs > 0
          ? `${describe(h)} still holds ${dataDir} after waiting ${formatDuration(waited / 1000)}; nothing was changed`
          : `another ttapi run, ${describe(h)}, is using ${dataDir}; nothing was changed`,
        {
          hint:
            waitMs > 0
              ? "let it finish and rerun, raise run.lock-wait, or use another --data-dir"
              : "wait for it to finish (or set run.lock-wait, e.g. TTAPI_LOCK_WAIT=10m), or use another --data-dir",
        },
      ),
  });
}

/** Who holds the run lock of `dataDir` now (for `cache status`), or null. */
export function runLockHolder(dataDir: string): LockOwner | null {
  return lockHolder(runLockPath(dataDir));
}

/**
 * Under the run lock, before any work: remove what killed runs left (staging folders, temp files;
 * see cache/leftovers.ts), so a crash never costs disk space for longer than until the next run.
 */
export function reclaimOnStart(dataDir: string, log: Logger): void {
  const r = reclaimLeftovers(dataDir);
  if (r.count > 0)
    log.info(`reclaimed ${r.count} leftover(s) of killed runs (${(r.bytes / 1024 / 1024).toFixed(1)} MB)`, {
      paths: r.paths.slice(0, 20),
    });
}
