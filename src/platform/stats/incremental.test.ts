import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDirs } from "../../core/testing/temp-dirs.ts";
import type { StatsTables } from "../../stats/index.ts";
import { walkBars, weekdays, writeBars } from "../testing/lake-fixtures.ts";
import { computeStats } from "./compute.ts";
import { defaultStateFile, updateStats } from "./incremental.ts";

setDefaultTimeout(60_000);
const temp = tempDirs();
afterAll(() => temp.removeAll());
const tmp = () => temp.make("ttapi-incr-");

const WINDOWS = [5, 20, 30];
// Shorter than the 300–400-bar histories: the cone slides.
const LOOKBACK = 60;

function same(a: StatsTables, b: StatsTables): void {
  for (const t of ["latest", "returns", "cone", "symbols"] as const) {
    const x = a[t] as unknown as Record<string, unknown[]>;
    const y = b[t] as unknown as Record<string, unknown[]>;
    for (const col of Object.keys(y)) {
      expect(x[col]!.length).toBe(y[col]!.length);
      for (let i = 0; i < y[col]!.length; i++) {
        const u = x[col]![i];
        const v = y[col]![i];
        if (typeof u === "number" && typeof v === "number")
          expect(Math.abs(u - v)).toBeLessThanOrEqual(1e-12 * Math.max(Math.abs(u), Math.abs(v)));
        else expect(u).toEqual(v);
      }
    }
  }
}

async function full(dir: string): Promise<StatsTables> {
  return (
    await computeStats({ dataDir: dir, windows: WINDOWS, coneLookback: LOOKBACK, workers: 1, write: false })
  ).tables;
}

