/**
 * Statistics benchmark: the whole estimator suite (returns, 5 realized-vol estimators × 6
 * windows, t/chi-square intervals, volatility cone) over a synthetic daily bars dataset, side by
 * side with a plain nodejs-polars expression pipeline computing close-to-close volatility for
 * the same windows (the baseline), in the same run.
 *
 *   bun bench/stats.bench.ts                 507 symbols × 57,000 daily bars ≈ 28.9M rows
 *   BENCH_SCALE=small bun bench/stats.bench.ts   40 symbols × 10,000 bars (quick smoke)
 *   BENCH_REPS=3                                repetitions (best time is reported)
 *
 * The dataset is generated once (deterministic) and cached in .bench-data/stats-<scale>/.
 * Each measurement runs in a fresh child process so its peak RSS (VmHWM, which includes the
 * worker threads: they share the process) belongs to that pipeline alone.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { syntheticSeries, syntheticSymbol, writeSymbolBars } from "../src/platform/stats/synthetic.ts";

const WINDOWS = [10, 20, 30, 60, 90, 252];
const SCALES = {
  full: { symbols: 507, rows: 57_000 },
  small: { symbols: 40, rows: 10_000 },
} as const;
type Scale = keyof typeof SCALES;

const scaleName = (process.env.BENCH_SCALE ?? "full") as Scale;
const scale = SCALES[scaleName] ?? SCALES.full;
const dataDir = join(
  import.meta.dir,
  "..",
  ".bench-data",
  `stats-${scaleName in SCALES ? scaleName : "full"}`,
);

function peakRssMb(): number {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux: fall back below
  }
  return process.resourceUsage().maxRSS / 1024;
}

async function ensureDataset(): Promise<void> {
  const marker = join(dataDir, "dataset.json");
  const want = JSON.stringify({ ...scale, generator: 1 });
  if (existsSync(marker) && readFileSync(marker, "utf8") === want) return;
  rmSync(dataDir, { recursive: true, force: true });
  const t0 = performance.now();
  for (let i = 0; i < scale.symbols; i++) {
    await writeSymbolBars(dataDir, syntheticSymbol(i), syntheticSeries({ rows: scale.rows, seed: 1000 + i }));
  }
  writeFileSync(marker, want);
  console.error(
    `generated ${scale.symbols * scale.rows} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${dataDir}`,
  );
}

interface Measurement {
  seconds: number;
  /** CPU seconds of the whole process (all threads): less sensitive to a busy machine. */
  cpuSeconds: number;
  rows: number;
  rssMb: number;
  detail?: string;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Our engine, reading Parquet on the workers and writing stats/*.parquet: the whole suite, or
 * (`c2cOnly`) the same work as the baseline — close-to-close for every window, no cone.
 */
async function runOurs(c2cOnly: boolean): Promise<Measurement> {
  const { computeStats } = await import("../src/platform/stats/compute.ts");
  const c0 = cpuSeconds();
  const t0 = performance.now();
  const r = await computeStats({
    dataDir,
    windows: WINDOWS,
    ...(c2cOnly ? { estimators: ["close_to_close" as const], cone: false } : {}),
  });
  const seconds = (performance.now() - t0) / 1000;
  return {
    seconds,
    cpuSeconds: cpuSeconds() - c0,
    rows: r.rows,
    rssMb: peakRssMb(),
    detail: `read ${r.readSeconds.toFixed(2)} s + estimate ${r.computeSeconds.toFixed(2)} s (summed over workers)`,
  };
}

/** Baseline: plain nodejs-polars lazy pipeline, close-to-close volatility for every window. */
async function runBaseline(): Promise<Measurement> {
  const pl = (await import("nodejs-polars")).default;
  const c0 = cpuSeconds();
  const t0 = performance.now();
  const lf = pl
    .scanParquet(`${dataDir}/bars/period=D/**/*.parquet`, { hivePartitioning: false })
    .select("symbol", "date", "close")
    .withColumns(pl.col("close").log().diff(1, "ignore").over("symbol").alias("r"))
    .withColumns(
      ...WINDOWS.map((w) =>
        pl
          .col("r")
          .rollingStd({ windowSize: w, ddof: 1 })
          .over("symbol")
          .mul(Math.sqrt(252))
          .alias(`vol_${w}`),
      ),
    )
    .groupBy("symbol")
    .agg(pl.len().alias("rows"), ...WINDOWS.map((w) => pl.col(`vol_${w}`).last()));
  const df = await lf.collect();
  const seconds = (performance.now() - t0) / 1000;
  const rows = Number(df.getColumn("rows").sum());
  return { seconds, cpuSeconds: cpuSeconds() - c0, rows, rssMb: peakRssMb() };
}

