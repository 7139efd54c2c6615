/**
 * Golden file: the statistics of fixtures/stats/golden/data (regenerate with
 * `bun fixtures/stats/generate.ts`; independently checked by fixtures/stats/verify_numpy.py)
 * through the real library entry point, on workers and in-process, with files written.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import {
  GOLDEN_CONE_LOOKBACK,
  GOLDEN_DIR,
  GOLDEN_METRICS,
  GOLDEN_WINDOWS,
  tableRows,
} from "../../../fixtures/stats/generate.ts";
import { computeStats } from "./compute.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const expected = JSON.parse(readFileSync(join(GOLDEN_DIR, "expected.json"), "utf8")) as Record<
  string,
  Record<string, unknown>[]
>;
const tmp = mkdtempSync(join(tmpdir(), "ttapi-stats-golden-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function copyDataset(name: string): string {
  const dir = join(tmp, name);
  cpSync(join(GOLDEN_DIR, "data"), dir, { recursive: true });
  return dir;
}

/** Same rows, numbers equal to 1e-12 relative (libm may differ in the last bit across CPUs). */
function expectRowsClose(got: Record<string, unknown>[], want: Record<string, unknown>[]): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    for (const [k, v] of Object.entries(want[i]!)) {
      const g = got[i]![k];
      if (typeof v === "number" && typeof g === "number") {
        if (Math.abs(g - v) > 1e-12 * Math.max(1, Math.abs(v)))
          throw new Error(`row ${i} ${k}: ${g} ≠ ${v} in ${JSON.stringify(want[i])}`);
      } else expect({ row: i, k, v: g }).toEqual({ row: i, k, v });
    }
  }
}

describe("golden statistics", () => {
  for (const workers of [1, 2]) {
    test(`matches expected.json (workers: ${workers})`, async () => {
      const dataDir = copyDataset(`w${workers}`);
      const r = await computeStats({
        dataDir,
        windows: GOLDEN_WINDOWS,
        coneLookback: GOLDEN_CONE_LOOKBACK,
        workers,
        metrics: GOLDEN_METRICS,
        csv: workers === 2,
      });
      expectRowsClose(tableRows(r.tables.latest), expected.latest!);
      expectRowsClose(tableRows(r.tables.returns), expected.returns!);
      expectRowsClose(tableRows(r.tables.cone), expected.cone!);
      expectRowsClose(tableRows(r.tables.symbols), expected.symbols!);
      expectRowsClose(r.ivHv as unknown as Record<string, unknown>[], expected.ivHv!);
      expectRowsClose(r.expectedMoves as unknown as Record<string, unknown>[], expected.expectedMoves!);
      expect(r.rows).toBe(3851);
      expect(r.failures).toEqual([]);

      // The Parquet artifacts hold the same numbers (nulls as nulls, dates as Date).
      const latest = pl.readParquet(join(dataDir, "stats", "latest.parquet"));
      expect(latest.height).toBe(expected.latest!.length);
      expect(latest.getColumn("asof").dtype.equals(pl.Date)).toBe(true);
      const vol = latest.getColumn("vol").toArray();
      expected.latest!.forEach((row, i) => {
        if (row.vol === null) expect(vol[i]).toBeNull();
        else expect(vol[i]).toBeCloseTo(row.vol as number, 12);
      });
      for (const f of ["returns", "cone", "symbols", "iv_hv", "expected_move"])
        expect(existsSync(join(dataDir, "stats", `${f}.parquet`))).toBe(true);
      expect(existsSync(join(dataDir, "stats", "latest.csv"))).toBe(workers === 2);
    });
  }

  test("a symbol subset and an unreadable file", async () => {
    const dataDir = copyDataset("subset");
    const r = await computeStats({
      dataDir,
      symbols: ["aaa", "GGG"],
      windows: [20],
      workers: 1,
      write: false,
    });
    expect([...new Set(r.latest.symbol)]).toEqual(["AAA", "GGG"]);
    await expect(computeStats({ dataDir, symbols: ["NOPE"], workers: 1, write: false })).rejects.toThrow(
      /no daily bars for NOPE/,
    );

    const bad = join(dataDir, "bars", "period=D", "symbol=FFF", "part-0.parquet");
    await Bun.write(bad, "not parquet");
    const r2 = await computeStats({ dataDir, windows: [20], workers: 2, write: false });
    expect(r2.failures.map((f) => f.symbol)).toEqual(["FFF"]);
    expect(r2.failures[0]!.message).toContain("symbol=FFF/part-0.parquet: cannot read bars");
    expect(r2.symbols).toBe(7);
    expect(new Set(r2.latest.symbol).has("FFF")).toBe(false);
  });

  test("a missing dataset is one clear usage error", async () => {
    await expect(computeStats({ dataDir: join(tmp, "nothing"), workers: 1 })).rejects.toThrow(
      /no daily bars in/,
    );
    await expect(computeStats({ dataDir: join(tmp, "nothing"), windows: [1], workers: 1 })).rejects.toThrow(
      /window 1 is not an integer ≥ 2/,
    );
  });

  test("cancellation stops the run", async () => {
    const dataDir = copyDataset("cancel");
    const ac = new AbortController();
    ac.abort();
    await expect(computeStats({ dataDir, workers: 2, signal: ac.signal })).rejects.toThrow(/cancelled/);
  });
});

test("a symbol-subset run updates those symbols' rows and keeps the others", async () => {
  const dataDir = copyDataset("merge");
  await computeStats({ dataDir, windows: [20, 60], workers: 1 });
  const before = pl.readParquet(join(dataDir, "stats", "latest.parquet"));
  await computeStats({ dataDir, symbols: ["BBB"], windows: [10], workers: 1 });
  const after = pl.readParquet(join(dataDir, "stats", "latest.parquet"));
  const bbb = after.filter(pl.col("symbol").eq(pl.lit("BBB")));
  expect(bbb.getColumn("window").toArray()).toEqual([10, 10, 10, 10, 10]);
  const others = (df: pl.DataFrame) => df.filter(pl.col("symbol").eq(pl.lit("BBB")).not());
  expect(others(after).toRecords()).toEqual(others(before).toRecords());
  expect(after.getColumn("symbol").toArray()).toEqual([...after.getColumn("symbol").toArray()].sort());
});

test("rolling: true writes each symbol's rolling series, matching the latest estimates", async () => {
  const dataDir = copyDataset("rolling");
  const r = await computeStats({ dataDir, windows: [20], workers: 2, rolling: true });
  const df = pl.readParquet(join(dataDir, "stats", "rolling", "symbol=AAA", "part-0.parquet"));
  expect(df.columns).toEqual(["date", ...r.latest.estimator.slice(0, 5).map((e) => `vol_${e}_20`)]);
  expect(df.height).toBe(1500);
  const i = r.latest.symbol.indexOf("AAA");
  const last = df.tail(1).toRecords()[0]!;
  expect(last.vol_close_to_close_20 as number).toBeCloseTo(r.latest.vol[i]!, 12);
  expect(df.getColumn("vol_close_to_close_20").nullCount()).toBe(20); // the first 20 bars have no full window
});

test("an in-process run stops between symbols when cancelled", async () => {
  const dataDir = copyDataset("cancel-inproc");
  const ac = new AbortController();
  const run = computeStats({ dataDir, workers: 1, signal: ac.signal, write: false });
  ac.abort();
  await expect(run).rejects.toThrow(/statistics cancelled/);
});
