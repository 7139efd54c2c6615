/**
 * An API outage (nothing listening) or wrong credentials must not throw away the local work: the
 * MetaStock sources still become bars and statistics, the bars say what they lack, and the
 * summary names every task that could not run. (On main `merge + dedupe` failed with the candles,
 * so there were no bars and no statistics.)
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ConfigKey, loadConfig } from "../../core/config.ts";
import { type SimServer, startSim } from "../sim.ts";
import { runPipeline } from "./run.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(120_000);

const root = mkdtempSync(join(tmpdir(), "ttapi-outage-"));
let sim: SimServer;
beforeAll(async () => {
  sim = await startSim({ port: 0, seed: "outage" });
});
afterAll(async () => {
  await sim.stop();
  rmSync(root, { recursive: true, force: true });
});

/** Two symbols, 120 business days of daily bars, as a MetaStock ASCII export. */
function sources(): string {
  const dir = join(root, "ms");
  mkdirSync(dir, { recursive: true });
  const lines = ["<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>"];
  for (const [sym, base] of [
    ["AAPL", 150],
    ["MSFT", 300],
  ] as const) {
    let d = Date.UTC(2025, 0, 2);
    let px = base;
    for (let i = 0; i < 120; i++) {
      while ([0, 6].includes(new Date(d).getUTCDay())) d += 86_400_000;
      const ymd = new Date(d).toISOString().slice(0, 10).replace(/-/g, "");
      px *= 1 + Math.sin(i * 1.7 + base) * 0.015;
      lines.push(`${sym},D,${ymd},000000,${px},${px * 1.01},${px * 0.99},${px},${1000 + i},0`);
      d += 86_400_000;
    }
  }
  writeFileSync(join(dir, "bars.txt"), `${lines.join("\n")}\n`);
  return dir;
}

function config(flags: Partial<Record<ConfigKey, unknown>>) {
  return loadConfig({
    env: { XDG_CONFIG_HOME: "/nonexistent" },
    flags: { "run.symbols": ["AAPL", "MSFT"], "api.retries": 0, "api.timeout": 3, ...flags },
  }).config;
}

for (const [name, flags] of [
  [
    "the API is down",
    () => ({
      "api.url": "http://127.0.0.1:1",
      "api.client-secret": "x-secret",
      "api.refresh-token": "x-refresh",
    }),
  ],
  [
    "the credentials are wrong",
    () => ({ "api.url": sim.url, "api.client-secret": "wrong-secret", "api.refresh-token": "wrong-refresh" }),
  ],
] as const) {
  test(`${name}: local MetaStock sources still yield bars and statistics; the run says what is missing`, async () => {
    const dataDir = join(root, name.replace(/\W+/g, "-"));
    const s = await runPipeline({
      config: config({ ...flags(), "run.sources": [sources()] }),
      dataDir,
    });
    const task = (id: string) => s.tasks.find((t) => t.id === id)!;
    expect(task("eod.metastock").state).toBe("done");
    expect(task("eod.bars").state).toBe("done");
    expect(task("eod.bars").count).toBe(240);
    expect(task("eod.bars").degraded).toContain("without the recent DXLink candles");
    expect(task("math.stats").state).toBe("done");
    expect(task("math.stats").count).toBeGreaterThan(0);
    // What could not be had is named, not silently dropped.
    expect(task("eod.candles").state).toBe("failed");
    expect(s.stages.core.failures.length).toBeGreaterThan(0);
    expect(s.status).not.toBe("complete");
  });
}
