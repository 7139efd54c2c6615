/**
 * `ttapi lake status | prune | compact` on a small lake built with the import engine and the lake
 * writer: counts, date ranges, an unreadable file named in one line with the fix while the rest
 * stays usable, pruning snapshot dates (and bars only when asked), compacting a bars folder's parts
 * into one without changing its rows.
 */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { runCli } from "../../core/testing/cli-process.ts";
import { importBars } from "../../platform/import/index.ts";
import { lakeRoot, listPartitions, scanTable, writePartition } from "../../platform/lake/index.ts";
import { asciiBarsFile } from "../../platform/testing/lake-fixtures.ts";

setDefaultTimeout(60_000);

const tmp = mkdtempSync(join(tmpdir(), "ttapi-lake-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ttapi = (...args: string[]) =>
  runCli(args, { env: { XDG_CONFIG_HOME: join(tmp, "cfg"), TTAPI_LOG_LEVEL: "warn" } });

const quotes = (n: number) =>
  pl.DataFrame({
    snapshot_time: Array.from({ length: n }, () => new Date("2026-08-04T20:00:00Z")),
    symbol: Array.from({ length: n }, (_, i) => `S${i}`),
    mark: Array.from({ length: n }, (_, i) => i + 0.5),
  });

async function buildLake(name: string): Promise<{ dataDir: string; root: string }> {
  const dataDir = join(tmp, name);
  const root = lakeRoot(dataDir);
  // Two imports with later dates: the second appends a part beside the first (a daily update).
  await importBars({ inputs: [asciiBarsFile(join(dataDir, "src1"), "AAA", "202606", 20)], outDir: root });
  await importBars({ inputs: [asciiBarsFile(join(dataDir, "src2"), "AAA", "202607", 20)], outDir: root });
  await importBars({ inputs: [asciiBarsFile(join(dataDir, "src3"), "BBB", "202607", 10)], outDir: root });
  for (const [date, n] of [
    ["2026-08-03", 2],
    ["2026-08-04", 3],
    ["2026-08-05", 4],
  ] as const) {
    await writePartition(root, "quotes", { date }, quotes(n));
    await writePartition(root, "metrics", { date }, quotes(1));
  }
  return { dataDir, root };
}

test("status: tables, partitions, date range, rows, bytes", async () => {
  const { dataDir } = await buildLake("status");
  const r = await ttapi("lake", "status", "--data-dir", dataDir, "--json");
  expect(r.code).toBe(0);
  const s = JSON.parse(r.stdout) as {
    tables: {
      table: string;
      partitions: number;
      from: string;
      to: string;
      rows: number;
      bytes: number;
      files: number;
      symbols?: number;
    }[];
    unreadable: string[];
  };
  const t = Object.fromEntries(s.tables.map((x) => [x.table, x]));
  expect(t.bars).toMatchObject({
    partitions: 2,
    symbols: 2,
    rows: 50,
    files: 3,
    from: "2026-06-01",
    to: "2026-07-20",
  });
  expect(t.quotes).toMatchObject({ partitions: 3, rows: 9, files: 3, from: "2026-08-03", to: "2026-08-05" });
  expect(t.quotes!.bytes).toBeGreaterThan(0);
  expect(t.chains).toMatchObject({ partitions: 0, rows: 0, from: null });
  expect(s.unreadable).toEqual([]);
  const text = await ttapi("lake", "status", "--data-dir", dataDir);
  expect(text.stdout).toMatch(/quotes\s+3\s+2026-08-03\s+2026-08-05\s+9/);
});

test("an unreadable file: one error line with the fix; the rest of the lake stays usable", async () => {
  const { dataDir, root } = await buildLake("broken");
  const bad = join(root, "quotes", "date=2026-08-04", "part-0.parquet");
  writeFileSync(bad, "this is not parquet");
  const r = await ttapi("lake", "status", "--data-dir", dataDir);
  expect(r.code).toBe(65);
  const lines = r.stderr.trim().split("\n");
  expect(lines.length).toBe(1);
  expect(lines[0]).toMatch(
    /^ttapi: error E_DATA: lake\/quotes\/date=2026-08-04\/part-0\.parquet cannot be read .*delete it/,
  );
  // Everything else is counted and readable.
  expect(r.stdout).toMatch(/quotes\s+3\s+2026-08-03\s+2026-08-05\s+6/);
  expect(scanTable(root, "metrics").collectSync().height).toBe(3);
  expect(scanTable(root, "bars").collectSync().height).toBe(50);
  // The fix works: without the file the table reads again.
  rmSync(bad);
  expect(scanTable(root, "quotes").collectSync().height).toBe(6);
});

test("prune --before: snapshot dates go, bars stay unless named", async () => {
  const { dataDir, root } = await buildLake("prune");
  const r = await ttapi("lake", "prune", "--data-dir", dataDir, "--before", "2026-08-05");
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/pruned quotes: 2 partitions, 5 rows/);
  expect(listPartitions(root, "quotes")).toEqual(["date=2026-08-05"]);
  expect(listPartitions(root, "metrics")).toEqual(["date=2026-08-05"]);
  expect(scanTable(root, "bars").collectSync().height).toBe(50);

  const b = await ttapi("lake", "prune", "--data-dir", dataDir, "--before", "2026-07-01", "--table", "bars");
  expect(b.code).toBe(0);
  const bars = scanTable(root, "bars").collectSync();
  expect(bars.height).toBe(30);
  expect(bars.filter(pl.col("date").lt(pl.lit(new Date("2026-07-01T00:00:00Z")).cast(pl.Date))).height).toBe(
    0,
  );
  expect(readdirSync(root).filter((n) => n.startsWith(".work-"))).toEqual([]);

  const bad = await ttapi("lake", "prune", "--data-dir", dataDir, "--before", "yesterday");
  expect(bad.code).toBe(2);
  const badTable = await ttapi(
    "lake",
    "prune",
    "--data-dir",
    dataDir,
    "--before",
    "2026-01-01",
    "--table",
    "nope",
  );
  expect(badTable.code).toBe(2);
  expect(badTable.stderr).toMatch(/unknown lake table "nope"/);
});

test("compact: a bars folder's parts become one file with the same rows", async () => {
  const { dataDir, root } = await buildLake("compact");
  const dir = join(root, "bars", "period=D", "symbol=AAA");
  expect(readdirSync(dir).filter((f) => f.endsWith(".parquet")).length).toBe(2);
  const before = scanTable(root, "bars").sort(["symbol", "date"]).collectSync();
  const r = await ttapi("lake", "compact", "--data-dir", dataDir);
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/compacted bars: 1 partition, 3 → 2 files, 40 rows/);
  expect(readdirSync(dir)).toEqual(["part-0.parquet"]);
  const after = scanTable(root, "bars").sort(["symbol", "date"]).collectSync();
  expect(after.height).toBe(before.height);
  expect(
    after
      .select(pl.col("symbol").cast(pl.Utf8), "date", "close")
      .frameEqual(before.select(pl.col("symbol").cast(pl.Utf8), "date", "close")),
  ).toBe(true);
  const again = await ttapi("lake", "compact", "--data-dir", dataDir);
  expect(again.stderr).toMatch(/nothing to compact/);
});
