/**
 * Daily statistics benchmark: the incremental update a cron day runs (`math.stats` →
 * `updateStats`) against a full recompute of the same bars (`computeStats`, the engine before
 * this update, on its worker pool) in the same run, for two history lengths.
 *
 * Per history (S symbols × H daily bars, one `part-0.parquet` each, as a MetaStock import leaves
 * them), not timed: a first `updateStats` builds the state file. Then per day d = 1…DAYS: one new
 * bar per symbol is appended as `part-d.parquet` (what the pipeline's bars publish appends) and
 *   incremental  `updateStats` end to end: read the state file, read the new parts, update every
 *                estimator × window, intervals and cone, save the state, write the tables;
 *   kernel       the same day's update in memory only (states loaded, new bars read, not timed):
 *                what "daily incremental statistics for 507 symbols" costs as computation;
 *   full         `computeStats` over every bar (same-run baseline), on the last day only.
 * The last day's incremental tables must equal the full recompute's (checked, bit for bit).
 *
 *   bun bench/stats-daily.bench.ts                    507 symbols × 13,800 and 57,000 bars (7M, 29M)
 *   BENCH_SCALE=small bun bench/stats-daily.bench.ts  40 symbols × 2,000 and 8,000 bars
 *   BENCH_DAYS=5                                      days appended (the median is reported)
 * Data is generated once into .bench-data/stats-daily-<scale>/ (delete it when done).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { computeStats } from "../src/platform/stats/compute.ts";
import { listDailySymbols, readSymbolBars } from "../src/platform/stats/dataset.ts";
import { updateStats } from "../src/platform/stats/incremental.ts";
import { loadStates } from "../src/platform/stats/state-store.ts";
import { syntheticSeries, syntheticSymbol, writeSymbolBars } from "../src/platform/stats/synthetic.ts";
import {
  appendBars,
  emptyTables,
  type PriceSeries,
  type StatsTables,
  SuiteContext,
} from "../src/stats/index.ts";

const WINDOWS = [10, 20, 30, 60, 90, 252];
const small = process.env.BENCH_SCALE === "small";
const SYMBOLS = small ? 40 : 507;
const HISTORIES = small ? [2_000, 8_000] : [13_800, 57_000];
const DAYS = Math.max(2, Number(process.env.BENCH_DAYS ?? 5));
const base = join(import.meta.dir, "..", ".bench-data", `stats-daily-${small ? "small" : "full"}`);

const load = () => `load ${loadavg()[0]!.toFixed(1)}`;
const ms = (s: number) => `${(s * 1000).toFixed(1)} ms`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function slice(s: PriceSeries, from: number, to: number): PriceSeries {
  return {
    date: s.date.slice(from, to),
    open: s.open.slice(from, to),
    high: s.high.slice(from, to),
    low: s.low.slice(from, to),
    close: s.close.slice(from, to),
  };
}

/** The history minus DAYS bars as part-0, per symbol; the DAYS bars are appended by the run. */
async function ensureHistory(rows: number): Promise<string> {
  const dir = join(base, `h${rows}`);
  const marker = join(dir, "dataset.json");
  const want = JSON.stringify({ symbols: SYMBOLS, rows, days: DAYS, generator: 1 });
  if (existsSync(marker) && readFileSync(marker, "utf8") === want) {
    // Back to the history without the appended days (a previous run added them).
    for (const sf of listDailySymbols(dir))
      for (const f of sf.files) if (!f.endsWith("part-0.parquet")) rmSync(f, { force: true });
    rmSync(join(dir, "out"), { recursive: true, force: true });
    return dir;
  }
  rmSync(dir, { recursive: true, force: true });
  const t0 = performance.now();
  for (let i = 0; i < SYMBOLS; i++) {
    const s = syntheticSeries({ rows, seed: 1000 + i });
    await writeSymbolBars(dir, syntheticSymbol(i), slice(s, 0, rows - DAYS));
  }
  writeFileSync(marker, want);
  console.error(
    `generated ${SYMBOLS} × ${rows} bars in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${dir}`,
  );
  return dir;
}

async function appendDay(dir: string, rows: number, d: number): Promise<void> {
  for (let i = 0; i < SYMBOLS; i++) {
    const s = syntheticSeries({ rows, seed: 1000 + i });
    const at = rows - DAYS + d - 1;
    await writeSymbolBars(dir, syntheticSymbol(i), slice(s, at, at + 1), `part-${d}`);
  }
}

/** Largest relative difference between two tables' numbers (Infinity when shapes differ). */
function maxRelDiff(a: StatsTables, b: StatsTables): number {
  let worst = 0;
  for (const t of ["latest", "returns", "cone", "symbols"] as const) {
    const x = a[t] as unknown as Record<string, unknown[]>;
    const y = b[t] as unknown as Record<string, unknown[]>;
    for (const col of Object.keys(y)) {
      if (x[col]!.length !== y[col]!.length) return Number.POSITIVE_INFINITY;
      for (let i = 0; i < y[col]!.length; i++) {
        const u = x[col]![i];
        const v = y[col]![i];
        if (u === v) continue;
        if (typeof u !== "number" || typeof v !== "number") return Number.POSITIVE_INFINITY;
        worst = Math.max(worst, Math.abs(u - v) / Math.max(Math.abs(u), Math.abs(v)));
      }
    }
  }
  return worst;
}

