import { expect, setDefaultTimeout, test } from "bun:test";
import { expectedMoves, ivVsHv, parseImpliedInputs } from "./implied.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

test("IV vs HV30 spread and ratio", () => {
  const r = ivVsHv("SPY", 0.25, 0.2);
  expect(r.spread).toBeCloseTo(0.05, 15);
  expect(r.ratio).toBeCloseTo(1.25, 15);
  expect(r.reason).toBeNull();
  expect(ivVsHv("SPY", null, 0.2)).toMatchObject({ spread: null, ratio: null, reason: "no IV index" });
  expect(ivVsHv("SPY", 0.2, null).reason).toBe("no 30-day historical volatility");
  expect(ivVsHv("SPY", 0.2, 0)).toMatchObject({ spread: 0.2, ratio: null });
});

test("expected move = price × IV × √(DTE/365) with ±1σ and confidence interval", () => {
  const rows = expectedMoves(
    {
      symbol: "SPY",
      ivIndex: 0.2,
      price: 500,
      expirations: [
        { expiration: "2026-12-18", dte: 27, iv: 0.18 },
        { expiration: "2027-01-15", dte: 55, iv: null }, // falls back to the IV index
        { expiration: "2026-11-21", dte: 0, iv: 0.3 },
      ],
    },
    1.959963984540054,
  );
  const m0 = 500 * 0.18 * Math.sqrt(27 / 365);
  expect(rows[0]!.move).toBeCloseTo(m0, 12);
  expect(rows[0]!.low1sd).toBeCloseTo(500 - m0, 12);
  expect(rows[0]!.high1sd).toBeCloseTo(500 + m0, 12);
  expect(rows[0]!.ciHigh).toBeCloseTo(500 + 1.959963984540054 * m0, 12);
  expect(rows[1]!.iv).toBe(0.2);
  expect(rows[1]!.move).toBeCloseTo(500 * 0.2 * Math.sqrt(55 / 365), 12);
  expect(rows[2]!.move).toBe(0);
});

test("missing inputs give null with a reason, never NaN", () => {
  const rows = expectedMoves(
    {
      symbol: "X",
      ivIndex: null,
      price: Number.NaN,
      expirations: [{ expiration: "2026-12-18", dte: 27, iv: 0.2 }],
    },
    2,
  );
  expect(rows[0]).toMatchObject({ move: null, reason: "no underlying price" });
  const rows2 = expectedMoves(
    { symbol: "X", ivIndex: null, price: 10, expirations: [{ expiration: "2026-12-18", dte: 27, iv: null }] },
    2,
  );
  expect(rows2[0]).toMatchObject({ move: null, reason: "no implied volatility" });
});

test("parseImpliedInputs validates shape and names the offending element", () => {
  const ok = parseImpliedInputs(
    [
      {
        symbol: "SPY",
        ivIndex: 0.2,
        price: 500,
        expirations: [{ expiration: "2026-12-18", dte: 27, iv: null }],
      },
    ],
    "m.json",
  );
  expect(ok[0]!.expirations[0]).toEqual({ expiration: "2026-12-18", dte: 27, iv: null });
  expect(() => parseImpliedInputs({}, "m.json")).toThrow("m.json: top level: expected a JSON array");
  expect(() => parseImpliedInputs([{ symbol: "SPY", expirations: [{ expiration: "x" }] }], "m.json")).toThrow(
    "m.json: element 0 (SPY) expirations[0]: missing dte",
  );
});
