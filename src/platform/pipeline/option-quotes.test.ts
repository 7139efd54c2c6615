/**
 * The `option_quotes` lake table end to end: a demo run writes the day's partition with the
 * documented schema and the configured filter; the same seed gives the same bytes; options that do
 * not answer are counted and named (degraded), `--strict` fails on them; and `--days 3` plays three
 * trading days into three partitions whose prices differ.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pl, { type DataType } from "nodejs-polars";
import { type ConfigKey, loadConfig } from "../../core/config.ts";
import { tempDirs } from "../../core/testing/temp-dirs.ts";
import { lakeRoot, listPartitions, partitionFile, scanTable } from "../lake/index.ts";
import { demoDays, runDemoDays } from "./demo-days.ts";
import { type RunPipelineOptions, runPipeline } from "./run.ts";

setDefaultTimeout(120_000);

const temp = tempDirs();
afterAll(() => temp.removeAll());
const tempDir = () => temp.make("ttapi-optq-");
function config(flags: Partial<Record<ConfigKey, unknown>> = {}) {
  return loadConfig({ env: { XDG_CONFIG_HOME: "/nonexistent" }, flags }).config;
}
// The sim's market date and close: the run's snapshot clock, so the lake partition is that date.
const AS_OF = new Date("2026-08-04T20:00:00Z");
const run = (dataDir: string, o: Partial<RunPipelineOptions> = {}) =>
  runPipeline({ config: config(), dataDir, demo: { seed: 1, scale: "small" }, asOf: AS_OF, ...o });

/** The README's contract for the table: column → type. */
const SCHEMA: Record<string, DataType> = {
  snapshot_time: pl.Datetime("ms", "UTC"),
  underlying_symbol: pl.String,
  root_symbol: pl.String,
  option_symbol: pl.String,
  streamer_symbol: pl.String,
  option_type: pl.String,
  expiration_date: pl.Date,
  days_to_expiration: pl.Int32,
  strike_price: pl.Float64,
  underlying_price: pl.Float64,
  bid: pl.Float64,
  ask: pl.Float64,
  mark: pl.Float64,
  last: pl.Float64,
  bid_size: pl.Float64,
  ask_size: pl.Float64,
  volume: pl.Float64,
  open_interest: pl.Float64,
  implied_volatility: pl.Float64,
  delta: pl.Float64,
  gamma: pl.Float64,
  theta: pl.Float64,
  vega: pl.Float64,
  rho: pl.Float64,
  theo_price: pl.Float64,
};

const col = <T>(df: pl.DataFrame, name: string) => df.getColumn(name).toArray() as T[];