describe("updateStats: the daily incremental update", () => {
  test("appends read only the new parts; corrections, changed parts, new and removed symbols recompute", async () => {
    const dir = tmp();
    const dates = weekdays("2024-01-01", 400);
    const series = {
      AAA: walkBars(dates, 1),
      BBB: walkBars(dates, 2),
      CCC: walkBars(dates, 3),
      DDD: walkBars(dates, 4),
    };
    for (const s of ["AAA", "BBB", "CCC"] as const) writeBars(dir, s, series[s].slice(0, 300));

    const r0 = await updateStats({ dataDir: dir, windows: WINDOWS, coneLookback: LOOKBACK });
    expect(r0.incremental).toBe(0);
    expect(r0.recomputed.map((r) => r.reason)).toEqual(["new symbol", "new symbol", "new symbol"]);
    same(r0.tables, await full(dir));

    // Day 1: one new bar for AAA and BBB as a new part, nothing for CCC, a new symbol DDD.
    writeBars(dir, "AAA", series.AAA.slice(300, 301), 1);
    writeBars(dir, "BBB", series.BBB.slice(300, 301), 1);
    writeBars(dir, "DDD", series.DDD.slice(0, 301));
    const r1 = await updateStats({ dataDir: dir, windows: WINDOWS, coneLookback: LOOKBACK });
    expect(r1.incremental).toBe(3);
    expect(r1.recomputed).toEqual([{ symbol: "DDD", reason: "new symbol" }]);
    expect(r1.barsRead).toBe(1 + 1 + 301);
    same(r1.tables, await full(dir));

    // Day 2: BBB's new part corrects a past bar → BBB in full; AAA appends five days.
    writeBars(dir, "AAA", series.AAA.slice(301, 306), 2);
    writeBars(
      dir,
      "BBB",
      [{ ...series.BBB[100]!, close: series.BBB[100]!.close * 1.01 }, ...series.BBB.slice(301, 302)],
      2,
    );
    const r2 = await updateStats({ dataDir: dir, windows: WINDOWS, coneLookback: LOOKBACK });
    expect(r2.recomputed.map((r) => r.symbol)).toEqual(["BBB"]);
    expect(r2.recomputed[0]!.reason).toMatch(/is not after the last bar .*a correction/);
    same(r2.tables, await full(dir));

    // A rewritten part and a symbol that left the dataset.
    writeBars(dir, "AAA", series.AAA.slice(0, 250));
    rmSync(join(dir, "bars", "period=D", "symbol=CCC"), { recursive: true });
    const r3 = await updateStats({ dataDir: dir, windows: WINDOWS, coneLookback: LOOKBACK });
    expect(r3.recomputed).toEqual([{ symbol: "AAA", reason: "part part-0.parquet changed" }]);
    expect(r3.incremental).toBe(2);
    expect(r3.removedStates).toBe(1);
    same(r3.tables, await full(dir));
    // One state file for every symbol, bounded by the lookback: 3 windows × 5 estimators × 60
    // bars × 10 bytes + the tail, per symbol.
    const size = statSync(defaultStateFile(dir)).size;
    expect(r3.stateBytes).toBe(size);
    expect(size).toBeLessThan(3 * (3 * 5 * LOOKBACK * 10 + 31 * 37 + 400) + 4096);

    // An unreadable state: every symbol in full, the reason named.
    writeFileSync(defaultStateFile(dir), "garbage");
    const r3b = await updateStats({ dataDir: dir, windows: WINDOWS, coneLookback: LOOKBACK });
    expect(r3b.recomputed.map((r) => r.reason)).toEqual([
      "state unreadable (not a ttapi statistics state)",
      "state unreadable (not a ttapi statistics state)",
      "state unreadable (not a ttapi statistics state)",
    ]);
    same(r3b.tables, await full(dir));

    // A full recompute on the worker pool (the first run's or --force's path) gives the same
    // tables and a state the next day appends to.
    const r3c = await updateStats({
      dataDir: dir,
      windows: WINDOWS,
      coneLookback: LOOKBACK,
      full: true,
      workers: 2,
    });
    expect(r3c.recomputed.map((r) => r.reason)).toEqual([
      "full recompute asked",
      "full recompute asked",
      "full recompute asked",
    ]);
    same(r3c.tables, await full(dir));
    writeBars(dir, "AAA", series.AAA.slice(306, 310), 3);
    const r3d = await updateStats({ dataDir: dir, windows: WINDOWS, coneLookback: LOOKBACK });
    expect(r3d.recomputed).toEqual([]);
    expect(r3d.incremental).toBe(3);
    expect(r3d.barsRead).toBe(4);
    same(r3d.tables, await full(dir));

    // Other options: every symbol recomputed.
    const r4 = await updateStats({ dataDir: dir, windows: [10], coneLookback: LOOKBACK });
    expect(r4.recomputed.map((r) => r.reason)).toEqual([
      "statistics options changed",
      "statistics options changed",
      "statistics options changed",
    ]);
  });

  test("a grown daily part (the lake's publish extends the newest part) is an append; a changed old row is not", async () => {
    const dir = tmp();
    const dates = weekdays("2024-01-01", 320);
    const aaa = walkBars(dates, 7);
    writeBars(dir, "AAA", aaa.slice(0, 300));
    writeBars(dir, "AAA", aaa.slice(300, 301), 1);
    const r0 = await updateStats({ dataDir: dir, windows: WINDOWS, coneLookback: LOOKBACK });
    expect(r0.recomputed.map((r) => r.reason)).toEqual(["new symbol"]);

    // The daily part rewritten with five more sessions: only that part is read, nothing recomputed.
    writeBars(dir, "AAA", aaa.slice(300, 306), 1);
    const r1 = await updateStats({ dataDir: dir, windows: WINDOWS, coneLookback: LOOKBACK });
    expect(r1.recomputed).toEqual([]);
    expect(r1.incremental).toBe(1);
    expect(r1.barsRead).toBe(6);
    same(r1.tables, await full(dir));

    // Grown again, but one of its earlier sessions changed too: a correction, recomputed and named.
    const changed = aaa.slice(300, 310).map((b, i) => (i === 2 ? { ...b, close: b.close * 1.02 } : b));
    writeBars(dir, "AAA", changed, 1);
    const r2 = await updateStats({ dataDir: dir, windows: WINDOWS, coneLookback: LOOKBACK });
    expect(r2.recomputed).toEqual([
      { symbol: "AAA", reason: "part part-1.parquet changed before its last session" },
    ]);
    same(r2.tables, await full(dir));

    // An old session removed from the daily part while new ones arrive: recomputed as well.
    writeBars(dir, "AAA", [...changed.slice(0, 4), ...changed.slice(5), ...aaa.slice(310, 312)], 1);
    const r3 = await updateStats({ dataDir: dir, windows: WINDOWS, coneLookback: LOOKBACK });
    expect(r3.recomputed.map((r) => r.symbol)).toEqual(["AAA"]);
    same(r3.tables, await full(dir));

    // The history part (not the newest) rewritten: a full recompute, as before.
    writeBars(dir, "AAA", aaa.slice(0, 299));
    const r4 = await updateStats({ dataDir: dir, windows: WINDOWS, coneLookback: LOOKBACK });
    expect(r4.recomputed).toEqual([{ symbol: "AAA", reason: "part part-0.parquet changed" }]);
    same(r4.tables, await full(dir));
  });
});
