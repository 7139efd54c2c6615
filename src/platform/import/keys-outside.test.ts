/**
 * `keysOutside`, the import's "may this new part simply join the previous files?" check: it must
 * answer exactly what reading the file's key range answers (the same append-or-merge decision as
 * before, so the same dataset), whether the footer statistics settle it (dates before or after the
 * new range) or the keys have to be read (the new range reaches into the file's dates: intraday
 * bars on the same day, a gap inside the history).
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import pl from "nodejs-polars";
import { storedBars } from "../bars-schema.ts";
import { barKey } from "./group.ts";
import { keysOutside } from "./parquet.ts";

const tmp = mkdtempSync(join(tmpdir(), "ttapi-keys-outside-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

/** A bars file of (day, time) rows; time −1 = an end-of-day bar (null). */
function file(rows: [number, number][]): string {
  const path = join(tmp, `f-${++n}.parquet`);
  storedBars(
    pl
      .DataFrame({
        symbol: rows.map(() => "X"),
        period: rows.map(() => "D"),
        date: rows.map(([d]) => new Date(d * 86_400_000)),
        time: rows.map(([, t]) => (t < 0 ? null : t)),
        open: rows.map(() => 1),
        high: rows.map(() => 1),
        low: rows.map(() => 1),
        close: rows.map(() => 1),
        volume: rows.map(() => 1),
        openint: rows.map(() => null),
        source: rows.map(() => "x.txt"),
      })
      .withColumns(pl.col("time").cast(pl.Int32), pl.col("openint").cast(pl.Float64)),
  ).writeParquet(path);
  return path;
}

const exact = (rows: [number, number][], lo: number, hi: number) => {
  const keys = rows.map(([d, t]) => barKey(d, t));
  return Math.max(...keys) < lo || Math.min(...keys) > hi;
};

test("daily history: a later day, an earlier day, a day inside, the last day again", () => {
  const hist: [number, number][] = [20000, 20001, 20002, 20005, 20006].map((d) => [d, -1]);
  const f = file(hist);
  const k = (d: number) => barKey(d, -1);
  expect(keysOutside(f, k(20007), k(20007))).toBe(true); // the daily append
  expect(keysOutside(f, k(19990), k(19999))).toBe(true); // older sessions before the history
  expect(keysOutside(f, k(20003), k(20004))).toBe(false); // a gap inside: range overlap → merge
  expect(keysOutside(f, k(20006), k(20008))).toBe(false);
  expect(keysOutside(f, k(19999), k(20000))).toBe(false);
});

test("intraday bars on the same date: decided from the keys, not the dates alone", () => {
  const f = file([
    [20000, 93000],
    [20000, 100000],
    [20001, 93000],
    [20001, 110000],
  ]);
  expect(keysOutside(f, barKey(20001, 120000), barKey(20001, 160000))).toBe(true);
  expect(keysOutside(f, barKey(20000, 80000), barKey(20000, 90000))).toBe(true);
  expect(keysOutside(f, barKey(20001, 100000), barKey(20001, 160000))).toBe(false);
  expect(keysOutside(f, barKey(20000, 110000), barKey(20000, 120000))).toBe(false);
});

test("agrees with the exact key range for any file and new range", () => {
  const row = fc.tuple(
    fc.integer({ min: 20000, max: 20010 }),
    fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 235959 })),
  );
  fc.assert(
    fc.property(fc.array(row, { minLength: 1, maxLength: 8 }), row, row, (rows, a, b) => {
      const [lo, hi] = [barKey(...a), barKey(...b)].sort((x, y) => x - y) as [number, number];
      expect(keysOutside(file(rows), lo, hi)).toBe(exact(rows, lo, hi));
    }),
    { numRuns: 150 },
  );
});
