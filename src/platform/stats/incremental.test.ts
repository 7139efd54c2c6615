import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDirs } from "../../core/testing/temp-dirs.ts";
import type { StatsTables } from "../../stats/index.ts";
import { walkBars, weekdays, writeBars } from "../testing/lake-fixtures.ts";
import { computeStats } from "./compute.ts";
import { updateStats } from "./incremental.ts";
import { stateFile } from "./state-store.ts";

setDefaultTimeout(60_000);
const temp = tempDirs();
afterAll(() => temp.removeAll());
const tmp = () => temp.make("ttapi-incr-");

const WINDOWS = [5, 20, 30];

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
  return (await computeStats({ dataDir: dir, windows: WINDOWS, workers: 1, write: false })).tables;
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

    const r0 = await updateStats({ dataDir: dir, windows: WINDOWS });
    expect(r0.incremental).toBe(0);
    expect(r0.recomputed.map((r) => r.reason)).toEqual(["new symbol", "new symbol", "new symbol"]);
    same(r0.tables, await full(dir));

    // Day 1: one new bar for AAA and BBB as a new part, nothing for CCC, a new symbol DDD.
    writeBars(dir, "AAA", series.AAA.slice(300, 301), 1);
    writeBars(dir, "BBB", series.BBB.slice(300, 301), 1);
    writeBars(dir, "DDD", series.DDD.slice(0, 301));
    const r1 = await updateStats({ dataDir: dir, windows: WINDOWS });
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
    const r2 = await updateStats({ dataDir: dir, windows: WINDOWS });
    expect(r2.recomputed.map((r) => r.symbol)).toEqual(["BBB"]);
    expect(r2.recomputed[0]!.reason).toMatch(/is not after the last bar .*a correction/);
    same(r2.tables, await full(dir));

    // A rewritten part, an unreadable state, a symbol that left the dataset.
    writeBars(dir, "AAA", series.AAA.slice(0, 250));
    writeFileSync(stateFile(join(dir, "stats", "state"), "DDD"), "garbage");
    rmSync(join(dir, "bars", "period=D", "symbol=CCC"), { recursive: true });
    const r3 = await updateStats({ dataDir: dir, windows: WINDOWS });
    expect(r3.recomputed).toEqual([
      { symbol: "AAA", reason: "part part-0.parquet changed" },
      { symbol: "DDD", reason: "state unreadable (not a ttapi statistics state)" },
    ]);
    expect(r3.removedStates).toBe(1);
    same(r3.tables, await full(dir));

    // Other options: every symbol recomputed.
    const r4 = await updateStats({ dataDir: dir, windows: [10] });
    expect(r4.recomputed.map((r) => r.reason)).toEqual([
      "statistics options changed",
      "statistics options changed",
      "statistics options changed",
    ]);
  });
});
