/**
 * Bars files are written in row groups of BARS_ROW_GROUP_ROWS rows, each with min/max statistics,
 * so a date filter can skip the groups outside its range. Read back with DuckDB's
 * `parquet_metadata`, an independent reader of the footer.
 */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { storedBars } from "../bars-schema.ts";
import { barsFrame, syntheticSeries } from "../stats/synthetic.ts";
import { BARS_ROW_GROUP_ROWS, writePart } from "./parquet.ts";

setDefaultTimeout(60_000);

const dir = mkdtempSync(join(tmpdir(), "ttapi-row-groups-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a long history is split into row groups with date statistics; a short one is one group", async () => {
  const con = await (await DuckDBInstance.create(":memory:")).connect();
  try {
    const groups = async (rows: number) => {
      const file = join(dir, `bars-${rows}.parquet`);
      writePart(storedBars(barsFrame("SPY", syntheticSeries({ rows, seed: 7 }))), file, {
        compression: "zstd",
        csv: false,
        durable: false,
      });
      const r = await con.runAndReadAll(
        `SELECT row_group_id AS g, row_group_num_rows AS n, stats_min_value AS lo, stats_max_value AS hi
         FROM parquet_metadata('${file}') WHERE path_in_schema = 'date' ORDER BY g`,
      );
      return r.getRowObjects().map((x) => ({ n: Number(x.n), lo: String(x.lo), hi: String(x.hi) }));
    };
    const long = await groups(2 * BARS_ROW_GROUP_ROWS + 100);
    expect(long.map((g) => g.n)).toEqual([BARS_ROW_GROUP_ROWS, BARS_ROW_GROUP_ROWS, 100]);
    // Dates ascend through the file: each group covers its own range, after the previous one.
    for (let i = 1; i < long.length; i++) expect(long[i]!.lo > long[i - 1]!.hi).toBe(true);
    expect((await groups(1000)).map((g) => g.n)).toEqual([1000]);
  } finally {
    con.closeSync();
  }
});
