import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { mbfToNumber, numberToMbfBits, readMbf, writeMbf } from "./mbf.ts";

const fromBytes = (b: number[]) => readMbf(Uint8Array.from(b), 0);

describe("MBF float32", () => {
  test("reference test vectors (file bytes → value)", () => {
    expect(fromBytes([0x00, 0x00, 0x00, 0x81])).toBe(1);
    expect(fromBytes([0x00, 0x00, 0xc0, 0x81])).toBe(-1.5);
    expect(fromBytes([0x29, 0x5c, 0x09, 0x84])).toBe(Math.fround(8.585));
    expect(fromBytes([0x58, 0x13, 0x0a, 0x95])).toBe(1131115);
    expect(fromBytes([0x00, 0xc2, 0x30, 0x91])).toBe(90500);
    expect(fromBytes([0x00, 0x00, 0x00, 0x00])).toBe(0);
    // Exponents 1 and 2 would be Inf/NaN or subnormal in IEEE: real data never uses them → 0.
    expect(mbfToNumber(0x01123456)).toBe(0);
    expect(mbfToNumber(0x02123456)).toBe(0);
  });

  test("encode → decode is the float32 rounding of any normal value", () => {
    fc.assert(
      fc.property(
        fc.float({ noNaN: true, noDefaultInfinity: true, min: Math.fround(-1e30), max: Math.fround(1e30) }),
        (v) => {
          const b = new Uint8Array(4);
          writeMbf(b, 0, v);
          const back = readMbf(b, 0);
          if (Math.abs(Math.fround(v)) < 2 ** -126)
            expect(back).toBe(0); // subnormal: no MBF form
          else expect(back).toBe(Math.fround(v) + 0); // (-0 encodes as 0)
        },
      ),
      { numRuns: 2000 },
    );
    expect(numberToMbfBits(1)).toBe(0x81000000);
  });
});
