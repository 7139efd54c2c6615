/**
 * Pipeline benchmark: `ttapi run --demo` cold (every artifact computed) vs cached (everything
 * fresh), side by side, plus a plain nodejs-polars baseline measured in the same run doing the
 * EOD + statistics core by hand (read every Stooq CSV, write one zstd Parquet, per-symbol
 * close-to-close volatility). Each measured run is a separate process: wall time and its peak RSS
 * (getrusage of the child; workers are threads, so this covers them).
 *
 *   bun bench/pipeline.bench.ts                 # --scale full: 507 symbols, ~29M rows
 *   BENCH_SCALE=small bun bench/pipeline.bench.ts
 *   BENCH_DIR=/path  reuse a data directory (fixtures are generated once, not timed)
 *
 * Targets (issue 8): cached ≤ 1 s, cold:cached ≥ 50×, peak RSS ≤ 1.5 GB.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const MAIN = join(ROOT, "src", "cli", "main.ts");

interface Measured {
  seconds: number;
  maxRssMB: number;
  stdout: string;
  code: number;
}

async function measure(args: string[], env: Record<string, string> = {}): Promise<Measured> {
  const t0 = performance.now();
  const p = Bun.spawn([process.execPath, ...args], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
  const [stdout, stderr] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  const code = await p.exited;
  const seconds = (performance.now() - t0) / 1000;
  const ru = p.resourceUsage();
  if (code !== 0 && code !== 3) process.stderr.write(stderr.slice(-4000));
  // Bun reports the child's getrusage maxRSS in bytes.
  return { seconds, maxRssMB: ru ? Number(ru.maxRSS) / 1024 / 1024 : Number.NaN, stdout, code };
}

/**
 * Baseline child: a plain nodejs-polars pipeline over the same Stooq files — readCSV → zstd
 * Parquet per file (what the import does), then close-to-close volatility per symbol over the
 * Parquet files (one estimator, whole history; what the statistics stage does ×5 estimators ×
 * windows). File by file so its memory stays bounded like ours.
 */
async function baseline(dir: string, out: string): Promise<void> {
  const pl = (await import("nodejs-polars")).default;
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".txt")) files.push(p);
    }
  };
  walk(dir);
  let rows = 0;
  files.forEach((f, i) => {
    const df = pl.readCSV(readFileSync(f), { hasHeader: true });
    rows += df.height;
    df.writeParquet(join(out, `${i}.parquet`), { compression: "zstd" });
  });
  const vol = pl
    .scanParquet(join(out, "*.parquet"))
    .select(pl.col("<TICKER>").alias("symbol"), pl.col("<CLOSE>").alias("close"))
    .withColumns(pl.col("close").log().diff(1, "ignore").over("symbol").alias("r"))
    .groupBy("symbol")
    .agg(pl.col("r").std().mul(Math.sqrt(252)).alias("vol"))
    .collectSync();
  process.stdout.write(JSON.stringify({ rows, symbols: vol.height }));
}

if (process.argv[2] === "--baseline") {
  await baseline(process.argv[3]!, process.argv[4]!);
  process.exit(0);
}

const scale = process.env.BENCH_SCALE === "small" ? "small" : "full";
const dir = process.env.BENCH_DIR || join(tmpdir(), `ttapi-bench-pipeline-${scale}`);
mkdirSync(dir, { recursive: true });
const run = (...extra: string[]) => [
  MAIN,
  "run",
  "--demo",
  "--scale",
  scale,
  "--data-dir",
  dir,
  "--json",
  ...extra,
];

// 1. Fixtures (first use only; not part of any figure).
const fixturesDir = join(dir, "demo", `${scale}-1`);
if (!existsSync(join(fixturesDir, "fixtures.json"))) {
  process.stderr.write(`generating ${scale} demo fixtures in ${fixturesDir} (once)…\n`);
  const g = await measure(run());
  process.stderr.write(`  fixtures + first run: ${g.seconds.toFixed(1)} s\n`);
}

// 2. Cold: no artifacts. 3. Cached: everything fresh.
await measure([MAIN, "cache", "clear", "--data-dir", dir, "-q"]);
const cold = await measure(run());
const cached = await measure(run("--cached"));
// 4. Baseline: plain nodejs-polars, same input.
const baseOut = join(dir, "baseline");
rmSync(baseOut, { recursive: true, force: true });
mkdirSync(baseOut, { recursive: true });
const base = await measure([import.meta.path, "--baseline", join(fixturesDir, "stooq"), baseOut]);

const coldJ = JSON.parse(cold.stdout);
const cachedJ = JSON.parse(cached.stdout);
const baseJ = JSON.parse(base.stdout || "{}");

const { renderGrid } = await import("../src/cli/grid/render.ts");
const { gridFromSummary } = await import("../src/cli/grid/state.ts");
const screen = (j: { tasks: never[]; status: "complete"; seconds: number }) =>
  renderGrid(gridFromSummary(j.tasks, j.status, j.seconds), { width: 120, color: false }).join("\n");

const allCached = cachedJ.tasks.every((t: { cached: boolean }) => t.cached);
// The targets are for --scale full; a small run is a smoke test.
const verdict = (ok: boolean) =>
  scale === "full" ? (ok ? "OK" : "MISSED") : "(target applies to --scale full)";
const ratio = cold.seconds / cached.seconds;
const lines = [
  `pipeline bench (scale ${scale}, ${coldJ.symbols} symbols, bars ${coldJ.tasks.find((t: { id: string }) => t.id === "eod.bars")?.count ?? 0})`,
  "",
  "cold run (no artifacts):",
  screen(coldJ),
  "",
  "cached run:",
  screen(cachedJ),
  "",
  `                      wall s    peak RSS MiB   in-process s`,
  `cold   ttapi run      ${cold.seconds.toFixed(2).padStart(7)}   ${cold.maxRssMB.toFixed(0).padStart(11)}   ${coldJ.seconds.toFixed(2).padStart(12)}`,
  `cached ttapi run      ${cached.seconds.toFixed(2).padStart(7)}   ${cached.maxRssMB.toFixed(0).padStart(11)}   ${cachedJ.seconds.toFixed(3).padStart(12)}`,
  `baseline (polars)     ${base.seconds.toFixed(2).padStart(7)}   ${base.maxRssMB.toFixed(0).padStart(11)}   (readCSV → zstd Parquet per file → c2c vol, ${baseJ.rows ?? "?"} rows)`,
  "",
  `cold:cached = ${ratio.toFixed(1)}×   (target ≥ 50×)  ${verdict(ratio >= 50)}`,
  `cached wall = ${cached.seconds.toFixed(2)} s (target ≤ 1 s) ${verdict(cached.seconds <= 1)}; every task cached: ${allCached}`,
  `peak RSS cold = ${cold.maxRssMB.toFixed(0)} MiB (target ≤ 1.5 GiB = 1536 MiB) ${verdict(cold.maxRssMB <= 1536)}`,
  `cold vs plain-polars baseline = ${(base.seconds / cold.seconds).toFixed(2)}× (baseline: EOD + one estimator only; cold also collects ${coldJ.symbols} symbols' REST data and DXLink candles, dedupes, runs 5 estimators × windows)`,
  `duplicates removed across sources ${coldJ.duplicates}; exit codes cold ${cold.code} cached ${cached.code}`,
];
process.stdout.write(`${lines.join("\n")}\n`);
// A run that did not complete, or a cached run that recomputed something, is a broken bench.
if (cold.code !== 0 || cached.code !== 0 || !allCached) process.exitCode = 1;
