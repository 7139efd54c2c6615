import { describe, expect, setDefaultTimeout, test } from "bun:test";
import fc from "fast-check";
import {
  chiSquareCdf,
  chiSquareQuantile,
  normalCdf,
  normalQuantile,
  studentTCdf,
  studentTQuantile,
} from "./distributions.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

// Reference values: published t / chi-square tables, digits from scipy 1.17 (`stats.t.ppf`,
// `stats.chi2.ppf`, `stats.norm.ppf`).
const T_TABLE: [p: number, df: number, q: number][] = [
  [0.975, 1, 12.706204736174694],
  [0.975, 2, 4.302652729749462],
  [0.975, 3, 3.1824463052837078],
  [0.975, 5, 2.5705818356363146],
  [0.975, 10, 2.228138851986274],
  [0.975, 19, 2.0930240544083087],
  [0.975, 30, 2.0422724563012378],
  [0.975, 100, 1.9839715185235518],
  [0.975, 251, 1.9694602272245434],
  [0.95, 10, 1.8124611228116756],
  [0.995, 5, 4.032142983555228],
  [0.9, 4, 1.533206274058944],
  [0.999, 7, 4.785289628638333],
];
const CHI2_TABLE: [p: number, df: number, q: number][] = [
  [0.95, 1, 3.841458820694124],
  [0.975, 1, 5.023886187314888],
  [0.025, 1, 0.0009820691171752555],
  [0.95, 10, 18.307038053275146],
  [0.05, 10, 3.9402991361190605],
  [0.025, 10, 3.2469727802368413],
  [0.975, 10, 20.483177350807388],
  [0.99, 100, 135.80672317102676],
  [0.01, 100, 70.06489492539978],
  [0.975, 19, 32.85232686172969],
  [0.025, 19, 8.906516481987971],
  [0.025, 251, 209.01017669118488],
  [0.975, 251, 296.77625836435794],
  [0.001, 3, 0.024297585815692732],
  [0.9999, 2, 18.420680743952584],
  [0.025, 9, 2.7003894999803584],
  [0.975, 9, 19.02276779864163],
  [0.5, 0.5, 0.0873476047057468],
];

const close = (a: number, b: number, rel = 1e-9) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));

describe("normal quantile", () => {
  test.each([
    [0.975, 1.959963984540054],
    [0.995, 2.5758293035489004],
    [1e-10, -6.361340902404056],
    [0.3, -0.5244005127080409],
  ])("Φ⁻¹(%p) = %p", (p, q) => {
    expect(close(normalQuantile(p), q, 1e-12)).toBe(true);
  });
  test("round-trips through the CDF", () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-12, max: 1 - 1e-12, noNaN: true }), (p) => {
        expect(Math.abs(normalCdf(normalQuantile(p)) - p)).toBeLessThan(1e-13 + 1e-10 * p);
      }),
    );
  });
});

describe("Student t quantile", () => {
  test.each(T_TABLE)("t(%p, %p) = %p", (p, df, q) => {
    expect(close(studentTQuantile(p, df), q)).toBe(true);
    expect(close(studentTQuantile(1 - p, df), -q)).toBe(true);
  });
  test("round-trips through the CDF for any ν and p", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true }),
        fc.integer({ min: 1, max: 5000 }),
        (p, nu) => {
          const q = studentTQuantile(p, nu);
          expect(Number.isFinite(q)).toBe(true);
          expect(Math.abs(studentTCdf(q, nu) - p)).toBeLessThan(1e-10);
        },
      ),
    );
  });
  test("tends to the normal quantile for large ν", () => {
    expect(close(studentTQuantile(0.975, 1e7), normalQuantile(0.975), 1e-6)).toBe(true);
  });
});

describe("chi-square quantile", () => {
  test.each(CHI2_TABLE)("χ²(%p, %p) = %p", (p, df, q) => {
    expect(close(chiSquareQuantile(p, df), q)).toBe(true);
  });
  test("df = 2 has the closed form −2 ln(1 − p)", () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-9, max: 1 - 1e-9, noNaN: true }), (p) => {
        expect(close(chiSquareQuantile(p, 2), -2 * Math.log1p(-p), 1e-9)).toBe(true);
      }),
    );
  });
  test("df = 1 is the square of a normal quantile", () => {
    expect(close(chiSquareQuantile(0.9, 1), normalQuantile(0.95) ** 2, 1e-10)).toBe(true);
  });
  test("round-trips through the CDF for any k and p", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true }),
        fc.integer({ min: 1, max: 5000 }),
        (p, k) => {
          const q = chiSquareQuantile(p, k);
          expect(q).toBeGreaterThan(0);
          expect(Math.abs(chiSquareCdf(q, k) - p)).toBeLessThan(1e-10);
        },
      ),
    );
  });
  test("invalid arguments give NaN rather than a wrong number", () => {
    expect(chiSquareQuantile(0.5, 0)).toBeNaN();
    expect(studentTQuantile(1.5, 3)).toBeNaN();
  });
});
