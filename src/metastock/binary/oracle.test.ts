/**
 * Correctness oracle: the real atem test databases must decode to exactly the rows the
 * independent C++ reader printed (prices at 5 decimals, openint `-0` = absent).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { isoFromDays } from "../../core/bars.ts";
import {
  DATABASES,
  expectedRows,
  extractDatabases,
  formatRow,
  METASTOCK_FIXTURES,
} from "../testing/fixtures.ts";
import { readDatabase } from "./database.ts";

const root = extractDatabases();
afterAll(() => rmSync(root, { recursive: true, force: true }));

function decode(db: string, ignoreEmaster = false) {
  const dir = join(root, db);
  const names = readdirSync(dir);
  const r = readDatabase(names, (n) => readFileSync(join(dir, n)), { ignoreEmaster });
  const c = r.columns;
  const rows = [];
  for (let i = 0; i < c.length; i++) {
    rows.push(
      formatRow({
        symbol: c.symbols[c.symbolIndex[i]!]!,
        date: isoFromDays(c.date[i]!),
        time: c.time[i]!,
        open: c.open[i]!,
        high: c.high[i]!,
        low: c.low[i]!,
        close: c.close[i]!,
        volume: c.volume[i]!,
        openint: c.openint[i]!,
      }),
    );
  }
  return { rows, warnings: r.warnings, read: r };
}

const key = (r: { symbol: string; date: string; time: string }) => `${r.symbol}|${r.date}|${r.time}`;

describe("binary reader vs atem oracle", () => {
  for (const db of DATABASES) {
    test(`${db}: every expected row, nothing more`, () => {
      const expected = expectedRows(db);
      const { rows, read } = decode(db);
      expect(rows.length).toBe(expected.length);
      // An intact real database loses nothing: no error (so --strict imports it).
      expect(read.errors).toEqual([]);
      const sortFn = (a: { symbol: string; date: string; time: string }, b: typeof a) =>
        key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
      expect([...rows].sort(sortFn)).toEqual([...expected].sort(sortFn));
    });
  }

  test("msdir_stooq: intraday bitset derived from MASTER's count (0xBF), symbol and period", () => {
    const { read } = decode("msdir_stooq");
    expect(read.securities).toHaveLength(1);
    expect(read.securities[0]).toMatchObject({
      fileNumber: 1,
      symbol: "2HR.DE",
      period: "I",
      fields: 0xbf,
      intradayMinutes: 5,
    });
    expect(read.columns.time[0]).toBe(90500);
    expect(Number.isNaN(read.columns.openint[0]!)).toBe(true);
  });

  test("msdir_equis_b: XMASTER records map to F256.MWD and F2853.MWD", () => {
    const { read, warnings } = decode("msdir_equis_b");
    expect(warnings).toEqual([]);
    const x = read.securities.filter((s) => s.fileNumber > 255);
    expect(x.map((s) => [s.symbol, s.dataFile, s.fields])).toEqual([
      ["AZM.L", "F256.MWD", 0x7f],
      [".N225", "F2853.MWD", 0x7f],
    ]);
    expect(x[0]).toMatchObject({ firstDate: 19961231, lastDate: 20090724 });
  });

  test("msdir_bbfinance: warns like the reference reader (XMASTER unusable, EMASTER inconsistent)", () => {
    const { warnings } = decode("msdir_bbfinance");
    const reference = readFileSync(
      join(METASTOCK_FIXTURES, "expected", "msdir_bbfinance.warnings.txt"),
      "utf8",
    );
    expect(reference).toContain("XMASTER: not usable");
    expect(warnings).toContain("XMASTER: not usable");
    expect(reference).toContain("inconsistent EMASTER and MASTER files");
    expect(warnings.some((w) => w.startsWith("inconsistent EMASTER and MASTER files"))).toBe(true);
    // Joined by file number, not position: ignoring EMASTER yields the very same rows.
    expect(decode("msdir_bbfinance", true).rows).toEqual(decode("msdir_bbfinance").rows);
  });
});
