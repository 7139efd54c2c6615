/**
 * Interoperability: other engines read the lake as it is on disk. DuckDB (`read_parquet(…,
 * hive_partitioning = true)`) and polars (`scanParquet` with hive partitioning) read every
 * `lake/<table>/**` of a two-day demo lake and get the rows, columns and types ttapi reports
 * (`ttapi lake status`, `scanTable`), and the same values.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import pl from "nodejs-polars";
import { loadConfig } from "../../core/config.ts";
import { runPipeline } from "../pipeline/run.ts";
import { LAKE_TABLES, lakeRoot, lakeStatus, scanTable } from "./index.ts";

setDefaultTimeout(120_000);

const dir = mkdtempSync(join(tmpdir(), "ttapi-lake-interop-"));
const root = lakeRoot(dir);
let duck: DuckDBConnection;
afterAll(() => {
  duck?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

beforeAll(async () => {
  const config = loadConfig({ env: { XDG_CONFIG_HOME: "/nonexistent" } }).config;
  for (const asOf of ["2026-08-04T20:30:00Z", "2026-08-05T20:30:00Z"]) {
    const s = await runPipeline({
      config,
      dataDir: dir,
      demo: { seed: 1, scale: "small" },
      asOf: new Date(asOf),
    });
    expect(s.status).toBe("complete");
  }
  duck = await (await DuckDBInstance.create(":memory:")).connect();
});

/** The DuckDB type a polars dtype is read as. */
function duckType(dtype: unknown): string {
  const s = String(dtype);
  if (/String|Utf8|Categorical/.test(s)) return "VARCHAR";
  if (/Float64/.test(s)) return "DOUBLE";
  if (/Int32/.test(s)) return "INTEGER";
  if (/Int64/.test(s)) return "BIGINT";
  if (/Boolean|Bool/.test(s)) return "BOOLEAN";
  if (/Datetime\(ms,UTC\)/.test(s)) return "TIMESTAMP WITH TIME ZONE";
  if (/Date/.test(s)) return "DATE";
  return s;
}

const readSql = (table: string) =>
  `read_parquet('${join(root, table)}/**/*.parquet', hive_partitioning = true)`;

/** Sums over thousands of prices differ in the last bits with the summation order. */
const round = (x: unknown) => Math.round(Number(x) * 1e6) / 1e6;

const TABLES = LAKE_TABLES.filter((t) => t !== "option_quotes");

test("DuckDB: every table's rows, columns and types are what ttapi reports", async () => {
  const status = Object.fromEntries(lakeStatus(root).tables.map((t) => [t.table, t]));
  for (const t of TABLES) {
    const mine = scanTable(root, t).collectSync();
    expect({ t, rows: mine.height }).toEqual({ t, rows: status[t]!.rows });
    const described = await duck.runAndReadAll(`DESCRIBE SELECT * FROM ${readSql(t)}`);
    const cols = described.getRowObjects().map((r) => [String(r.column_name), String(r.column_type)]);
    const want = Object.entries(mine.schema).map(([c, dt]) => [c, duckType(dt)]);
    expect({ t, cols }).toEqual({ t, cols: want });
    const n = await duck.runAndReadAll(`SELECT count(*) AS n FROM ${readSql(t)}`);
    expect({ t, rows: Number(n.getRowObjects()[0]!.n) }).toEqual({ t, rows: mine.height });
  }
});

test("DuckDB: the same values (per-partition sums and a whole small table)", async () => {
  const sums = await duck.runAndReadAll(
    `SELECT CAST(date AS VARCHAR) AS d, option_type, count(*) AS n, sum(strike_price) AS s, sum(days_to_expiration) AS dte FROM ${readSql("chains")} GROUP BY ALL ORDER BY ALL`,
  );
  const mine = scanTable(root, "chains")
    .groupBy([pl.col("date").cast(pl.Utf8).alias("d"), pl.col("option_type")])
    .agg(
      pl.len().alias("n"),
      pl.col("strike_price").sum().alias("s"),
      pl.col("days_to_expiration").cast(pl.Float64).sum().alias("dte"),
    )
    .sort(["d", "option_type"])
    .collectSync();
  const duckRows = sums
    .getRowObjects()
    .map((r) => [r.d, r.option_type, Number(r.n), round(r.s), Number(r.dte)]);
  const myRows = mine.toRecords().map((r) => [r.d, r.option_type, Number(r.n), round(r.s), Number(r.dte)]);
  expect(duckRows.length).toBe(4);
  expect(duckRows).toEqual(myRows);

  const ivhv = await duck.runAndReadAll(
    `SELECT CAST(date AS VARCHAR) AS d, symbol, iv_index, hv30, reason, epoch_ms(snapshot_time) AS t FROM ${readSql("iv_hv")} ORDER BY d, symbol`,
  );
  const mineIv = scanTable(root, "iv_hv")
    .select(
      pl.col("date").cast(pl.Utf8).alias("d"),
      "symbol",
      "iv_index",
      "hv30",
      "reason",
      pl.col("snapshot_time").cast(pl.Int64).cast(pl.Float64).alias("t"),
    )
    .sort(["d", "symbol"])
    .collectSync();
  expect(ivhv.getRowObjects().map((r) => ({ ...r, t: Number(r.t) }))).toEqual(mineIv.toRecords() as never);

  const bars = await duck.runAndReadAll(
    `SELECT symbol, count(*) AS n, sum(close) AS c, min(date)::VARCHAR AS lo FROM ${readSql("bars")} GROUP BY symbol ORDER BY symbol`,
  );
  const myBars = scanTable(root, "bars")
    .groupBy(pl.col("symbol").cast(pl.Utf8))
    .agg(
      pl.len().alias("n"),
      pl.col("close").sum().alias("c"),
      pl.col("date").min().cast(pl.Utf8).alias("lo"),
    )
    .sort("symbol")
    .collectSync();
  expect(bars.getRowObjects().map((r) => [r.symbol, Number(r.n), round(r.c), r.lo])).toEqual(
    myBars.toRecords().map((r) => [r.symbol, Number(r.n), round(r.c), r.lo]),
  );
});

test("polars scanParquet with hive partitioning (as a user writes it) reads the same", () => {
  for (const t of TABLES) {
    const df = pl
      .scanParquet(join(root, t, "**", "*.parquet"), { hivePartitioning: true } as Parameters<
        typeof pl.scanParquet
      >[1])
      .collectSync();
    const mine = scanTable(root, t).collectSync();
    expect({ t, rows: df.height, cols: df.columns }).toEqual({ t, rows: mine.height, cols: mine.columns });
    for (const c of mine.columns)
      expect({ t, c, type: String(df.schema[c]) }).toEqual({ t, c, type: String(mine.schema[c]) });
  }
});
