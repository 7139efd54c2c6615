/**
 * Lake benchmark: a cron day on top of an existing lake history, for two history sizes, beside a
 * cold run over the same history (the same-run baseline).
 *
 * Per history size H (MetaStock sources of H bars, `ttapi run --demo` network data):
 *   cold      empty data directory → `runPipeline` (import H bars, merge, publish to lake/bars,
 *             statistics, every snapshot table)
 *   history   30 earlier trading days of snapshot partitions are added (copies; not timed)
 *   cron day  the next trading day: that day's bars arrive with `importBars --out <lake>` (one bar
 *             per symbol) and `runPipeline --cached` runs with the clock one day later (network
 *             snapshots refetched, candles refetched, bars merged and published, statistics).
 * The cron day is reported whole and by part, so it shows which parts scale with the new day
 * (bars publish, snapshot writes) and which with the history (the statistics recompute every
 * rolling estimate and cone over all bars).
 *
 * Each cron day runs on a fresh copy of the history (not timed), best of BENCH_REPEAT (default 2
 * small, 1 full), so a warm-up or a neighbour's burst does not pick the figure. The machine's load
 * (`uptime`) is printed beside the figures.
 *
 *   BENCH_SCALE=small bun bench/lake.bench.ts     10 symbols, 200k and 800k bars (about a minute)
 *   bun bench/lake.bench.ts                        507 symbols, 7M and 29M bars (long: minutes)
 *   BENCH_DIR=/tmp/x …     keep the built histories in /tmp/x and reuse them on the next run (the
 *                          cold run is then the one measured when they were built, and says so)
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { isoFromDays } from "../src/core/bars.ts";
import { loadConfig } from "../src/core/config.ts";
import { isTradingDay } from "../src/core/time.ts";
import { writeSyntheticStooq } from "../src/metastock/synthetic.ts";
import { importBars } from "../src/platform/import/index.ts";
import { lakeRoot, listPartitions, SNAPSHOT_TABLES, scanTable } from "../src/platform/lake/index.ts";
import { runPipeline } from "../src/platform/pipeline/index.ts";

const small = process.env.BENCH_SCALE === "small";
const SIZES = small ? [200_000, 800_000] : [7_000_000, 29_000_000];
const SYMBOLS = small ? 10 : 507;
const HISTORY_DAYS = 30;
const REPEAT = Number(process.env.BENCH_REPEAT ?? (small ? 2 : 1));
const keep = process.env.BENCH_DIR;
const root = keep ?? mkdtempSync(join(tmpdir(), "ttapi-lake-bench-"));
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

const DAY = 86_400_000;
const nextTradingDay = (ms: number) => {
  let d = Math.floor(ms / DAY) + 1;
  while (!isTradingDay(d)) d++;
  return d;
};

interface Result {
  size: number;
  cold: number;
  /** The cold run was measured by an earlier invocation (BENCH_DIR reuse). */
  coldEarlier: boolean;
  cron: number;
  parts: Record<string, number>;
  bars: number;
  load: string;
}

const configFor = (src: string) =>
  loadConfig({ env: { XDG_CONFIG_HOME: "/nonexistent" }, flags: { "run.sources": [src] } }).config;
const DAY0 = new Date("2026-08-04T20:30:00Z");

/** Build the history of one size in `<dir>/base` (cold run timed), unless BENCH_DIR kept it. */
async function buildHistory(size: number, dir: string): Promise<{ cold: number; earlier: boolean }> {
  const stamp = join(dir, "cold.json");
  if (existsSync(stamp)) return { cold: JSON.parse(readFileSync(stamp, "utf8")).cold, earlier: true };
  rmSync(dir, { recursive: true, force: true });
  const src = join(dir, "sources");
  writeSyntheticStooq({ outDir: src, rows: size, symbols: SYMBOLS, seed: 3 });
  const data = join(dir, "base");
  const t0 = performance.now();
  const cold = await runPipeline({
    config: configFor(src),
    dataDir: data,
    demo: { seed: 1, scale: "small" },
    asOf: DAY0,
  });
  const coldS = (performance.now() - t0) / 1000;
  if (cold.status !== "complete") throw new Error(`cold run ${cold.status}`);

  // 30 earlier trading days of snapshots (copies of this one: the sizes are what matters).
  const lake = lakeRoot(data);
  let d = Math.floor(DAY0.getTime() / DAY);
  for (let i = 0; i < HISTORY_DAYS; i++) {
    do d--;
    while (!isTradingDay(d));
    for (const t of SNAPSHOT_TABLES)
      for (const p of listPartitions(lake, t))
        cpSync(join(lake, t, p), join(lake, t, `date=${isoFromDays(d)}`), { recursive: true });
  }

  // The next trading day's bars: one per symbol, the day after each symbol's last bar.
  const last = scanTable(lake, "bars")
    .groupBy(pl.col("symbol").cast(pl.Utf8))
    .agg(pl.col("date").max().cast(pl.Int32).alias("d"), pl.col("close").last().alias("c"))
    .collectSync();
  const daySrc = join(dir, "day");
  mkdirSync(daySrc, { recursive: true });
  const lines = ["<TICKER>,<PER>,<DTYYYYMMDD>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>"];
  const syms = last.getColumn("symbol").toArray() as string[];
  const days = last.getColumn("d").toArray() as number[];
  const closes = last.getColumn("c").toArray() as number[];
  syms.forEach((s, i) => {
    const next = isoFromDays(nextTradingDay(days[i]! * DAY)).replaceAll("-", "");
    const c = closes[i]!;
    lines.push(`${s},D,${next},000000,${c},${c * 1.01},${c * 0.99},${c * 1.002},100000,0`);
  });
  writeFileSync(join(daySrc, "day.txt"), `${lines.join("\n")}\n`);
  writeFileSync(stamp, JSON.stringify({ cold: coldS }));
  return { cold: coldS, earlier: false };
}

