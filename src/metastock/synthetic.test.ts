import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAscii } from "./ascii/index.ts";
import { readDatabase } from "./binary/database.ts";
import {
  encodeStooqText,
  rowsPerSymbol,
  syntheticSeries,
  syntheticSymbols,
  writeSyntheticStooq,
} from "./synthetic.ts";

const tmp = mkdtempSync(join(tmpdir(), "ttapi-synth-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("synthetic data", () => {
  test("deterministic: same seed → same bytes; rows split exactly", () => {
    expect(encodeStooqText("A.US", syntheticSeries("A", 500, 3))).toEqual(
      encodeStooqText("A.US", syntheticSeries("A", 500, 3)),
    );
    expect(encodeStooqText("A.US", syntheticSeries("A", 500, 3))).not.toEqual(
      encodeStooqText("A.US", syntheticSeries("A", 500, 4)),
    );
    const counts = rowsPerSymbol(1_000_003, 7);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1_000_003);
    expect(new Set(syntheticSymbols(1000)).size).toBe(1000);
  });

  test("Stooq text parses back to the generated values (OHLC sane)", () => {
    const s = syntheticSeries("XYZ", 20_000, 9);
    const r = parseAscii(encodeStooqText("XYZ.US", s, true));
    expect(r.errorCount).toBe(0);
    expect(r.rows).toBe(s.length);
    for (let i = 0; i < s.length; i++) {
      expect(r.columns.date[i]).toBe(s.date[i]!);
      expect(r.columns.open[i]).toBe(s.open[i]!);
      expect(r.columns.high[i]).toBe(s.high[i]!);
      expect(r.columns.low[i]).toBe(s.low[i]!);
      expect(r.columns.close[i]).toBe(s.close[i]!);
      expect(r.columns.volume[i]).toBe(s.volume[i]!);
      expect(s.high[i]!).toBeGreaterThanOrEqual(Math.max(s.open[i]!, s.close[i]!));
      expect(s.low[i]!).toBeLessThanOrEqual(Math.min(s.open[i]!, s.close[i]!));
    }
  });

  test("writes the Stooq tree and a binary database with the same bars", () => {
    const r = writeSyntheticStooq({ outDir: tmp, symbols: 260, rows: 26_000, binary: true });
    expect(r.files).toHaveLength(260);
    expect(r.files[0]).toContain(join("data", "daily", "us", "nasdaq stocks", "1"));
    expect(readFileSync(r.files[0]!, "utf8").split("\n")[0]).toBe(
      "<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>",
    );
    const names = readdirSync(r.binaryDir!);
    expect(names).toContain("XMASTER"); // > 255 securities
    const db = readDatabase(names, (n) => readFileSync(join(r.binaryDir!, n)));
    expect(db.warnings).toEqual([]);
    expect(db.columns.length).toBe(26_000);
    expect(r.binaryRows).toBe(26_000);
  });
});
