import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { mbfToNumber, mbfWordsToIeeeBits, numberToMbfBits, readMbf, writeMbf } from "./mbf.ts";

/** Reference vectors: the four file bytes (little-endian) → the value MetaStock means. */
const VECTORS: readonly { bytes: [number, number, number, number]; value: number }[] = [
  { bytes: [0x00, 0x00, 0x00, 0x81], value: 1 },
  { bytes: [0x00, 0x00, 0xc0, 0x81], value: -1.5 },
  { bytes: [0x29, 0x5c, 0x09, 0x84], value: Math.fround(8.585) },
  { bytes: [0x58, 0x13, 0x0a, 0x95], value: 1131115 },
  { bytes: [0x00, 0xc2, 0x30, 0x91], value: 90500 },
  { bytes: [0x00, 0x00, 0x00, 0x00], value: 0 },
  // Exponents 1 and 2 would be Inf/NaN or subnormal in IEEE: real data never uses them → 0.
  { bytes: [0x56, 0x34, 0x12, 0x01], value: 0 },
  { bytes: [0x56, 0x34, 0x12, 0x02], value: 0 },
  // Exponent 3 is the smallest that decodes (IEEE exponent 1), sign bit set.
  { bytes: [0x00, 0x00, 0x80, 0x03], value: -(2 ** -126) },
];

/** Both decoding paths — the scalar one (MASTER dates) and the bulk one (F#.DAT) — run one table. */
const DECODERS: Record<string, (bytes: Uint8Array) => number> = {
  "readMbf (scalar)": (b) => readMbf(b, 0),
  "mbfWordsToIeeeBits (bulk)": (b) => {
    const words = new Uint32Array(b.slice().buffer, 0, 1);
    const out = new Uint32Array(1);
    mbfWordsToIeeeBits(words, out, 1);
    return new Float32Array(out.buffer)[0]!;
  },
};

describe("MBF float32", () => {
  for (const [name, decode] of Object.entries(DECODERS)) {
    test(`${name}: reference test vectors (file bytes → value)`, () => {
      for (const { bytes, value } of VECTORS)
        expect([bytes, decode(Uint8Array.from(bytes))]).toEqual([bytes, value]);
    });

    test(`${name}: agrees with the uint32 decoder on random bit patterns`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 0xffffffff }), (x) => {
          const b = new Uint8Array(4);
          new DataView(b.buffer).setUint32(0, x, true);
          expect(decode(b)).toBe(mbfToNumber(x));
        }),
        { numRuns: 2000 },
      );
    });
  }

  test("the bulk decoder converts every word it is asked for, and only those", () => {
    const words = Uint32Array.from([0x81000000, 0x81c00000, 0x91300000, 0x81000000]);
    const out = new Uint32Array(4).fill(7);
    mbfWordsToIeeeBits(words, out, 3);
    expect(Array.from(new Float32Array(out.buffer, 0, 3))).toEqual([1, -1.5, mbfToNumber(0x91300000)]);
    expect(out[3]).toBe(7);
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
