/**
 * The Math stage's statistics are incremental across cron days: the first day computes every
 * symbol in full and saves one state file; the next days read only the bar parts the day added,
 * and the lake's `volatility` partition is exactly what a full recompute of the lake's bars gives.
 * A rewritten past part (a correction) recomputes that symbol alone, named with the reason in the
 * summary and the log.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import { barsSymbolDir, daysFromIso } from "../../core/bars.ts";
import { loadConfig } from "../../core/config.ts";
import { configureLogging, flushLogs } from "../../core/log.ts";
import { tempDirs } from "../../core/testing/temp-dirs.ts";
import { sessionCloseUtc } from "../../core/time.ts";
import { storedBars } from "../bars-schema.ts";
import { lakeRoot } from "../lake/paths.ts";
import { computeStats } from "../stats/compute.ts";
import { DEMO_LAST_DAY, runDemoDays } from "./demo-days.ts";
import { volatilityFrame } from "./lake-frames.ts";
import { runPipeline } from "./run.ts";
import { statsStateFile } from "./stats-update.ts";

setDefaultTimeout(240_000);

const temp = tempDirs();
const dir = temp.make("ttapi-stats-days-");
const scratch = temp.make("ttapi-stats-full-");
const logFile = join(scratch, "ttapi.log");
beforeAll(() => configureLogging({ file: logFile, fileLevel: "info", consoleLevel: "silent" }));
afterAll(() => {
  configureLogging({ file: null });
  temp.removeAll();
});

const config = loadConfig({ env: { XDG_CONFIG_HOME: "/nonexistent" }, flags: {} }).config;
const demo = { seed: 1, scale: "small" as const };
/** The first day played: a later cron run of the last day sees the same simulated market. */
let firstDay = "";

/** The lake's volatility partition of a date against a full recompute of the lake's bars. */
async function expectVolatilityEqualsFullRecompute(date: string): Promise<void> {
  const lake = lakeRoot(dir);
  const out = join(scratch, date);
  await computeStats({
    dataDir: lake,
    outDir: out,
    windows: config["stats.windows"],
    annualization: config["stats.annualization"],
    confidence: config["stats.confidence"],
    coneLookback: config["stats.cone-lookback"],
    workers: 1,
  });
  const stored = pl
    .readParquet(join(lake, "volatility", `date=${date}`, "part-0.parquet"))
    .drop("snapshot_time");
  const full = volatilityFrame(out, 0).drop("snapshot_time");
  expect(stored.height).toBe(full.height);
  expect(stored.columns).toEqual(full.columns);
  // Every cell, bit for bit (nulls included): the incremental update is not an approximation.
  expect(stored.toRecords()).toEqual(full.toRecords());
}

describe("statistics across cron days", () => {
  test("day 1 computes every symbol, later days are incremental, the volatility table equals a full recompute", async () => {
    const r = await runDemoDays({ config, dataDir: dir, demo, days: 3 });
    expect(r.status).toBe("complete");
    firstDay = r.days[0]!.date;
    const stats = r.days.map((d) => d.summary.statistics);
    const first = stats[0]!;
    expect(first.reused).toBe(false);
    expect(first.incremental).toBe(0);
    expect(first.recomputed).toBe(first.symbols);
    expect(new Set(first.reasons.map((x) => x.reason))).toEqual(new Set(["new symbol"]));
    // Every later day that had new bars was a pure append: no symbol recomputed.
    const later = stats.slice(1).filter((s) => s && !s.reused);
    expect(later.length).toBeGreaterThan(0);
    for (const s of later) {
      expect(s!.recomputed).toBe(0);
      expect(s!.incremental).toBe(s!.symbols);
      // Only the day's new parts were read: a few bars per symbol, not the history.
      expect(s!.barsRead).toBeLessThanOrEqual(s!.symbols * 10);
      expect(s!.line).toBe(
        `statistics: ${s!.symbols} of ${s!.symbols} symbols updated incrementally, 0 recomputed in full`,
      );
    }
    // One state file, metadata beside the cache (no lake table, no hash in its path).
    const state = statsStateFile(dir);
    expect(existsSync(state)).toBe(true);
    expect(statSync(state).size).toBe(later[later.length - 1]!.stateBytes);
    expect(readdirSync(lakeRoot(dir)).some((f) => f.includes("state"))).toBe(false);
    await expectVolatilityEqualsFullRecompute(r.days[r.days.length - 1]!.date);
  });

  test("a corrected past bar recomputes that symbol alone, named in the summary and the log", async () => {
    // A correction as a re-import leaves it: SPY's first part rewritten with one close changed.
    const folder = barsSymbolDir(lakeRoot(dir), "D", "SPY");
    const part = join(folder, "part-0.parquet");
    const df = pl.readParquet(part);
    const close = df.getColumn("close").toArray() as number[];
    close[10] = close[10]! * 1.01;
    storedBars(df.withColumns(pl.Series("close", close, pl.Float64))).writeParquet(part, {
      compression: "zstd",
    });
    const s = await runPipeline({
      config,
      dataDir: dir,
      cached: true,
      // The last day again, as `--days` played it (same market path), after the correction.
      demo: { ...demo, today: DEMO_LAST_DAY, pathEnd: DEMO_LAST_DAY, replayFrom: firstDay },
      asOf: new Date(sessionCloseUtc(daysFromIso(DEMO_LAST_DAY))),
    });
    expect(s.status).toBe("complete");
    const st = s.statistics!;
    expect(st.reused).toBe(false);
    expect(st.recomputed).toBe(1);
    expect(st.incremental).toBe(st.symbols - 1);
    expect(st.reasons).toEqual([{ symbol: "SPY", reason: "part part-0.parquet changed" }]);
    expect(st.line).toContain("1 recomputed in full (SPY: part part-0.parquet changed)");
    flushLogs();
    const log = readFileSync(logFile, "utf8");
    expect(log).toContain("1 recomputed in full (SPY: part part-0.parquet changed)");
    await expectVolatilityEqualsFullRecompute(DEMO_LAST_DAY);
  });
});
