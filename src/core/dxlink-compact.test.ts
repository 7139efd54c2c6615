import { describe, expect, test } from "bun:test";
import { encodeCompactData, jsonDouble } from "./dxlink-compact.ts";

describe("COMPACT encoder", () => {
  test('non-finite numbers travel as JSONDouble strings; a missing value of any kind as "NaN"', () => {
    expect([1.5, 0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY].map(jsonDouble)).toEqual([
      1.5,
      0,
      "NaN",
      "Infinity",
      "-Infinity",
    ]);
    expect([undefined, "AAPL", "\u0000", true, false].map(jsonDouble)).toEqual([
      "NaN",
      "AAPL",
      "\u0000",
      true,
      false,
    ]);
  });

  test("pairs are [type, values] with each event's values in field order, missing fields included", () => {
    const data = encodeCompactData([
      {
        type: "Quote",
        fields: ["eventSymbol", "bidPrice", "askExchangeCode"],
        events: [
          { eventSymbol: "AAPL", bidPrice: 1.25, askExchangeCode: "Q" },
          { eventSymbol: "MSFT", bidPrice: Number.NaN },
        ],
      },
      { type: "Trade", fields: ["eventSymbol", "price"], events: [{ eventSymbol: "SPY", price: 600 }] },
    ]);
    expect(JSON.parse(JSON.stringify(data))).toEqual([
      "Quote",
      ["AAPL", 1.25, "Q", "MSFT", "NaN", "NaN"],
      "Trade",
      ["SPY", 600],
    ]);
  });
});
