import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { BAR_COLUMNS, barsSymbolDir, daysFromCivil } from "../../core/bars.ts";
import { storedBars } from "../bars-schema.ts";
import { mergeBars } from "./bars-merge.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const root = mkdtempSync(join(tmpdir(), "ttapi-merge-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function bars(symbol: string, days: number[], close: number, source: string): pl.DataFrame {
  const n = days.length;
  return pl
    .DataFrame([
      pl.Series("symbol", Array(n).fill(symbol), pl.Utf8),
      pl.Series("period", Array(n).fill("D"), pl.Utf8),
      pl.Series("date", Int32Array.from(days)).cast(pl.Date),
      pl.Series("time", Array(n).fill(null), pl.Int32),
      ...["open", "high", "low", "close", "volume"].map((c) => pl.Series(c, new Float64Array(n).fill(close))),
      pl.Series("openint", Array(n).fill(null), pl.Float64),
      pl.Series("source", Array(n).fill(source), pl.Utf8),
    ])
    .select(...BAR_COLUMNS);
}

test("MetaStock rows win; DXLink candles fill only the missing dates; duplicates counted; files hard-linked", () => {
  const d0 = daysFromCivil(2026, 7, 1);
  const ms = join(root, "ms");
  for (const [sym, days] of [
    ["AAPL", [d0, d0 + 1, d0 + 2]],
    ["BRK/B", [d0, d0 + 1]],
  ] as const) {
    const dir = barsSymbolDir(ms, "D", sym);
    mkdirSync(dir, { recursive: true });
    // As the import writes them: stored types (Categorical text columns).
    storedBars(bars(sym, [...days], 100, "file.txt")).writeParquet(join(dir, "part-0.parquet"));
  }
  const candles = pl.concat(
    [
      bars("AAPL", [d0 + 1, d0 + 2, d0 + 3], 200, "dxlink"),
      bars("BRK/B", [d0 + 2], 200, "dxlink"),
      bars("MSFT", [d0], 200, "dxlink"),
    ],
    { how: "vertical" },
  );
  const out = join(root, "out");
  const r = mergeBars({ dir: ms, rows: 5, fingerprint: "ms" }, candles, out, { compression: "zstd" });
  expect(r).toMatchObject({ rows: 8, duplicates: 2, added: 3 });

  const all = pl.concat(
    readdirSync(join(out, "bars", "period=D")).flatMap((s) =>
      readdirSync(join(out, "bars", "period=D", s)).map((f) =>
        pl.readParquet(join(out, "bars", "period=D", s, f)),
      ),
    ),
    { how: "vertical" },
  );
  expect(all.height).toBe(8);
  // Still one dataset: a glob scan reads the imported files and the DXLink parts together.
  expect(pl.scanParquet(join(out, "bars", "**", "*.parquet")).collectSync().height).toBe(8);
  // No (symbol, date) twice, and the MetaStock value won where both had the date.
  expect(all.select("symbol", "date").unique().height).toBe(8);
  const aapl = all.filter(pl.col("symbol").eq(pl.lit("AAPL"))).sort("date");
  expect(aapl.getColumn("close").toArray()).toEqual([100, 100, 100, 200]);
  expect(aapl.getColumn("source").toArray()).toEqual(["file.txt", "file.txt", "file.txt", "dxlink"]);
  // The imported file is the same inode, not a copy.
  const src = join(barsSymbolDir(ms, "D", "AAPL"), "part-0.parquet");
  const dst = join(barsSymbolDir(out, "D", "AAPL"), "part-0.parquet");
  expect(statSync(dst).ino).toBe(statSync(src).ino);

  // Deterministic: same inputs, same fingerprint; different candles, different fingerprint.
  const again = mergeBars({ dir: ms, rows: 5, fingerprint: "ms" }, candles, join(root, "out2"), {
    compression: "zstd",
  });
  expect(again.fingerprint).toBe(r.fingerprint);
  const other = mergeBars(
    { dir: ms, rows: 5, fingerprint: "ms" },
    bars("MSFT", [d0], 201, "dxlink"),
    join(root, "out3"),
    {
      compression: "zstd",
    },
  );
  expect(other.fingerprint).not.toBe(r.fingerprint);
});

test("no MetaStock sources: the dataset is the candles alone", () => {
  const d0 = daysFromCivil(2026, 7, 1);
  const r = mergeBars(null, bars("SPY", [d0, d0 + 1], 500, "dxlink"), join(root, "only"), {
    compression: "zstd",
  });
  expect(r).toMatchObject({ rows: 2, duplicates: 0, added: 2 });
});
