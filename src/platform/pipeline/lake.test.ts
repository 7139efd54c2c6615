/**
 * The pipeline's lake: every run adds its trading date's snapshot of every table under
 * `lake/<table>/date=…/` with the README's columns, extends `lake/bars` without losing history,
 * replaces a date atomically, writes nothing needlessly under `--cached`, and a full disk leaves
 * the previous partitions intact and says so.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import { atomicWrite } from "../../core/atomic.ts";
import { loadConfig } from "../../core/config.ts";
import { tempDirs } from "../../core/testing/temp-dirs.ts";
import { importBars } from "../import/index.ts";
import { snapshotDate } from "../lake/calendar.ts";
import { lakeRoot, listPartitions, partitionFile, SNAPSHOT_TABLES, scanTable } from "../lake/index.ts";
import type { ArtifactValue } from "./artifact-task.ts";
import { type PartitionWriter, writeSnapshots } from "./lake-step.ts";
import { type RunPipelineOptions, type RunSummary, runPipeline } from "./run.ts";

setDefaultTimeout(120_000);

const temp = tempDirs();
afterAll(() => temp.removeAll());
const tempDir = () => temp.make("ttapi-lake-run-");
const config = () => loadConfig({ env: { XDG_CONFIG_HOME: "/nonexistent" } }).config;
const run = (dataDir: string, o: Partial<RunPipelineOptions> = {}): Promise<RunSummary> =>
  runPipeline({ config: config(), dataDir, demo: { seed: 1, scale: "small" }, ...o });

// Tuesday 2026-08-04, 16:30 New York (after the close), then the next trading day.
const TUE = new Date("2026-08-04T20:30:00Z");
const WED = new Date("2026-08-05T20:30:00Z");
// Every snapshot table is written by the pipeline's lake step.
const TABLES = SNAPSHOT_TABLES;

const columns = (df: pl.DataFrame) => df.columns;
const mtimes = (root: string, date: string) =>
  Object.fromEntries(TABLES.map((t) => [t, statSync(partitionFile(root, t, { date })).mtimeMs]));

describe("the pipeline's lake", () => {
  const dir = tempDir();
  const root = lakeRoot(dir);

  test("a run writes every snapshot table for its trading date, with the README's columns", async () => {
    const s = await run(dir, { asOf: TUE });
    expect(s.status).toBe("complete");
    expect(s.lake?.date).toBe("2026-08-04");
    expect(s.lake?.tables.map((t) => [t.table, t.state])).toEqual(TABLES.map((t) => [t, "written"]));
    for (const t of TABLES)
      expect({ t, parts: listPartitions(root, t) }).toEqual({ t, parts: ["date=2026-08-04"] });

    const chains = scanTable(root, "chains").collectSync();
    expect(columns(chains)).toEqual([
      "snapshot_time",
      "underlying_symbol",
      "root_symbol",
      "option_symbol",
      "streamer_symbol",
      "option_type",
      "expiration_date",
      "days_to_expiration",
      "strike_price",
      "expiration_type",
      "settlement_type",
      "shares_per_contract",
      "date",
    ]);
    expect(String(chains.schema.snapshot_time)).toBe("DataType(Datetime(ms,UTC))");
    expect(chains.schema.days_to_expiration?.equals(pl.Int32)).toBe(true);
    expect(chains.schema.shares_per_contract?.equals(pl.Int32)).toBe(true);
    // LONG: one row per option, calls and puts, each with its own symbols.
    const strikes = s.tasks.find((t) => t.id === "sym.chains")!.count;
    expect(chains.height).toBe(2 * strikes);
    expect(chains.getColumn("option_type").unique().sort().toArray()).toEqual(["C", "P"]);
    expect(
      chains.filter(pl.col("option_symbol").isNull().or(pl.col("streamer_symbol").isNull())).height,
    ).toBe(0);
    // Days to expiration count from the partition's date.
    const dte = chains.select(
      pl.col("expiration_date").cast(pl.Int32).sub(pl.col("date").cast(pl.Int32)).alias("d"),
      "days_to_expiration",
    );
    const want = dte.getColumn("d").cast(pl.Int32).toArray() as number[];
    expect(dte.getColumn("days_to_expiration").toArray() as number[]).toEqual(want);

    const vol = scanTable(root, "volatility").collectSync();
    expect(columns(vol)).toEqual([
      "snapshot_time",
      "symbol",
      "estimator",
      "window",
      "vol",
      "ci_low",
      "ci_high",
      "n",
      "asof",
      "cone_min",
      "cone_p25",
      "cone_median",
      "cone_p75",
      "cone_max",
      "cone_percentile",
      "reason",
      "date",
    ]);
    expect(vol.getColumn("estimator").unique().sort().toArray()).toEqual([
      "c2c",
      "gk",
      "parkinson",
      "rs",
      "yz",
    ]);
    expect(columns(scanTable(root, "iv_hv").collectSync())).toEqual([
      "snapshot_time",
      "symbol",
      "iv_index",
      "hv30",
      "spread",
      "ratio",
      "reason",
      "iv_rank",
      "iv_percentile",
      "iv_history_days",
      "atm_iv30",
      "atm_iv30_rank",
      "atm_iv30_percentile",
      "atm_iv30_history_days",
      "api_iv_rank",
      "iv_note",
      "date",
    ]);
    const moves = scanTable(root, "expected_moves").collectSync();
    expect(moves.schema.expiration?.equals(pl.Date)).toBe(true);
    for (const t of ["metrics", "quotes", "positions", "balances"] as const) {
      const df = scanTable(root, t).collectSync();
      expect(df.columns[0]).toBe("snapshot_time");
      expect(df.height).toBeGreaterThan(0);
    }
    // Account data stays private, like the accounts artifacts.
    expect(statSync(partitionFile(root, "positions", { date: "2026-08-04" })).mode & 0o777).toBe(0o600);
    // Bars: the merged dataset is the lake's bars table, readable with its hive columns.
    const bars = scanTable(root, "bars").collectSync();
    expect(bars.height).toBe(s.artifacts.find((a) => a.id === "eod/bars")!.rows);
    expect(bars.height).toBeGreaterThan(1000);
  });

  test("--cached on the same date rewrites nothing; on the next trading date it adds that date", async () => {
    const before = mtimes(root, "2026-08-04");
    const barsBefore = scanTable(root, "bars").collectSync().height;
    const again = await run(dir, { asOf: new Date(TUE.getTime() + 60_000), cached: true });
    expect(again.status).toBe("complete");
    expect(again.lake?.tables.every((t) => t.state === "unchanged")).toBe(true);
    expect(mtimes(root, "2026-08-04")).toEqual(before);

    const next = await run(dir, { asOf: WED, cached: true });
    expect(next.status).toBe("complete");
    expect(next.lake?.date).toBe("2026-08-05");
    expect(next.lake?.tables.every((t) => t.state === "written")).toBe(true);
    for (const t of TABLES) expect(listPartitions(root, t)).toEqual(["date=2026-08-04", "date=2026-08-05"]);
    expect(mtimes(root, "2026-08-04")).toEqual(before); // history untouched
    expect(scanTable(root, "bars").collectSync().height).toBeGreaterThanOrEqual(barsBefore);
    const snap = scanTable(root, "chains")
      .filter(pl.col("date").eq(pl.lit(new Date("2026-08-05T00:00:00Z")).cast(pl.Date)))
      .select(pl.col("snapshot_time").min().cast(pl.Int64).cast(pl.Float64))
      .collectSync();
    expect(Number(snap.getColumn("snapshot_time").get(0))).toBeGreaterThanOrEqual(WED.getTime());
  });

  test("a second run on a date replaces that date's partition: one file, the new snapshot", async () => {
    const file = partitionFile(root, "quotes", { date: "2026-08-05" });
    const taken = () =>
      Number(pl.readParquet(file).getColumn("snapshot_time").cast(pl.Int64).cast(pl.Float64).get(0));
    const old = taken();
    const later = new Date(WED.getTime() + 3_600_000);
    const s = await run(dir, { asOf: later });
    expect(s.status).toBe("complete");
    expect(readdirSync(join(root, "quotes", "date=2026-08-05"))).toEqual(["part-0.parquet"]);
    expect(taken()).toBeGreaterThan(old);
    expect(listPartitions(root, "quotes")).toEqual(["date=2026-08-04", "date=2026-08-05"]);
  });

  test("a full disk during the snapshot: the previous partition stays intact and the run says so", async () => {
    const file = partitionFile(root, "chains", { date: "2026-08-05" });
    const before = readFileSync(file);
    // The real atomic write path, with a device that fills up half-way through the file.
    const full: PartitionWriter = async (r, table, p, frame, opts) => {
      if (table !== "chains") {
        const { writePartition } = await import("../lake/write.ts");
        return writePartition(r, table, p, frame, opts);
      }
      await atomicWrite(partitionFile(r, table, p), (tmp) => {
        writeFileSync(tmp, before.subarray(0, 100));
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      });
      throw new Error("unreachable");
    };
    const s = await run(dir, { asOf: new Date(WED.getTime() + 7_200_000), lakeWriter: full });
    expect(s.status).toBe("failed");
    expect(s.exitCode).toBe(74); // E_IO: the class of the cause, for cron
    expect(s.failures.map((f) => f.task)).toEqual(["lake.chains"]);
    const chains = s.lake!.tables.find((t) => t.table === "chains")!;
    expect(chains.state).toBe("failed");
    expect(chains.reason).toMatch(/no space left on device.*previous partitions of chains are intact/);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(readdirSync(join(root, "chains", "date=2026-08-05"))).toEqual(["part-0.parquet"]);
    expect(s.lake!.tables.filter((t) => t.state === "written").length).toBe(TABLES.length - 1);
  });

  test("`ttapi import --out <data-dir>/lake` and the pipeline extend the same bars table", async () => {
    const src = join(dir, "extra");
    mkdirSync(src, { recursive: true });
    const lines = ["<TICKER>,<PER>,<DTYYYYMMDD>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>"];
    for (let d = 1; d <= 28; d++)
      lines.push(`ZZZT,D,202607${String(d).padStart(2, "0")},000000,10,11,9,${10 + (d % 3)},1000,0`);
    writeFileSync(join(src, "zzzt.txt"), `${lines.join("\n")}\n`);
    const before = scanTable(root, "bars").collectSync().height;
    const imp = await importBars({ inputs: [src], outDir: root });
    expect(imp.rows).toBe(28);
    const s = await run(dir, { asOf: new Date(WED.getTime() + 9_000_000), cached: true });
    expect(s.status).toBe("complete");
    // The table changed under the cache: the merge ran again and kept the imported symbol.
    expect(s.tasks.find((t) => t.id === "eod.bars")!.cached).toBe(false);
    const bars = scanTable(root, "bars").collectSync();
    expect(bars.height).toBe(before + 28);
    expect(bars.filter(pl.col("symbol").cast(pl.Utf8).eq(pl.lit("ZZZT"))).height).toBe(28);
    const vol = scanTable(root, "volatility")
      .filter(pl.col("date").eq(pl.lit(new Date("2026-08-05T00:00:00Z")).cast(pl.Date)))
      .collectSync();
    expect(vol.getColumn("symbol").toArray()).toContain("ZZZT");
  });
});

describe("the lake step without data", () => {
  test("missing inputs and empty statistics are reported, nothing is written", async () => {
    const dir = tempDir();
    const root = lakeRoot(dir);
    const emptyStats = {
      ref: { kind: "stats", key: "volatility" },
      id: "stats/volatility",
      fingerprint: "no-bars",
      fingerprints: {},
      rows: 0,
      createdAt: TUE.getTime(),
      meta: {},
      frame: () => pl.DataFrame({}),
      dir: join(dir, "empty-stats"),
      extra: () => pl.DataFrame({}),
    } satisfies ArtifactValue;
    const s = await writeSnapshots({
      root,
      stateFile: join(dir, "state.json"),
      partition: { date: "2026-08-04" },
      values: new Map([["math.stats", emptyStats]]),
    });
    const vol = s.tables.find((t) => t.table === "volatility")!;
    expect(vol.state).toBe("missing");
    expect(vol.reason).toMatch(/no bars/);
    expect(s.tables.find((t) => t.table === "chains")!.reason).toMatch(/sym\.chains did not produce data/);
    expect(s.failed).toBe(TABLES.length);
    for (const t of TABLES) expect(listPartitions(root, t)).toEqual([]);
  });
});

describe("snapshot dates", () => {
  test("a cached run with every artifact fresh still writes the new date's partitions", async () => {
    const dir = tempDir();
    const root = lakeRoot(dir);
    // 23:59:30 New York on Tuesday, then 40 s later: Wednesday, every TTL (quotes: 60 s) still fresh.
    const s1 = await run(dir, { asOf: new Date("2026-08-05T03:59:30Z") });
    expect(s1.lake?.date).toBe("2026-08-04");
    const s2 = await run(dir, { asOf: new Date("2026-08-05T04:00:10Z"), cached: true });
    expect(s2.status).toBe("complete");
    expect(s2.tasks.filter((t) => !t.cached).map((t) => t.id)).toEqual([]);
    expect(s2.lake?.date).toBe("2026-08-05");
    expect(s2.lake?.tables.every((t) => t.state === "written")).toBe(true);
    for (const t of TABLES) expect(listPartitions(root, t)).toEqual(["date=2026-08-04", "date=2026-08-05"]);
    // The reused data keeps the time it was taken.
    const times = scanTable(root, "quotes")
      .select(pl.col("snapshot_time").cast(pl.Int64).cast(pl.Float64).unique())
      .collectSync();
    expect(times.height).toBe(1);
  });

  test("the New York trading date: weekends and holidays map to the previous trading day", () => {
    expect(snapshotDate(new Date("2026-08-04T20:30:00Z"))).toBe("2026-08-04");
    // 01:00 UTC Wednesday is still Tuesday evening in New York.
    expect(snapshotDate(new Date("2026-08-05T01:00:00Z"))).toBe("2026-08-04");
    expect(snapshotDate(new Date("2026-08-08T15:00:00Z"))).toBe("2026-08-07"); // Saturday
    expect(snapshotDate(new Date("2026-08-09T23:00:00Z"))).toBe("2026-08-07"); // Sunday evening
    expect(snapshotDate(new Date("2026-12-25T18:00:00Z"))).toBe("2026-12-24"); // Christmas
    expect(snapshotDate(new Date("2026-11-26T18:00:00Z"))).toBe("2026-11-25"); // Thanksgiving
  });

  test("--snapshot intraday keeps date=…/time=HHMM (New York wall clock)", async () => {
    const dir = tempDir();
    const s = await run(dir, { asOf: new Date("2026-08-10T14:35:00Z"), snapshot: "intraday" });
    expect(s.status).toBe("complete");
    const root = lakeRoot(dir);
    expect(listPartitions(root, "quotes")).toEqual(["date=2026-08-10/time=1035"]);
    const df = scanTable(root, "quotes").collectSync();
    expect(df.columns.slice(-2)).toEqual(["date", "time"]);
    // A daily snapshot in the same lake would make its tables unreadable: refused up front.
    await expect(run(dir, { asOf: new Date("2026-08-11T14:35:00Z") })).rejects.toThrow(
      /holds intraday snapshots; --snapshot daily would mix the two layouts/,
    );
    expect(listPartitions(root, "quotes")).toEqual(["date=2026-08-10/time=1035"]);
  });
});
