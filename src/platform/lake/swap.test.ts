/**
 * Folder swaps killed between their two renames: the partition is missing (never partial), and the
 * next lake write puts the previous folder back from the journal; dead processes' work folders go.
 */
import { afterAll, expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { finishWork, newBuildDir, recoverSwaps, swapIn, WORK_PREFIX } from "./swap.ts";

const tmp = mkdtempSync(join(tmpdir(), "ttapi-lake-swap-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const DEAD = 2 ** 22 + 12345; // above Linux's pid_max default: never a live process

test("a swap replaces the folder whole; a swap killed half-way is undone by the next recovery", () => {
  const root = join(tmp, "lake");
  const target = join(root, "bars", "period=D", "symbol=AAA");
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, "part-0.parquet"), "old");
  const built = newBuildDir(root);
  writeFileSync(join(built, "part-0.parquet"), "new");
  swapIn(root, built, target);
  finishWork(root);
  expect(readdirSync(target)).toEqual(["part-0.parquet"]);
  expect(readFileSync(join(target, "part-0.parquet"), "utf8")).toBe("new");
  expect(readdirSync(root).filter((n) => n.startsWith("."))).toEqual([]);

  // A process killed after moving the old folder aside, before moving the new one in.
  const work = join(root, `${WORK_PREFIX}${DEAD}`);
  const prev = join(work, "prev-1");
  mkdirSync(join(work, "build-2"), { recursive: true });
  writeFileSync(join(work, "build-2", "part-0.parquet"), "half");
  writeFileSync(join(work, "swap-1.json"), JSON.stringify({ target, prev }));
  renameSync(target, prev);
  expect(existsSync(target)).toBe(false);
  recoverSwaps(root);
  expect(readFileSync(join(target, "part-0.parquet"), "utf8")).toBe("new");
  expect(existsSync(work)).toBe(false);
});

test("a live process's work folder is left alone", () => {
  const root = join(tmp, "lake2");
  const mine = join(root, `${WORK_PREFIX}${process.pid}`);
  mkdirSync(mine, { recursive: true });
  recoverSwaps(root);
  expect(existsSync(mine)).toBe(true);
});
