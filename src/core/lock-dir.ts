/**
 * An exclusive lock shared by processes, safe under races and after kill -9, without OS locks.
 *
 * The lock is a folder (e.g. `<data>/artifacts/.run.lock/`). Every contender adds one entry of its
 * own, with a name no other process can ever use (`<pid>-<random>`), written to a temp name first
 * and renamed in, so nobody ever reads a half-written entry and a full disk leaves nothing behind:
 *
 *   1. add my entry as `<id>.want`;
 *   2. list the folder: entries whose process is dead (pid gone, or the pid reused by a process
 *      that started later) are deleted — deleting a dead process's uniquely named entry is
 *      idempotent, so any number of processes may do it at once, and a takeover can never remove
 *      a live holder's entry (the flaw of "read pid, delete the lock file, retry");
 *   3. another live entry exists → withdraw mine: a `.held` one means the lock is busy; only
 *      `.want` ones means a tie with other contenders: back off a random moment and retry;
 *   4. otherwise rename my entry to `<id>.held`: I hold the lock.
 *
 * Safety: of two contenders, the one that lists second sees the other's entry (each adds its entry
 * before it lists, and directory operations are atomic), so at most one gets past step 3. The
 * rename in step 4 keeps the entry present throughout.
 *
 * A plain file at the lock path is a lock written by an earlier ttapi (a bare pid): it is honoured
 * while that process lives and removed once it is dead.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { sleep } from "./cancel.ts";
import { cancelledError, ioError, TTError } from "./errors.ts";
import { fsErrorHint } from "./fs-errors.ts";
import { processAlive, processStartTime } from "./process-alive.ts";

export interface LockOwner {
  pid: number;
  /** The process's start time as the OS reports it (Linux), to tell a reused pid apart. */
  start: string | null;
  host: string;
  /** Epoch ms when the lock was taken. */
  since: number;
  /** What holds it (`ttapi run`, `ttapi import`…), for the message a waiting process prints. */
  what: string;
}

export type TryResult = { ok: true; release: () => void } | { ok: false; holder: LockOwner | null };

const ENTRY = /^(\d+)-[0-9a-f]+\.(want|held)$/;
const TEMP = /^\.tmp-(\d+)-/;

function readOwner(path: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(path, "utf8")) as Partial<LockOwner>;
    if (typeof o.pid !== "number") return null;
    return {
      pid: o.pid,
      start: typeof o.start === "string" ? o.start : null,
      host: typeof o.host === "string" ? o.host : "",
      since: typeof o.since === "number" ? o.since : 0,
      what: typeof o.what === "string" ? o.what : "ttapi",
    };
  } catch {
    return null;
  }
}

/** Whether the process that wrote this entry is still running (same host assumed for other hosts). */
function ownerAlive(o: LockOwner): boolean {
  if (o.host && o.host !== hostname()) return true; // another machine on a shared FS: cannot tell
  if (!processAlive(o.pid)) return false;
  if (o.start === null) return true;
  const now = processStartTime(o.pid);
  return now === null || now === o.start;
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

function lockIoError(path: string, e: unknown): TTError {
  if (e instanceof TTError) return e;
  return ioError(`cannot take the lock ${path}: ${(e as Error).message}`, {
    cause: e,
    hint: fsErrorHint(e, path),
  });
}

/** Make sure the lock folder exists; a legacy lock file there is honoured or cleared. */
function ensureFolder(dir: string): LockOwner | null {
  for (let i = 0; i < 5; i++) {
    try {
      mkdirSync(dir, { recursive: true });
      return null;
    } catch (e) {
      if (errno(e) !== "EEXIST" && errno(e) !== "ENOTDIR") throw e;
    }
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(dir);
    } catch {
      continue; // removed meanwhile
    }
    if (st.isDirectory()) return null;
    // A lock file of an earlier version: a bare pid.
    let pid = Number.NaN;
    try {
      pid = Number(readFileSync(dir, "utf8").trim());
    } catch {
      // vanished meanwhile
    }
    if (processAlive(pid) && pid !== process.pid)
      return { pid, start: null, host: hostname(), since: st.mtimeMs, what: "ttapi" };
    // Dead (or empty, as a full disk used to leave it): unlinkSync never removes a folder, so a
    // racing process that already replaced it by the lock folder is not disturbed.
    try {
      unlinkSync(dir);
    } catch (e2) {
      if (errno(e2) !== "ENOENT" && errno(e2) !== "EISDIR" && errno(e2) !== "EPERM") throw e2;
    }
  }
  return null;
}

