import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { acquireRunLock } from "./run.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const dir = mkdtempSync(join(tmpdir(), "ttapi-lock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const lockFile = join(dir, "artifacts", ".run.lock");

test("one run per data directory: a live holder blocks with a clear error; release removes the lock", () => {
  // Another live process (our parent) holds the lock.
  mkdirSync(join(dir, "artifacts"), { recursive: true });
  writeFileSync(lockFile, String(process.ppid));
  expect(() => acquireRunLock(dir)).toThrow(`another ttapi run (pid ${process.ppid}) is using ${dir}`);
  rmSync(lockFile);
  const release = acquireRunLock(dir);
  expect(existsSync(lockFile)).toBe(true);
  release();
  expect(existsSync(lockFile)).toBe(false);
});

test("a lock left by a killed run is taken over", () => {
  writeFileSync(lockFile, "999999");
  const release = acquireRunLock(dir);
  expect(existsSync(lockFile)).toBe(true);
  release();
});
