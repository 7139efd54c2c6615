import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { listPartitions, scanTable, writePartition } from "./index.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "ttapi-lake-"));
  dirs.push(d);
  return d;
}

function frame(symbols: string[], iv: number): pl.DataFrame {
  return pl.DataFrame({
    snapshot_time: symbols.map(() => new Date("2026-08-04T20:00:00Z")),
    symbol: symbols,
    implied_volatility_index: symbols.map(() => iv),
  });
}

describe("lake partitions", () => {
  test("a snapshot table is one file per date, read back with a typed date column", async () => {
    const root = tmp();
    await writePartition(root, "metrics", { date: "2026-08-03" }, frame(["SPY", "QQQ"], 0.1));
    await writePartition(root, "metrics", { date: "2026-08-04" }, frame(["SPY"], 0.2));
    expect(listPartitions(root, "metrics")).toEqual(["date=2026-08-03", "date=2026-08-04"]);
    const df = scanTable(root, "metrics").sort("date").collectSync();
    expect(df.height).toBe(3);
    expect(df.schema.date?.equals(pl.Date)).toBe(true);
    const one = scanTable(root, "metrics")
      .filter(pl.col("date").eq(pl.lit(new Date("2026-08-04T00:00:00Z")).cast(pl.Date)))
      .collectSync();
    expect(one.getColumn("implied_volatility_index").toArray()).toEqual([0.2]);
  });

  test("a second write of the same date replaces it, leaving no temp files", async () => {
    const root = tmp();
    await writePartition(root, "quotes", { date: "2026-08-04" }, frame(["SPY", "QQQ"], 0.1));
    const w = await writePartition(root, "quotes", { date: "2026-08-04" }, frame(["IWM"], 0.3));
    expect(w.rows).toBe(1);
    const df = scanTable(root, "quotes").collectSync();
    expect(df.getColumn("symbol").toArray()).toEqual(["IWM"]);
    expect(readdirSync(join(root, "quotes", "date=2026-08-04"))).toEqual(["part-0.parquet"]);
  });

  test("partition values are validated before they become paths", async () => {
    const root = tmp();
    await expect(writePartition(root, "quotes", { date: "../../etc" }, frame(["A"], 1))).rejects.toThrow(
      /invalid lake partition date/,
    );
    await expect(
      writePartition(root, "quotes", { date: "2026-08-04", time: "2460" }, frame(["A"], 1)),
    ).rejects.toThrow(/invalid lake partition time/);
  });
});
