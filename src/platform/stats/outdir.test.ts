/** `outDir`: statistics of a shared, read-only bars dataset written somewhere else (the pipeline's cache). */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { tempDirs } from "../../core/testing/temp-dirs.ts";
import { computeStats } from "./compute.ts";
import { syntheticSeries, writeSymbolBars } from "./synthetic.ts";

const tmp = tempDirs();
afterAll(() => tmp.removeAll());

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

test("stats land in outDir; the dataset folder gets nothing", async () => {
  const data = tmp.make("ttapi-stats-data-");
  const out = tmp.make("ttapi-stats-out-");
  await writeSymbolBars(data, "AAA", syntheticSeries({ rows: 300, seed: 1 }));
  await writeSymbolBars(data, "BRK/B", syntheticSeries({ rows: 300, seed: 2 }));
  const r = await computeStats({ dataDir: data, outDir: out, windows: [20], workers: 1 });
  expect(r.symbols).toBe(2);
  expect(r.files.length).toBeGreaterThan(0);
  for (const f of r.files) expect(f.startsWith(join(out, "stats"))).toBe(true);
  expect(existsSync(join(out, "stats", "latest.parquet"))).toBe(true);
  expect(existsSync(join(data, "stats"))).toBe(false);
});