/** One cron day on a fresh copy of the history. */
async function cronDay(dir: string): Promise<Omit<Result, "size" | "cold" | "coldEarlier">> {
  const data = join(dir, "work");
  rmSync(data, { recursive: true, force: true });
  // `cp -a` keeps the hard links between the cache's import and the lake (a plain recursive copy
  // would make every lake file look new to the publish and time something a real day never does).
  const cp = Bun.spawnSync(["cp", "-a", join(dir, "base"), data]);
  if (cp.exitCode !== 0) throw new Error(`cp -a failed: ${cp.stderr.toString()}`);
  const lake = lakeRoot(data);
  const loadBefore = load();
  const t1 = performance.now();
  await importBars({ inputs: [join(dir, "day")], outDir: lake });
  const importDay = (performance.now() - t1) / 1000;
  const t2 = performance.now();
  const cron = await runPipeline({
    config: configFor(join(dir, "sources")),
    dataDir: data,
    demo: { seed: 1, scale: "small" },
    asOf: new Date(DAY0.getTime() + DAY),
    cached: true,
  });
  const end = performance.now();
  const cronS = (end - t1) / 1000;
  if (cron.status !== "complete") throw new Error(`cron day ${cron.status}`);
  const task = (id: string) => cron.tasks.find((t) => t.id === id)?.seconds ?? 0;
  const parts = {
    "import the day": importDay,
    "run --cached (whole)": (end - t2) / 1000,
    "network snapshots": Math.max(
      task("sym.chains"),
      task("sym.metrics"),
      task("sym.quotes"),
      task("core.positions"),
    ),
    "option quotes": task("sym.option-quotes"),
    candles: task("eod.candles"),
    "bars merge + publish": task("eod.bars"),
    statistics: task("math.stats"),
    "lake snapshot writes": cron.lake?.seconds ?? 0,
  };
  const bars = scanTable(lake, "bars")
    .select(pl.len().alias("n"))
    .collectSync()
    .getColumn("n")
    .get(0) as number;
  rmSync(data, { recursive: true, force: true });
  return { cron: cronS, parts, bars: Number(bars), load: `${loadBefore} → ${load()}` };
}

async function one(size: number): Promise<Result> {
  const dir = join(root, `h${size}`);
  const { cold, earlier } = await buildHistory(size, dir);
  let best: Awaited<ReturnType<typeof cronDay>> | null = null;
  for (let i = 0; i < REPEAT; i++) {
    const r = await cronDay(dir);
    if (!best || r.cron < best.cron) best = r;
  }
  return { size, cold, coldEarlier: earlier, ...best! };
}

const results: Result[] = [];
try {
  for (const size of SIZES) results.push(await one(size));
} finally {
  if (!keep) rmSync(root, { recursive: true, force: true });
}

const fmt = (s: number) => `${s.toFixed(2)} s`;
console.log(
  `lake: a cron day on a lake with ${HISTORY_DAYS} days of snapshots (${SYMBOLS} MetaStock symbols + the demo's 10), best of ${REPEAT}`,
);
console.log("history bars   cold run (baseline)   cron day   cron/cold   load (1/5/15 min) before → after");
for (const r of results)
  console.log(
    `${r.bars.toLocaleString("en-US").padStart(12)}   ${fmt(r.cold).padStart(r.coldEarlier ? 10 : 19)}${r.coldEarlier ? " (earlier)" : ""}   ${fmt(r.cron).padStart(8)}   ${(r.cron / r.cold).toFixed(2).padStart(8)}×   ${r.load}`,
  );
console.log("cron day by part (network tasks overlap; the run's whole is its wall time):");
for (const k of Object.keys(results[0]!.parts))
  console.log(`  ${k.padEnd(22)} ${results.map((r) => fmt(r.parts[k]!).padStart(9)).join("  ")}`);
const [a, b] = results;
if (a && b) {
  const growth = b.cron / a.cron - 1;
  const withoutStats = (r: Result) => r.cron - r.parts.statistics!;
  const g2 = withoutStats(b) / withoutStats(a) - 1;
  const pct = (g: number) => `${g >= 0 ? "+" : ""}${(g * 100).toFixed(0)} %`;
  console.log(
    `history ×${(b.bars / a.bars).toFixed(1)}: cron day ${pct(growth)} (target ≤ +20 %: ${growth <= 0.2 ? "✓" : "✗"}); ` +
      `without the statistics ${fmt(withoutStats(a))} → ${fmt(withoutStats(b))} (${pct(g2)}); statistics ${fmt(a.parts.statistics!)} → ${fmt(b.parts.statistics!)}`,
  );
}