describe("option_quotes in the lake", () => {
  const dir = tempDir();

  test("a demo run writes the day's partition with the documented schema and the default filter", async () => {
    const s = await run(dir);
    expect(s.status).toBe("complete");
    const task = s.tasks.find((t) => t.id === "sym.option-quotes")!;
    expect(task.state).toBe("done");
    const root = lakeRoot(dir);
    expect(listPartitions(root, "option_quotes")).toEqual(["date=2026-08-04"]);
    const df = pl.readParquet(partitionFile(root, "option_quotes", { date: "2026-08-04" }));
    expect(df.height).toBe(task.count);
    expect(df.height).toBeGreaterThan(1000);
    expect(df.columns).toEqual(Object.keys(SCHEMA));
    for (const [name, type] of Object.entries(SCHEMA))
      expect(`${name}: ${df.schema[name]!.equals(type)}`).toBe(`${name}: true`);
    // No nulls in a complete snapshot: every option answered all four events.
    for (const c of df.columns) expect(`${c}: ${df.getColumn(c).nullCount()}`).toBe(`${c}: 0`);
    // Default filter: the nearest 8 expirations per underlying plus the two around 30 days (for the
    // 30-day ATM IV), strikes within ±20 % of the underlying's price.
    const perUnderlying = df
      .groupBy("underlying_symbol")
      .agg(pl.col("expiration_date").nUnique().alias("n"))
      .getColumn("n")
      .toArray() as number[];
    expect(Math.max(...perUnderlying)).toBeLessThanOrEqual(8 + 2);
    expect(perUnderlying.length).toBe(10);
    const k = col<number>(df, "strike_price");
    const px = col<number>(df, "underlying_price");
    k.forEach((x, i) => {
      expect(x).toBeGreaterThanOrEqual(px[i]! * 0.8 - 1e-9);
      expect(x).toBeLessThanOrEqual(px[i]! * 1.2 + 1e-9);
    });
    // Rows make sense: mark is the mid, calls have positive delta, puts negative, bid ≤ ask.
    const bid = col<number>(df, "bid");
    const ask = col<number>(df, "ask");
    const mark = col<number>(df, "mark");
    const delta = col<number>(df, "delta");
    const type = col<string>(df, "option_type");
    const dte = col<number>(df, "days_to_expiration");
    for (let i = 0; i < df.height; i++) {
      expect(bid[i]!).toBeLessThanOrEqual(ask[i]!);
      expect(mark[i]!).toBeCloseTo((bid[i]! + ask[i]!) / 2, 6);
      expect(dte[i]!).toBeGreaterThanOrEqual(0);
      if (type[i] === "C") expect(delta[i]!).toBeGreaterThanOrEqual(0);
      else expect(delta[i]!).toBeLessThanOrEqual(0);
    }
    // Readable as a hive table with a typed date.
    const scanned = scanTable(root, "option_quotes").collectSync();
    expect(scanned.height).toBe(df.height);
    expect(scanned.schema.date!.equals(pl.Date)).toBe(true);
  });

  test("the README documents every column of the table", () => {
    const readme = readFileSync(join(import.meta.dir, "..", "..", "..", "README.md"), "utf8");
    const row = readme.split("\n").find((l) => l.startsWith("| `option_quotes` |"))!;
    expect(row).toBeDefined();
    for (const c of Object.keys(SCHEMA)) expect(`${c}: ${row.includes(`\`${c}\``)}`).toBe(`${c}: true`);
  });

  test("the same seed gives the same quotes (only snapshot_time, the run's clock, differs)", async () => {
    const other = tempDir();
    const s = await run(other);
    expect(s.status).toBe("complete");
    const read = (d: string) =>
      pl
        .readParquet(partitionFile(lakeRoot(d), "option_quotes", { date: "2026-08-04" }))
        .drop("snapshot_time");
    expect(read(other).frameEqual(read(dir))).toBe(true);
  });

  test("the filter comes from the config", async () => {
    const d = tempDir();
    const s = await runPipeline({
      config: config({ "options.expirations": 2, "options.strike-range": 0.05 }),
      dataDir: d,
      demo: { seed: 1, scale: "small" },
      asOf: AS_OF,
    });
    expect(s.status).toBe("complete");
    const df = pl.readParquet(partitionFile(lakeRoot(d), "option_quotes", { date: "2026-08-04" }));
    const n = df.groupBy("underlying_symbol").agg(pl.col("expiration_date").nUnique().alias("n"));
    // 2 nearest + the 2 around 30 days (the demo's chains have expirations on both sides).
    expect(Math.max(...(n.getColumn("n").toArray() as number[]))).toBe(2 + 2);
    const k = col<number>(df, "strike_price");
    const px = col<number>(df, "underlying_price");
    const worst = Math.max(...k.map((x, i) => Math.abs(x / px[i]! - 1)));
    expect(worst).toBeLessThanOrEqual(0.05 + 1e-9);
  });
});

describe("options that do not answer", () => {
  test("are counted and named: the run is degraded, --strict fails, the partition holds the others", async () => {
    const d = tempDir();
    const demo = { seed: 1, scale: "small" as const, faults: "mute-options=0.02" };
    // Muted options never answer: a short idle limit ends each pass quickly.
    const quick = config({ "options.idle-timeout": 2 });
    const s = await run(d, { demo, config: quick });
    expect(s.status).toBe("degraded");
    const task = s.tasks.find((t) => t.id === "sym.option-quotes")!;
    const m = /^(\d+) of (\d+) options did not answer \((\.[A-Z]+\d{6}[CP][\d.]+, )+/.exec(
      task.degraded ?? "",
    );
    expect(m).not.toBeNull();
    const missing = Number(m![1]);
    const selected = Number(m![2]);
    expect(missing).toBeGreaterThan(0);
    expect(task.count).toBe(selected - missing);
    const df = pl.readParquet(partitionFile(lakeRoot(d), "option_quotes", { date: "2026-08-04" }));
    expect(df.height).toBe(selected - missing);

    const strict = await run(d, { demo, config: quick, strict: true });
    expect(strict.status).toBe("failed");
    expect(strict.exitCode).toBe(1);
    const st = strict.tasks.find((t) => t.id === "sym.option-quotes")!;
    expect(st.state).toBe("failed");
    expect(st.reason).toStartWith(`--strict: ${missing} of ${selected} options did not answer`);
  });
});

describe("ttapi run --demo --days", () => {
  test("demo days are consecutive sessions ending at the sim's today (weekends and holidays skipped)", () => {
    const iso = (d: number) => new Date(d * 86_400_000).toISOString().slice(0, 10);
    expect(demoDays(3).map(iso)).toEqual(["2026-07-31", "2026-08-03", "2026-08-04"]);
    // July 3, 2026 is the observed Independence Day holiday (a Friday).
    expect(demoDays(3, "2026-07-06").map(iso)).toEqual(["2026-07-01", "2026-07-02", "2026-07-06"]);
    expect(() => demoDays(0)).toThrow(/--days must be a whole number/);
  });

  test("--days 3 produces three date partitions whose prices differ", async () => {
    const d = tempDir();
    const r = await runDemoDays({ config: config(), dataDir: d, demo: { seed: 1, scale: "small" }, days: 3 });
    expect(r.status).toBe("complete");
    expect(r.days.map((x) => x.date)).toEqual(["2026-07-31", "2026-08-03", "2026-08-04"]);
    const root = lakeRoot(d);
    expect(listPartitions(root, "option_quotes")).toEqual([
      "date=2026-07-31",
      "date=2026-08-03",
      "date=2026-08-04",
    ]);
    const days = r.days.map((x) => pl.readParquet(partitionFile(root, "option_quotes", { date: x.date })));
    const spy = days.map((df) => {
      const row = df.filter(pl.col("underlying_symbol").eq(pl.lit("SPY")));
      return {
        price: row.getColumn("underlying_price").get(0) as number,
        snapshot: (row.getColumn("snapshot_time").toArray() as unknown as Date[])[0]!,
        iv: (row.getColumn("implied_volatility").toArray() as number[]).reduce((a, b) => a + b, 0),
      };
    });
    expect(new Set(spy.map((x) => x.price)).size).toBe(3);
    expect(new Set(spy.map((x) => x.iv)).size).toBe(3);
    // Each day's snapshot is taken at that day's close (the run's clock starts there).
    spy.forEach((x, k) => {
      const close = Date.parse(`${r.days[k]!.date}T20:00:00Z`);
      expect(x.snapshot.getTime()).toBeGreaterThanOrEqual(close);
      expect(x.snapshot.getTime()).toBeLessThan(close + 10 * 60_000);
    });
    // Bars grow by one session per day and have no gap: the fixtures end on the first day, the
    // candles (final up to the day before) carry on from there.
    const bars = r.days.map((x) => x.summary.tasks.find((t) => t.id === "eod.bars")!.count);
    expect(bars[1]).toBe(bars[0]!);
    expect(bars[2]! - bars[1]!).toBe(10);
    // The last day of the replay is the plain demo's market: one history, seen day by day.
    expect(spy[2]!.price).toBe(560);
    expect(readdirSync(join(root, "option_quotes", "date=2026-08-03"))).toEqual(["part-0.parquet"]);
  });
});
