import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  civilFromDays,
  comparePartNames,
  currentSymbolDirName,
  daysFromCivil,
  daysInMonth,
  renameLegacySymbolDirs,
  symbolDirName,
  symbolFromDirName,
} from "./bars.ts";

describe("calendar arithmetic", () => {
  test("daysInMonth agrees with the JavaScript calendar for every month of 1600–2400", () => {
    for (let y = 1600; y <= 2400; y++)
      for (let m = 1; m <= 12; m++) {
        const want = new Date(Date.UTC(y, m, 0)).getUTCDate(); // day 0 of the next month
        if (daysInMonth(y, m) !== want) throw new Error(`${y}-${m}: ${daysInMonth(y, m)} ≠ ${want}`);
      }
    expect([daysInMonth(1900, 2), daysInMonth(2000, 2), daysInMonth(2024, 2), daysInMonth(2023, 2)]).toEqual([
      28, 29, 29, 28,
    ]);
  });

  test("daysFromCivil and civilFromDays are inverse and match Date.UTC", () => {
    for (let z = -150_000; z <= 150_000; z += 7) {
      const { y, m, d } = civilFromDays(z);
      if (daysFromCivil(y, m, d) !== z || Date.UTC(y, m - 1, d) / 86_400_000 !== z)
        throw new Error(`day ${z} → ${y}-${m}-${d}`);
    }
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
  });
});

describe("symbol folder names", () => {
  test("`*` is escaped like `? [ ] { }`; legacy names map to the current ones", () => {
    expect(symbolDirName("A*B")).toBe("symbol=A%2AB");
    expect(symbolDirName("Q?[1]{2}")).toBe("symbol=Q%3F%5B1%5D%7B2%7D");
    expect(symbolFromDirName("symbol=A%2AB")).toBe("A*B");
    expect(symbolFromDirName("symbol=A*B")).toBe("A*B");
    expect(currentSymbolDirName("symbol=A*B")).toBe("symbol=A%2AB");
    expect(currentSymbolDirName("symbol=AB")).toBeNull();
    // A long symbol: the legacy abbreviated name maps to what symbolDirName writes now.
    for (const long of [
      `*${"X".repeat(300)}`,
      `${"Y".repeat(94)}*${"Z".repeat(100)}`,
      `${"é".repeat(15)}*${"W".repeat(150)}`,
      `A${"Д".repeat(60)}`,
    ]) {
      const legacyEnc = encodeURIComponent(long);
      let prefix = legacyEnc.slice(0, 96);
      const pct = prefix.lastIndexOf("%");
      if (pct >= 0 && pct > prefix.length - 3) prefix = prefix.slice(0, pct);
      const hash = symbolDirName(long).split("+")[1]!;
      expect(currentSymbolDirName(`symbol=${prefix}+${hash}`)).toBe(symbolDirName(long));
      // Every name written now decodes (a cut inside a multi-byte character would not) and is current.
      const now = symbolDirName(long);
      expect(() => decodeURIComponent(now.slice("symbol=".length, now.indexOf("+")))).not.toThrow();
      expect(currentSymbolDirName(now)).toBeNull();
    }
  });

  test("renameLegacySymbolDirs renames legacy folders once, keeps every file, never overwrites", () => {
    const root = mkdtempSync(join(tmpdir(), "ttapi-bars-dirs-"));
    try {
      const d = join(root, "bars", "period=D");
      mkdirSync(join(d, "symbol=A*B"), { recursive: true });
      writeFileSync(join(d, "symbol=A*B", "part-0.parquet"), "a");
      mkdirSync(join(d, "symbol=C*"), { recursive: true });
      mkdirSync(join(d, "symbol=C%2A"), { recursive: true });
      mkdirSync(join(d, "symbol=SPY"), { recursive: true });
      const r = renameLegacySymbolDirs(root);
      expect(r.renamed).toEqual([["period=D/symbol=A*B", "period=D/symbol=A%2AB"]]);
      expect(r.kept).toEqual([["period=D/symbol=C*", "period=D/symbol=C%2A"]]);
      expect(readFileSync(join(d, "symbol=A%2AB", "part-0.parquet"), "utf8")).toBe("a");
      expect(readdirSync(d).sort()).toEqual(["symbol=A%2AB", "symbol=C%2A", "symbol=C*", "symbol=SPY"]);
      expect(renameLegacySymbolDirs(join(root, "nothing-here"))).toEqual({ renamed: [], kept: [] });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("comparePartNames", () => {
  test("parts by their number (part-10 after part-9), other names after them", () => {
    const names = [
      "part-10.parquet",
      "zz.parquet",
      "part-2.parquet",
      "part-0.parquet",
      "part-9.parquet",
      "a.parquet",
    ];
    expect(names.sort(comparePartNames)).toEqual([
      "part-0.parquet",
      "part-2.parquet",
      "part-9.parquet",
      "part-10.parquet",
      "a.parquet",
      "zz.parquet",
    ]);
  });
});
