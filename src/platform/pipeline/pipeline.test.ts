/**
 * End-to-end pipeline runs against the in-process sim with small demo fixtures: cold and cached
 * runs, dependency tracking (a changed upstream recomputes exactly its downstream), --force,
 * degraded and failed runs, cancellation, and equality of the artifacts under a fault profile.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ConfigKey, loadConfig } from "../../core/config.ts";
import { tempDirs } from "../../core/testing/temp-dirs.ts";
import { ArtifactStore } from "../cache/store.ts";
import { PersistWriter } from "../persist/writer.ts";
import type { TaskEvent } from "./graph.ts";
import { type RunPipelineOptions, type RunSummary, runPipeline } from "./run.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const temp = tempDirs();
afterAll(() => temp.removeAll());
const tempDir = () => temp.make("ttapi-pipeline-");
function config(flags: Partial<Record<ConfigKey, unknown>> = {}) {
  return loadConfig({ env: { XDG_CONFIG_HOME: "/nonexistent" }, flags }).config;
}
async function run(
  dataDir: string,
  o: Partial<RunPipelineOptions> = {},
): Promise<RunSummary & { events: TaskEvent[] }> {
  const events: TaskEvent[] = [];
  const s = await runPipeline({
    config: config(),
    dataDir,
    demo: { seed: 1, scale: "small" },
    onEvent: (e) => events.push(e),
    ...o,
  });
  return { ...s, events };
}
const byState = (s: RunSummary, state: string) =>
  s.tasks
    .filter((t) => t.state === state)
    .map((t) => t.id)
    .sort();
function fingerprints(dataDir: string): Record<string, [string, number]> {
  const store = new ArtifactStore({ dataDir, config: config(), writer: new PersistWriter() });
  return Object.fromEntries(store.status().map((r) => [r.id, [r.fingerprint ?? "", r.rows ?? -1]]));
}

describe("pipeline (demo, small)", () => {
  const dir = tempDir();

  test("cold run: complete, every stage done, duplicates across sources counted", async () => {
    const s = await run(dir);
    expect(s.status).toBe("complete");
    expect(s.exitCode).toBe(0);
    expect(byState(s, "failed")).toEqual([]);
    for (const st of Object.values(s.stages)) expect(st.status).toBe("complete");
    expect(s.duplicates).toBeGreaterThan(0);
    expect(s.sim?.requests).toBeGreaterThan(10);
    const status = new ArtifactStore({
      dataDir: dir,
      config: config(),
      writer: new PersistWriter(),
    }).status();
    expect(status.length).toBeGreaterThanOrEqual(15);
    expect(status.filter((r) => r.state !== "fresh")).toEqual([]);
    // Every task reported START before its end; math started only after its inputs were done.
    const at = (type: string, id: string) => s.events.findIndex((e) => e.type === type && e.task === id);
    expect(at("start", "math.stats")).toBeGreaterThan(at("done", "eod.bars"));
    expect(at("start", "math.expected-moves")).toBeGreaterThan(at("done", "sym.quotes"));
  });

  test("cached run: everything SKIPPED (cached), the sim is never started", async () => {
    const s = await run(dir, { cached: true });
    expect(s.status).toBe("complete");
    expect(byState(s, "done")).toEqual([]);
    expect(s.tasks.every((t) => t.cached)).toBe(true);
    expect(s.sim).toBeUndefined();
    expect(s.events.filter((e) => e.type === "skipped")).toHaveLength(s.tasks.length);
  });

  test("a changed MetaStock file recomputes exactly its downstream, nothing else", async () => {
    const spy = join(dir, "demo", "small-1", "stooq", "data", "daily", "us");
    const file = findFile(spy, "spy.us.txt");
    const lines = readFileSync(file, "utf8").split("\n");
    const cols = lines[100]!.split(",");
    cols[7] = (Number(cols[7]) * 1.01).toFixed(4); // one close, 1 % higher
    lines[100] = cols.join(",");
    writeFileSync(file, lines.join("\n"));
    const s = await run(dir, { cached: true });
    expect(s.status).toBe("complete");
    expect(byState(s, "done")).toEqual(["eod.bars", "eod.metastock", "math.iv-hv", "math.stats"]);
    expect(s.sim).toBeUndefined();
  });

  test("clearing one kind recomputes it; identical content leaves its dependents cached", async () => {
    new ArtifactStore({ dataDir: dir, config: config(), writer: new PersistWriter() }).clear("quotes");
    const s = await run(dir, { cached: true });
    expect(byState(s, "done")).toEqual(["sym.quotes"]);
    expect(s.tasks.find((t) => t.id === "math.expected-moves")?.cached).toBe(true);
  });

  test("--force recomputes everything (and still ends with the same content)", async () => {
    const before = fingerprints(dir);
    const s = await run(dir, { cached: true, force: true });
    expect(byState(s, "skipped")).toEqual(["eod.demo-fixtures"]);
    const after = fingerprints(dir);
    delete before["quote-token/token"];
    delete after["quote-token/token"];
    expect(after).toEqual(before);
  });
});

describe("pipeline outcomes", () => {
  test("--csv: every table artifact has a CSV mirror, datasets carry CSV beside their Parquet", async () => {
    const dir = tempDir();
    const s = await run(dir, { csv: true });
    expect(s.status).toBe("complete");
    const store = new ArtifactStore({ dataDir: dir, config: config(), writer: new PersistWriter() });
    for (const r of store.status()) {
      const m = store.manifest(r)!;
      const dataset = m.files.find((f) => f.format === "dir");
      // The merged bars are the lake's `bars` table (Parquet only, like every lake table): the
      // cache holds just their manifest.
      if (m.meta.lake === "bars") expect(m.files).toEqual([]);
      else if (dataset) {
        const files = listFiles(join(store.dirOf(r), dataset.path));
        if (m.rows > 0)
          expect({ id: r.id, csv: files.some((f) => f.endsWith(".csv")) }).toEqual({ id: r.id, csv: true });
      } else
        expect({ id: r.id, csv: m.files.some((f) => f.format === "csv") }).toEqual({ id: r.id, csv: true });
    }
    // Asking for CSV later makes artifacts without a mirror stale for a cached run.
    const plain = tempDir();
    await run(plain);
    const again = await run(plain, { cached: true, csv: true });
    expect(byState(again, "done")).toContain("sym.chains");
  }, 60_000);

  test("unknown symbols within the threshold: degraded (exit 3), the rest is complete", async () => {
    const dir = tempDir();
    const s = await runPipeline({
      config: config({ "api.missing-threshold": 0.6 }),
      dataDir: dir,
      symbols: ["SPY", "NOPE"],
      demo: { seed: 1, scale: "small" },
    });
    expect(s.status).toBe("degraded");
    expect(s.exitCode).toBe(3);
    expect(s.stages.symbols.status).toBe("degraded");
    expect(s.tasks.find((t) => t.id === "sym.chains")?.degraded).toMatch(
      /^1 of 2 symbols missing: NOPE \(HTTP 404/,
    );
    // Named in the run's failures too (what --json prints), not just counted.
    expect(s.failures.find((f) => f.task === "sym.chains")?.reason).toContain("NOPE");
    // A degraded artifact is never reused: the next cached run retries it.
    const again = await runPipeline({
      config: config({ "api.missing-threshold": 0.6 }),
      dataDir: dir,
      cached: true,
      symbols: ["SPY", "NOPE"],
      demo: { seed: 1, scale: "small" },
    });
    expect(again.tasks.find((t) => t.id === "sym.chains")?.state).toBe("done");
  }, 90_000);

  test("beyond the threshold: failed (exit 65: unknown symbols are a data problem) with reasons; dependents fail, independent work completes", async () => {
    const s = await runPipeline({
      config: config({ "api.missing-threshold": 0.2 }),
      dataDir: tempDir(),
      symbols: ["SPY", "NOPE"],
      demo: { seed: 1, scale: "small" },
    });
    expect(s.status).toBe("failed");
    // The first cause's class: every symbol missing for the same reason (unknown: E_DATA / HTTP 404).
    expect([65, 69]).toContain(s.exitCode);
    const chains = s.tasks.find((t) => t.id === "sym.chains")!;
    expect(chains.state).toBe("failed");
    expect(chains.reason).toContain("NOPE");
    // Whichever of its failed inputs finished first is named.
    expect(s.tasks.find((t) => t.id === "math.expected-moves")?.reason).toMatch(
      /^input (option chains|market metrics|quotes) failed$/,
    );
    expect(s.stages.core.status).toBe("complete");
    expect(s.stages.symbols.failures.length).toBeGreaterThan(0);
  }, 90_000);

  test("--cached while the API fails: expired network data is reused and flagged, the run is degraded", async () => {
    const dir = tempDir();
    expect((await run(dir)).status).toBe("complete");
    const s = await runPipeline({
      config: config({ "cache.ttl.quotes": 0 }),
      dataDir: dir,
      cached: true,
      demo: { seed: 1, scale: "small", faults: "errors=1" },
    });
    expect(s.status).toBe("degraded");
    expect(s.exitCode).toBe(3);
    const quotes = s.tasks.find((t) => t.id === "sym.quotes")!;
    expect(quotes.state).toBe("done");
    expect(quotes.degraded).toMatch(/^stale \(\d+s old\): /);
    // Same data as before, so nothing downstream of the quotes is recomputed.
    expect(s.tasks.find((t) => t.id === "math.expected-moves")?.cached).toBe(true);
    expect(byState(s, "failed")).toEqual([]);
  }, 60_000);

  test("data from one source is never reused for another (another sim seed ⇒ every network artifact recomputed)", async () => {
    const dir = tempDir();
    await run(dir);
    const other = await run(dir, { cached: true, demo: { seed: 2, scale: "small" } });
    expect(other.status).toBe("complete");
    for (const id of [
      "core.accounts",
      "core.quote-token",
      "sym.equities",
      "sym.chains",
      "sym.metrics",
      "sym.quotes",
      "eod.candles",
    ])
      expect({ id, cached: other.tasks.find((t) => t.id === id)?.cached }).toEqual({ id, cached: false });
  }, 60_000);

  test("cancellation: the run stops promptly with status cancelled", async () => {
    const ctl = new AbortController();
    const p = runPipeline({
      config: config(),
      dataDir: tempDir(),
      demo: { seed: 1, scale: "small" },
      signal: ctl.signal,
      onEvent: (e) => e.type === "start" && e.task === "sym.chains" && ctl.abort(),
    });
    const s = await p;
    expect(s.status).toBe("cancelled");
    expect(s.exitCode).toBe(130);
  });

  test("fault profile rate-limit, 20 % 5xx, 5 % resets: complete, identical artifacts to a fault-free run", async () => {
    const dir = tempDir();
    const clean = await run(dir);
    expect(clean.status).toBe("complete");
    const a = fingerprints(dir);
    new ArtifactStore({ dataDir: dir, config: config(), writer: new PersistWriter() }).clear();
    const faulty = await run(dir, {
      demo: { seed: 1, scale: "small", faults: "rate-limit,errors=0.2,reset=0.05" },
    });
    expect(faulty.status).toBe("complete");
    const f = faulty.sim!.faults;
    expect((f["rate-limit"] ?? 0) + (f.error ?? 0) + (f.reset ?? 0)).toBeGreaterThan(0);
    const b = fingerprints(dir);
    // The quote token is a fresh credential on every run; everything else must be identical.
    delete a["quote-token/token"];
    delete b["quote-token/token"];
    expect(Object.keys(b).length).toBeGreaterThanOrEqual(14);
    expect(b).toEqual(a);
  });
});

function listFiles(root: string): string[] {
  return readdirSync(root, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(root, e.name)) : [join(root, e.name)],
  );
}

function findFile(root: string, name: string): string {
  for (const e of readdirSync(root, { withFileTypes: true })) {
    const p = join(root, e.name);
    if (e.isDirectory()) {
      const r = findFile(p, name);
      if (r) return r;
    } else if (e.name === name) return p;
  }
  return "";
}
