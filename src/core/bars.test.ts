import { describe, expect, test } from "bun:test";
import { civilFromDays, comparePartNames, daysFromCivil, daysInMonth } from "./bars.ts";

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
