/**
 * Report benchmark: `ttapi report` on a synthetic lake (every table the report reads, N collected
 * dates, daily bars), with the targets — generation ≤ 2 s, HTML ≤ 5 MB, first chart in
 * Chromium ≤ 1 s — and same-run baselines:
 *   - generation vs a plain nodejs-polars read of the same tables (glob scan + collect, no report);
 *   - first chart vs a minimal page that inlines the same uPlot and draws one chart.
 *
 *   bun bench/report.bench.ts                  507 symbols × 20 dates, 57,000 bars each (≈29M rows)
 *   BENCH_SCALE=small bun bench/report.bench.ts    40 symbols × 10 dates, 600 bars
 *   BENCH_REPS=3                                   repetitions (best is reported)
 *
 * Generation is timed from the compiled binary (dist/ttapi, process start included) when it
 * exists, else from `bun src/cli/main.ts`. The lake is generated once into .bench-data/.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { renderReport } from "../src/platform/report/html.ts";
import { loadReport } from "../src/platform/report/load.ts";
import { writeSyntheticLake } from "../src/platform/testing/report-lake.ts";

const SCALES = {
  // The full demo's size: 507 symbols × ≈57,000 daily bars (≈29M rows), 20 collected dates.
  full: { symbols: 507, dates: 20, bars: 57_000 },
  small: { symbols: 40, dates: 10, bars: 600 },
} as const;
type Scale = keyof typeof SCALES;
const scaleName = (process.env.BENCH_SCALE === "small" ? "small" : "full") as Scale;
const scale = SCALES[scaleName];
const reps = Math.max(1, Number(process.env.BENCH_REPS ?? 3));
const ROOT = join(import.meta.dir, "..");
const dataDir = join(ROOT, ".bench-data", `report-${scaleName}`);
const lake = join(dataDir, "lake");
const CHROMIUM = process.env.TTAPI_CHROMIUM || "/usr/bin/chromium";

async function ensureLake(): Promise<void> {
  const marker = join(dataDir, "lake.json");
  const want = JSON.stringify({ ...scale, generator: 1 });
  if (existsSync(marker) && readFileSync(marker, "utf8") === want) return;
  rmSync(dataDir, { recursive: true, force: true });
  const t0 = performance.now();
  const symbols = Array.from({ length: scale.symbols }, (_, i) => `SYM${String(i).padStart(4, "0")}`);
  await writeSyntheticLake({ root: lake, symbols, dates: scale.dates, bars: scale.bars });
  writeFileSync(marker, want);
  console.error(`generated the lake in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${lake}`);
}

function best<T>(n: number, f: () => T): { seconds: number; value: T } {
  let out: { seconds: number; value: T } | null = null;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const value = f();
    const seconds = (performance.now() - t0) / 1000;
    if (!out || seconds < out.seconds) out = { seconds, value };
  }
  return out!;
}

/** The baseline: the same tables read by plain polars glob scans (what any script would do). */
function plainPolarsRead(): number {
  let rows = 0;
  for (const t of ["metrics", "iv_hv", "volatility", "quotes", "expected_moves", "option_quotes", "chains"]) {
    const df = pl
      .scanParquet(join(lake, t, "**", "*.parquet"), { hivePartitioning: true } as Parameters<
        typeof pl.scanParquet
      >[1])
      .collectSync();
    rows += df.height;
  }
  const bars = pl
    .scanParquet(join(lake, "bars", "**", "*.parquet"), { hivePartitioning: true } as Parameters<
      typeof pl.scanParquet
    >[1])
    .select("symbol", "date", "close")
    .collectSync();
  return rows + bars.height;
}

