import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { processStartTime } from "../../core/process-alive.ts";
import { acquireRunLock, runLockHolder, runLockPath } from "./run-lock.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const root = mkdtempSync(join(tmpdir(), "ttapi-lock-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  const d = join(root, `d${n++}`);
  mkdirSync(join(d, "artifacts"), { recursive: true });
  return d;
};

async function deadPid(): Promise<number> {
  const p = Bun.spawn(["true"]);
  await p.exited;
  return p.pid;
}

function heldEntry(dir: string, pid: number, start: string | null, since = Date.now()) {
  mkdirSync(runLockPath(dir), { recursive: true });
  const o = { pid, start, host: hostname(), since, what: "ttapi run" };
  writeFileSync(join(runLockPath(dir), `${pid}-abcdef.held`), JSON.stringify(o));
}

test("one run per data directory: a live holder blocks with a clear error; release frees it", async () => {
  const dir = fresh();
  const release = await acquireRunLock(dir);
  expect(runLockHolder(dir)?.pid).toBe(process.pid);
  // A second taker in this very process is refused too.
  await expect(acquireRunLock(dir)).rejects.toThrow(`another ttapi run, ttapi run (pid ${process.pid}`);
  await expect(acquireRunLock(dir)).rejects.toMatchObject({ code: "E_TIMEOUT" });
  release();
  expect(runLockHolder(dir)).toBeNull();
  expect(existsSync(runLockPath(dir))).toBe(false); // no empty lock folder left behind
  (await acquireRunLock(dir))();
});

test("a live holder of another process blocks; its entry is never removed", async () => {
  const dir = fresh();
  heldEntry(dir, process.ppid, processStartTime(process.ppid));
  await expect(acquireRunLock(dir)).rejects.toThrow(`pid ${process.ppid}`);
  expect(readdirSync(runLockPath(dir))).toEqual([`${process.ppid}-abcdef.held`]);
});

test("a lock left by a killed run is taken over: dead pid, or a pid reused by a later process", async () => {
  const dir = fresh();
  heldEntry(dir, await deadPid(), null);
  const r1 = await acquireRunLock(dir);
  expect(runLockHolder(dir)?.pid).toBe(process.pid);
  r1();
  // Same pid as a live process, but that process started at another time: the owner is gone.
  const dir2 = fresh();
  heldEntry(dir2, process.ppid, "1");
  (await acquireRunLock(dir2))();
});

test("a lock file of an earlier version: honoured while its pid lives, taken over once dead (also empty)", async () => {
  const dir = fresh();
  writeFileSync(runLockPath(dir), String(process.ppid));
  await expect(acquireRunLock(dir)).rejects.toThrow(`pid ${process.ppid}`);
  writeFileSync(runLockPath(dir), String(await deadPid()));
  (await acquireRunLock(dir))();
  const dir2 = fresh();
  writeFileSync(runLockPath(dir2), ""); // what a full disk used to leave
  (await acquireRunLock(dir2))();
});

test("a second run waits for the first (run.lock-wait) and then proceeds; a wait that expires fails", async () => {
  const dir = fresh();
  const first = await acquireRunLock(dir);
  setTimeout(first, 700);
  const t0 = Date.now();
  const second = await acquireRunLock(dir, { waitSeconds: 30 });
  expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
  const third = acquireRunLock(dir, { waitSeconds: 0.8 });
  await expect(third).rejects.toThrow(/still holds .* after waiting/);
  second();
});

test("the wait ends on cancellation", async () => {
  const dir = fresh();
  const first = await acquireRunLock(dir);
  const ctl = new AbortController();
  setTimeout(() => ctl.abort(), 300);
  await expect(acquireRunLock(dir, { waitSeconds: 600, signal: ctl.signal })).rejects.toMatchObject({
    code: "E_CANCELLED",
  });
  first();
  expect(existsSync(runLockPath(dir))).toBe(false);
});
