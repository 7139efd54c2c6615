import { expect, setDefaultTimeout, test } from "bun:test";
import fc from "fast-check";
import { symbolRanges } from "./compute.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

test("symbol ranges cover every symbol once, in order, with guided (shrinking) byte sizes", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 50_000_000 }), { maxLength: 600 }),
      fc.integer({ min: 1, max: 8 }),
      (bytes, workers) => {
        const symbols = bytes.map((_, i) => ({ symbol: `S${i}`, files: [] }));
        const ranges = symbolRanges(symbols, workers, bytes);
        expect(ranges.flat()).toEqual(symbols);
        for (const r of ranges) expect(r.length).toBeGreaterThan(0);
        const total = bytes.reduce((a, b) => a + Math.max(1, b), 0);
        let remaining = total;
        for (const r of ranges) {
          const size = r.reduce((a, s) => a + Math.max(1, bytes[Number(s.symbol.slice(1))]!), 0);
          // A range never takes more than its share of what is left, unless it is one symbol.
          if (r.length > 1)
            expect(size).toBeLessThanOrEqual(
              Math.max(total / (16 * workers), remaining / (2 * workers)) + 1e-6,
            );
          remaining -= size;
        }
      },
    ),
  );
});

test("equal histories: the first ranges are large, the last ones small", () => {
  const symbols = Array.from({ length: 507 }, (_, i) => ({ symbol: `S${i}`, files: [] }));
  const ranges = symbolRanges(symbols, 2, new Array(507).fill(1_100_000));
  expect(ranges[0]!.length).toBeGreaterThan(ranges[ranges.length - 1]!.length * 4);
  expect(ranges.length).toBeLessThan(40);
});
