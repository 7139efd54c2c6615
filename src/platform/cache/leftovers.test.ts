/**
 * Temp data left by killed processes (427 MB and 934 MB `.staging-*` folders stayed after killed
 * `--force` runs, invisible to `cache status`) is found, shown and reclaimed; what a live process
 * is writing is never touched.
 */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { getLogger } from "../../core/log.ts";
import { runCli } from "../../core/testing/cli-process.ts";
import { reclaimOnStart } from "../pipeline/run-lock.ts";
import { findLeftovers, reclaimLeftovers } from "./leftovers.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const root = mkdtempSync(join(tmpdir(), "ttapi-leftovers-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function deadPid(): Promise<number> {
  const p = Bun.spawn(["true"]);
  await p.exited;
  return p.pid;
}

function put(path: string, bytes = 10) {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, Buffer.alloc(bytes));
}

async function seed(dataDir: string) {
  const dead = await deadPid();
  const live = process.ppid;
  const a = join(dataDir, "artifacts");
  const dead1 = join(a, "eod", "bars", `.staging-${dead}-1`);
  put(join(dead1, "bars", "period=D", "symbol=A", "part-0.parquet"), 100_000);
  put(join(a, "eod", "bars", `v-abc`, `.import-${dead}-17-0`, "x.parquet"), 50);
  put(join(a, "chains", "chains", `.0123.parquet.${dead}.3-a1b2c3.tmp`), 70);
  put(
    join(dataDir, "stream", "Quote", `.Quote-20260101T000000Z-${dead}-1-00001.parquet.${dead}.1-ffffff.tmp`),
    30,
  );
  put(join(dataDir, "lake", "quotes", "date=2026-01-01", `.part.parquet.${dead}.2-000000.tmp`), 20);
  // The run lock entry of a killed run.
  put(join(a, ".run.lock", `${dead}-0123abcd.held`), 0);
  writeFileSync(
    join(a, ".run.lock", `${dead}-0123abcd.held`),
    JSON.stringify({ pid: dead, start: null, host: hostname(), since: 1, what: "ttapi run" }),
  );
  // A live writer's staging folder and ordinary data: never touched.
  const liveStaging = join(a, "eod", "bars", `.staging-${live}-1`);
  put(join(liveStaging, "f"), 10);
  put(join(a, "eod", "bars", "v-abc", "bars", "x.parquet"), 10);
  put(join(a, "eod", "bars", "manifest.json"), 10);
  return { dead1, liveStaging };
}

test("dead processes' staging folders and temp files are found and reclaimed; a live writer's are kept", async () => {
  const dataDir = join(root, "unit");
  const { dead1, liveStaging } = await seed(dataDir);
  const found = findLeftovers(dataDir);
  expect(found.length).toBe(5);
  expect(found.reduce((s, l) => s + l.bytes, 0)).toBe(100_000 + 50 + 70 + 30 + 20);
  const r = reclaimLeftovers(dataDir);
  expect(r.count).toBe(5);
  expect(existsSync(dead1)).toBe(false);
  expect(existsSync(liveStaging)).toBe(true);
  expect(existsSync(join(dataDir, "artifacts", "eod", "bars", "v-abc", "bars", "x.parquet"))).toBe(true);
  expect(findLeftovers(dataDir)).toEqual([]);
  expect(existsSync(join(dataDir, "artifacts", ".run.lock"))).toBe(false);
});

test("the next run reclaims them when it starts", async () => {
  const dataDir = join(root, "run");
  const { dead1 } = await seed(dataDir);
  reclaimOnStart(dataDir, getLogger("test"));
  expect(existsSync(dead1)).toBe(false);
});

test("ttapi cache status shows and reclaims them", async () => {
  const dataDir = join(root, "cli");
  const { dead1, liveStaging } = await seed(dataDir);
  const { stderr: err, code } = await runCli(["cache", "status", "--data-dir", dataDir], {
    env: { XDG_CONFIG_HOME: join(root, "config") },
  });
  expect(code).toBe(0);
  expect(err).toContain("reclaimed 5 leftovers of killed runs (97.8 KB of temp data)");
  expect(existsSync(dead1)).toBe(false);
  expect(existsSync(liveStaging)).toBe(true);
});