interface HistoryResult {
  bars: number;
  incremental: number;
  kernel: number;
  full: number;
  stateMb: number;
}

async function one(rows: number): Promise<HistoryResult> {
  const dir = await ensureHistory(rows);
  const out = join(dir, "out");
  const stateFile = join(out, "daily.state");
  const common = { dataDir: dir, windows: WINDOWS, stateFile };
  let t0 = performance.now();
  const first = await updateStats({ ...common, outDir: join(out, "inc") });
  const firstSeconds = (performance.now() - t0) / 1000;
  console.log(
    `  first run (no state: every symbol in full on the worker pool, state built): ${first.seconds.toFixed(2)} s, ${first.barsRead.toLocaleString("en-US")} bars, state ${(first.stateBytes / 1e6).toFixed(1)} MB (${load()})`,
  );
  void firstSeconds;
  const inc: number[] = [];
  const kern: number[] = [];
  let last: Awaited<ReturnType<typeof updateStats>> | null = null;
  for (let d = 1; d <= DAYS; d++) {
    await appendDay(dir, rows, d);
    // Kernel only: the same update in memory, from a fresh copy of yesterday's states.
    const { entries } = await loadStates(stateFile);
    const ctx = new SuiteContext({ windows: WINDOWS, confidence: 0.95, annualization: 252 });
    const fresh = listDailySymbols(dir).map((sf) => ({
      state: entries.get(sf.symbol)!.state,
      bars: readSymbolBars({ symbol: sf.symbol, files: [sf.files[sf.files.length - 1]!] }, false),
    }));
    t0 = performance.now();
    const tables = emptyTables();
    for (const f of fresh) if (!appendBars(f.state, f.bars, ctx, tables).ok) throw new Error("not an append");
    kern.push((performance.now() - t0) / 1000);
    // End to end, as math.stats runs it.
    t0 = performance.now();
    last = await updateStats({ ...common, outDir: join(out, "inc") });
    inc.push((performance.now() - t0) / 1000);
    if (last.recomputed.length > 0 || last.incremental !== SYMBOLS)
      throw new Error(`day ${d} was not incremental: ${JSON.stringify(last.recomputed.slice(0, 3))}`);
    const p = last.phases;
    console.log(
      `  day ${d}: incremental ${ms(inc[d - 1]!)} (state read ${ms(p.loadState)}, ${last.barsRead} new bars read ${ms(p.readBars)}, update ${ms(p.compute)}, state and tables written ${ms(p.save)}) · kernel in memory ${ms(kern[d - 1]!)} (${load()})`,
    );
  }
  t0 = performance.now();
  const full = await computeStats({ dataDir: dir, outDir: join(out, "full"), windows: WINDOWS });
  const fullSeconds = (performance.now() - t0) / 1000;
  const diff = maxRelDiff(last!.tables, full.tables);
  if (!(diff <= 1e-12))
    throw new Error(`incremental != full recompute (largest relative difference ${diff})`);
  console.log(
    `  full recompute (computeStats, worker pool): ${fullSeconds.toFixed(2)} s over ${full.rows.toLocaleString("en-US")} bars (${load()}); last day's tables equal: largest relative difference ${diff === 0 ? "0 (bit for bit)" : diff.toExponential(1)}`,
  );
  return {
    bars: full.rows,
    incremental: median(inc),
    kernel: median(kern),
    full: fullSeconds,
    stateMb: last!.stateBytes / 1e6,
  };
}

console.log(
  `stats-daily bench (${small ? "small" : "full"}: ${SYMBOLS} symbols, windows ${WINDOWS.join(",")}, 5 estimators, cone lookback 252, ${DAYS} days appended; ${load()})`,
);
const results: HistoryResult[] = [];
for (const rows of HISTORIES) {
  console.log(`history ${SYMBOLS} × ${rows.toLocaleString("en-US")} bars:`);
  results.push(await one(rows));
}
for (const r of results)
  console.log(
    `${(r.bars / 1e6).toFixed(1)}M bars: daily update end to end ${ms(r.incremental)} (median of ${DAYS}), kernel ${ms(r.kernel)} vs full recompute ${r.full.toFixed(2)} s → ${(r.full / r.incremental).toFixed(0)}× end to end, ${(r.full / r.kernel).toFixed(0)}× kernel; state ${r.stateMb.toFixed(1)} MB`,
  );
const [a, b] = results as [HistoryResult, HistoryResult];
console.log(
  `history ${(a.bars / 1e6).toFixed(1)}M → ${(b.bars / 1e6).toFixed(1)}M bars: daily update ${ms(a.incremental)} → ${ms(b.incremental)} (${(((b.incremental - a.incremental) / a.incremental) * 100).toFixed(0)} %, target ≤ +20 %); full recompute ${a.full.toFixed(2)} → ${b.full.toFixed(2)} s (+${(((b.full - a.full) / a.full) * 100).toFixed(0)} %)`,
);
console.log(
  `target: daily incremental statistics for ${SYMBOLS} symbols ≤ 100 ms: kernel ${ms(b.kernel)}, end to end ${ms(b.incremental)} (${load()})`,
);