/**
 * Where the time goes: the estimator suite alone on one thread over series already in memory
 * (up to 40 symbols read first, not timed), to separate kernel cost from Parquet decoding.
 */
async function runKernelOnly(): Promise<Measurement> {
  const { listDailySymbols, readSymbolBars } = await import("../src/platform/stats/dataset.ts");
  const { computeSymbolStats, emptyTables, SuiteContext } = await import("../src/stats/suite.ts");
  const series = listDailySymbols(dataDir)
    .slice(0, 40)
    .map((s) => ({ symbol: s.symbol, bars: readSymbolBars(s, false) }));
  const ctx = new SuiteContext({ windows: WINDOWS, confidence: 0.95, annualization: 252 });
  // A full warm-up pass so the measurement is of optimized code (JIT tiers settled), as in a long
  // run where every worker computes hundreds of symbols.
  for (const s of series) computeSymbolStats(s.symbol, s.bars, ctx, emptyTables());
  const c0 = cpuSeconds();
  const t0 = performance.now();
  let rows = 0;
  for (const s of series) rows += computeSymbolStats(s.symbol, s.bars, ctx, emptyTables());
  return {
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: cpuSeconds() - c0,
    rows,
    rssMb: peakRssMb(),
  };
}

async function child(mode: string): Promise<void> {
  const m =
    mode === "baseline"
      ? await runBaseline()
      : mode === "kernel"
        ? await runKernelOnly()
        : await runOurs(mode === "ours-c2c");
  process.stdout.write(`${JSON.stringify(m)}\n`);
  process.exit(0);
}

type Mode = "ours" | "ours-c2c" | "baseline" | "kernel";

async function measure(mode: Mode): Promise<Measurement> {
  const p = Bun.spawn([process.execPath, import.meta.path, "--child", mode], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const out = await new Response(p.stdout).text();
  if ((await p.exited) !== 0) throw new Error(`${mode} run failed`);
  return JSON.parse(out.trim().split("\n").pop()!) as Measurement;
}

async function main(): Promise<void> {
  await ensureDataset();
  const reps = Math.max(1, Number(process.env.BENCH_REPS ?? 2));
  const best = async (mode: Mode) => {
    let b: Measurement | null = null;
    for (let i = 0; i < reps; i++) {
      const m = await measure(mode);
      if (!b || m.seconds < b.seconds) b = m;
    }
    return b!;
  };
  // Warm the page cache so neither side pays for the first read from disk.
  await measure("baseline");
  const ours = await best("ours");
  const c2c = await best("ours-c2c");
  const base = await best("baseline");
  const kernel = await best("kernel");
  const rate = (m: Measurement) => m.rows / m.seconds / 1e6;
  const cpuRate = (m: Measurement) => m.rows / m.cpuSeconds / 1e6;
  const line = (name: string, m: Measurement) =>
    `${name.padEnd(46)} ${m.rows.toLocaleString("en-US").padStart(11)} rows ${m.seconds.toFixed(2).padStart(6)} s ${rate(m).toFixed(1).padStart(6)} M rows/s` +
    ` (${cpuRate(m).toFixed(1)} M rows per CPU-s)  peak RSS ${m.rssMb.toFixed(0).padStart(5)} MB`;
  console.log(
    `stats bench (${scaleName}: ${scale.symbols} symbols × ${scale.rows} rows, windows ${WINDOWS.join(",")}, best of ${reps})`,
  );
  console.log(line("ttapi: full suite (5 estimators, CIs, cone)", ours));
  if (ours.detail) console.log(`${"".padEnd(46)} ${ours.detail}`);
  console.log(line("ttapi: close-to-close only (baseline's work)", c2c));
  console.log(line("baseline: nodejs-polars close-to-close only", base));
  console.log(line("ttapi kernels only: full suite, 1 thread, in RAM", kernel));
  console.log(
    `ratio full suite/baseline: ${(rate(ours) / rate(base)).toFixed(2)}× wall, ${(cpuRate(ours) / cpuRate(base)).toFixed(2)}× per CPU-s; ` +
      `close-to-close typed arrays/polars: ${(rate(c2c) / rate(base)).toFixed(2)}× wall, ${(cpuRate(c2c) / cpuRate(base)).toFixed(2)}× per CPU-s`,
  );
  console.log(
    `target ≥ 30 M rows/s for the full suite: ${rate(ours) >= 30 ? "met" : "NOT met"} (${rate(ours).toFixed(1)} M rows/s)`,
  );
}

const i = process.argv.indexOf("--child");
if (i >= 0) await child(process.argv[i + 1] ?? "ours");
else await main();
