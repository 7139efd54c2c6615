/**
 * The EOD cache survives moving or copying the data directory: its fingerprint holds the sources'
 * content relative to each source root, not absolute paths or mtimes (on main a moved data dir
 * re-imported everything: 75 s at full scale). A change of content still invalidates it.
 */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { appendFileSync, cpSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../core/config.ts";
import { demoFixturesDir } from "./demo.ts";
import { runPipeline } from "./run.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(180_000);

const root = mkdtempSync(join(tmpdir(), "ttapi-move-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const config = loadConfig({ env: { XDG_CONFIG_HOME: "/nonexistent" } }).config;
const run = (dataDir: string) =>
  runPipeline({ config, dataDir, cached: true, demo: { seed: 1, scale: "small" } });
const task = (s: Awaited<ReturnType<typeof run>>, id: string) => s.tasks.find((t) => t.id === id)!;

test("moved and copied data directories keep the EOD cache; changed content invalidates it", async () => {
  const a = join(root, "a");
  const first = await run(a);
  expect(task(first, "eod.metastock").cached).toBe(false);

  const b = join(root, "b");
  renameSync(a, b);
  const moved = await run(b);
  expect(task(moved, "eod.metastock").cached).toBe(true);
  expect(task(moved, "eod.bars").cached).toBe(true);

  // A plain copy: new mtimes everywhere.
  const c = join(root, "c");
  cpSync(b, c, { recursive: true, preserveTimestamps: false });
  const copied = await run(c);
  expect(task(copied, "eod.metastock").cached).toBe(true);

  // New content in a source file: imported again.
  const stooq = join(demoFixturesDir(c, "small", 1), "stooq");
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }))
      e.isDirectory() ? walk(join(d, e.name)) : files.push(join(d, e.name));
  };
  walk(stooq);
  appendFileSync(files.sort()[0]!, "\n");
  const changed = await run(c);
  expect(task(changed, "eod.metastock").cached).toBe(false);
});