/** Write `<id>.want` atomically (temp + rename): readers see a complete entry or none. */
function addEntry(dir: string, id: string, owner: LockOwner): string {
  const tmp = join(dir, `.tmp-${id}`);
  const want = join(dir, `${id}.want`);
  try {
    const fd = openSync(tmp, "w", 0o644);
    try {
      writeSync(fd, JSON.stringify(owner));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, want);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return want;
}

/**
 * One attempt: take the lock or report who has it. `holder` is null on a tie with other
 * contenders (nobody holds it yet: retry after a random pause).
 */
export function tryLock(dir: string, what: string): TryResult {
  try {
    const legacy = ensureFolder(dir);
    if (legacy) return { ok: false, holder: legacy };
    const id = `${process.pid}-${randomBytes(6).toString("hex")}`;
    const owner: LockOwner = {
      pid: process.pid,
      start: processStartTime(process.pid),
      host: hostname(),
      since: Date.now(),
      what,
    };
    let want: string;
    for (let attempt = 0; ; attempt++) {
      try {
        want = addEntry(dir, id, owner);
        break;
      } catch (e) {
        // A releasing holder removed the (then empty) folder between our mkdir and our write.
        if (errno(e) !== "ENOENT" || attempt >= 5) {
          // A full disk: leave no empty lock folder behind (fails harmlessly when not empty).
          try {
            rmdirSync(dir);
          } catch {
            // other entries, or gone
          }
          throw e;
        }
        const again = ensureFolder(dir);
        if (again) return { ok: false, holder: again };
      }
    }
    let holder: LockOwner | null = null;
    let contended = false;
    for (const name of readdirSync(dir)) {
      const tmp = TEMP.exec(name);
      if (tmp) {
        if (!processAlive(Number(tmp[1]))) rmSync(join(dir, name), { force: true });
        continue;
      }
      const m = ENTRY.exec(name);
      if (!m || name.startsWith(id)) continue;
      const other = readOwner(join(dir, name));
      if (other === null) {
        // Entries are renamed in complete: unreadable means it was just renamed or removed.
        contended = true;
        continue;
      }
      if (!ownerAlive(other)) {
        rmSync(join(dir, name), { force: true });
        continue;
      }
      if (m[2] === "held") holder = other;
      else contended = true;
    }
    if (holder || contended) {
      rmSync(want, { force: true });
      return { ok: false, holder };
    }
    const held = join(dir, `${id}.held`);
    renameSync(want, held);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        rmSync(held, { force: true });
        // Leave no empty lock folder behind; a contender that just created it retries its write.
        try {
          rmdirSync(dir);
        } catch {
          // not empty (a contender's entry) or already gone
        }
      },
    };
  } catch (e) {
    throw lockIoError(dir, e);
  }
}

export interface AcquireOptions {
  /** What takes the lock, shown to processes that wait for it (e.g. "ttapi run"). */
  what: string;
  /** How long to wait for a holder to finish (ms); 0 fails at once when the lock is held. */
  waitMs: number;
  signal?: AbortSignal;
  /** Called once when the lock is found held and this process starts waiting. */
  onWait?: (holder: LockOwner, waitMs: number) => void;
  /** The error when the wait ends with the lock still held. */
  busyError: (holder: LockOwner, waitedMs: number) => TTError;
}

/** Ties between contenders end within this long whatever `waitMs` says. */
const TIE_WINDOW_MS = 5_000;

/** Take the lock, waiting up to `waitMs` for a holder (and a moment for ties). Returns the release. */
export async function acquireLock(dir: string, o: AcquireOptions): Promise<() => void> {
  const started = Date.now();
  let announced = false;
  for (;;) {
    if (o.signal?.aborted) throw cancelledError(`stopped while waiting for the lock ${dir}`);
    const r = tryLock(dir, o.what);
    if (r.ok) return r.release;
    const waited = Date.now() - started;
    if (r.holder) {
      if (waited >= o.waitMs) throw o.busyError(r.holder, waited);
      if (!announced) {
        announced = true;
        o.onWait?.(r.holder, o.waitMs);
      }
    } else if (waited >= Math.max(o.waitMs, TIE_WINDOW_MS)) {
      throw ioError(`could not take the lock ${dir}: other processes kept contending for it`, {
        hint: "retry; if it persists, check that no other ttapi processes are looping on this folder",
      });
    }
    // A random pause breaks ties; a held lock is polled a few times a second.
    const pause = r.holder ? 250 + Math.random() * 250 : 10 + Math.random() * 90;
    await sleep(r.holder ? Math.min(pause, Math.max(10, o.waitMs - waited)) : pause, o.signal).catch(
      () => {},
    );
  }
}

/** Synchronous variant with no waiting on a holder (a tie is retried briefly). */
export function acquireLockNow(
  dir: string,
  o: Omit<AcquireOptions, "waitMs" | "signal" | "onWait">,
): () => void {
  const started = Date.now();
  for (;;) {
    const r = tryLock(dir, o.what);
    if (r.ok) return r.release;
    if (r.holder) throw o.busyError(r.holder, 0);
    if (Date.now() - started > TIE_WINDOW_MS)
      throw ioError(`could not take the lock ${dir}: other processes kept contending for it`, {
        hint: "retry",
      });
    Bun.sleepSync(5 + Math.random() * 45);
  }
}

/** Who holds the lock now (null when free), for status displays. */
export function lockHolder(dir: string): LockOwner | null {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  for (const name of names) {
    if (!name.endsWith(".held")) continue;
    const o = readOwner(join(dir, name));
    if (o && ownerAlive(o)) return o;
  }
  return null;
}

/**
 * Remove what dead processes left in a lock folder (their entries and temps; a legacy lock file of
 * a dead pid) and the folder itself once empty, e.g. during crash recovery. A live holder's
 * entry is never touched.
 */
export function sweepLock(dir: string): void {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(dir);
  } catch {
    return;
  }
  if (!st.isDirectory()) {
    ensureFolder(dir); // a legacy lock file: removed if its process is dead
    try {
      if (statSync(dir).isDirectory()) rmdirSync(dir);
    } catch {
      // gone, or in use
    }
    return;
  }
  for (const name of readdirSync(dir)) {
    const tmp = TEMP.exec(name);
    if (tmp) {
      if (!processAlive(Number(tmp[1]))) rmSync(join(dir, name), { force: true });
      continue;
    }
    if (!ENTRY.test(name)) continue;
    const o = readOwner(join(dir, name));
    if (o && !ownerAlive(o)) rmSync(join(dir, name), { force: true });
  }
  try {
    rmdirSync(dir);
  } catch {
    // a live entry is there
  }
}