/** Wall and CPU seconds of `ttapi report` as a user runs it (CPU: steadier on a busy machine). */
function generateFromCli(out: string): { seconds: number; cpu: number; how: string } {
  const bin = join(ROOT, "dist", "ttapi");
  const cmd = existsSync(bin) ? [bin] : [process.execPath, join(ROOT, "src", "cli", "main.ts")];
  const how = existsSync(bin)
    ? "dist/ttapi (compiled binary)"
    : "bun src/cli/main.ts (no dist/ttapi: run `bun run build`)";
  let cpu = Number.POSITIVE_INFINITY;
  const r = best(reps, () => {
    const p = Bun.spawnSync([...cmd, "report", "--data-dir", dataDir, "--out", out, "-q"], {
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, XDG_CONFIG_HOME: join(dataDir, "cfg") },
    });
    if (p.exitCode !== 0) throw new Error(`ttapi report failed: ${p.stderr.toString()}`);
    const u = p.resourceUsage?.cpuTime;
    if (u) cpu = Math.min(cpu, Number(u.user + u.system) / 1e6);
    return 0;
  });
  return { seconds: r.seconds, cpu, how };
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Milliseconds from navigation start to the first drawn chart (window.__report.firstChartMs). */
async function firstChart(file: string, probe: string): Promise<number | null> {
  if (!existsSync(CHROMIUM)) return null;
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "ttapi-bench-chromium-"));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 860 },
  });
  try {
    let bestMs = Number.POSITIVE_INFINITY;
    for (let i = 0; i < reps; i++) {
      const page = await ctx.newPage();
      await page.goto(`file://${file}`);
      await page.waitForFunction(probe, null, { timeout: 60_000 });
      bestMs = Math.min(bestMs, (await page.evaluate(probe)) as number);
      await page.close();
    }
    return bestMs;
  } finally {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** A minimal page: the same inlined uPlot drawing one chart of one symbol's closes. */
function baselinePage(file: string): void {
  const uplot = readFileSync(join(ROOT, "node_modules", "uplot", "dist", "uPlot.iife.min.js"), "utf8");
  const css = readFileSync(join(ROOT, "node_modules", "uplot", "dist", "uPlot.min.css"), "utf8");
  const df = pl
    .scanParquet(join(lake, "bars", "**", "*.parquet"))
    .select("date", "close")
    .tail(273)
    .collectSync();
  const x = (df.getColumn("date").cast(pl.Int32).toArray() as number[]).map((d) => d * 86400);
  const y = df.getColumn("close").toArray();
  writeFileSync(
    file,
    `<!doctype html><html><head><meta charset="utf-8"><style>${css}</style></head><body><div id="c"></div>
<script>${uplot}</script><script>
new uPlot({width: 600, height: 230, series: [{}, {stroke: "blue"}]}, ${JSON.stringify([x, y])}, document.getElementById("c"));
window.__t = performance.now();
</script></body></html>`,
  );
}

await ensureLake();
const out = join(dataDir, "report.html");

const cli = generateFromCli(out);
const inproc = best(reps, () => {
  const c0 = cpuSeconds();
  const t0 = performance.now();
  const model = loadReport({ root: lake });
  const t1 = performance.now();
  renderReport(model);
  return { load: (t1 - t0) / 1000, render: (performance.now() - t1) / 1000, cpu: cpuSeconds() - c0 };
});
const base = best(reps, () => {
  const c0 = cpuSeconds();
  return { rows: plainPolarsRead(), cpu: cpuSeconds() - c0 };
});
const bytes = statSync(out).size;
const baseFile = join(dataDir, "baseline.html");
baselinePage(baseFile);
const chartMs = await firstChart(out, "window.__report && window.__report.firstChartMs");
const baseMs = await firstChart(baseFile, "window.__t");

const mb = (b: number) => (b / 1e6).toFixed(2);
const ok = (v: boolean) => (v ? "ok" : "MISSED");
console.log(
  `report bench (${scaleName}: ${scale.symbols} symbols × ${scale.dates} dates, ${scale.bars} bars each; best of ${reps})`,
);
const load = readFileSync("/proc/loadavg", "utf8").split(" ")[0];
console.log(`  machine load average ${load} (wall times stretch with it, CPU seconds much less)`);
console.log(
  `  generation, ${cli.how}: ${cli.seconds.toFixed(2)} s wall, ${cli.cpu.toFixed(2)} CPU-s   [target ≤ 2 s: ${ok(cli.seconds <= 2)}]`,
);
console.log(
  `  in-process: read lake ${inproc.value.load.toFixed(2)} s + render ${inproc.value.render.toFixed(2)} s = ${inproc.seconds.toFixed(2)} s wall, ${inproc.value.cpu.toFixed(2)} CPU-s`,
);
console.log(
  `  baseline, plain polars glob read of the same tables (${base.value.rows.toLocaleString()} rows): ${base.seconds.toFixed(2)} s wall, ${base.value.cpu.toFixed(2)} CPU-s → ours/baseline ${(inproc.seconds / base.seconds).toFixed(2)}× wall, ${(inproc.value.cpu / base.value.cpu).toFixed(2)}× CPU`,
);
console.log(`  HTML size: ${mb(bytes)} MB   [target ≤ 5 MB: ${ok(bytes <= 5e6)}]`);
if (chartMs === null || baseMs === null)
  console.log(`  first chart: not measured (no Chromium at ${CHROMIUM})`);
else
  console.log(
    `  first chart in headless Chromium: ${chartMs.toFixed(0)} ms (baseline: one uPlot chart on a minimal page ${baseMs.toFixed(0)} ms → ${(chartMs / baseMs).toFixed(2)}×)   [target ≤ 1000 ms: ${ok(chartMs <= 1000)}]`,
  );
