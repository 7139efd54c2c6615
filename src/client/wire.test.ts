import { describe, expect, setDefaultTimeout, test } from "bun:test";
import fc from "fast-check";
import { isTTError } from "../core/errors.ts";
import { buildQuery, byTypeQuery, chunkByType, pathSymbol } from "./query.ts";
import { bool, decodeApiError, decodeEnvelope, int, num, numOrUnset, signed, time } from "./wire.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

describe("wire numbers", () => {
  test("strings and numbers → finite numbers; sentinels → null", () => {
    expect(num({ a: "500.0" }, "a")).toBe(500);
    expect(num({ a: "-0.25" }, "a")).toBe(-0.25);
    expect(num({ a: 3 }, "a")).toBe(3);
    expect(num({ a: "NaN" }, "a")).toBeNull();
    expect(num({ a: "" }, "a")).toBeNull();
    expect(num({ a: null }, "a")).toBeNull();
    expect(num({}, "a")).toBeNull();
    expect(numOrUnset({ a: -1 }, "a")).toBeNull();
    expect(numOrUnset({ a: "-1" }, "a")).toBeNull();
    expect(num({ a: -1 }, "a")).toBe(-1); // -1 is only a sentinel where the API uses it as one
  });

  test("a non-numeric string is one E_PARSE naming the field", () => {
    try {
      num({ "strike-price": "abc" }, "strike-price", "GET /option-chains/SPY/nested");
      throw new Error("unreachable");
    } catch (e) {
      expect(isTTError(e) && e.code).toBe("E_PARSE");
      expect((e as Error).message).toContain('"strike-price"');
      expect((e as Error).message).toContain("/option-chains/SPY/nested");
    }
  });

  test("property: any finite double survives the string round trip", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(num({ v: String(x) }, "v")).toBe(Object.is(x, -0) ? 0 : x); // String(-0) is "0"
      }),
    );
  });

  test("integers, booleans, timestamps, signed money", () => {
    expect(int({ a: "100" }, "a")).toBe(100);
    expect(() => int({ a: "1.5" }, "a")).toThrow();
    expect(bool({ a: "false" }, "a")).toBe(false);
    expect(bool({ a: true }, "a")).toBe(true);
    expect(time({ t: "2026-08-31T18:05:00.000+00:00" }, "t")).toBe(Date.parse("2026-08-31T18:05:00Z"));
    expect(time({ t: -1 }, "t")).toBeNull();
    expect(signed({ "pending-cash": "12.5", "pending-cash-effect": "Debit" }, "pending-cash")).toBe(-12.5);
    expect(signed({ "pending-cash": "12.5", "pending-cash-effect": "Credit" }, "pending-cash")).toBe(12.5);
  });

  test("envelope and error bodies", () => {
    const e = decodeEnvelope(
      {
        data: { items: [] },
        context: "/x",
        pagination: { "page-offset": 0, "total-pages": 3, "per-page": "10" },
      },
      "t",
    );
    expect(e.pagination?.totalPages).toBe(3);
    expect(e.pagination?.perPage).toBe(10);
    expect(() => decodeEnvelope({ items: [] }, "t")).toThrow(/no "data" envelope/);
    expect(
      decodeApiError({ error: { code: 406, message: "The requested version is not supported." } }),
    ).toEqual({ code: "406", message: "The requested version is not supported." });
    expect(decodeApiError({ error: "invalid_grant", error_description: "bad" })).toEqual({
      code: "invalid_grant",
      message: "bad",
    });
    expect(
      decodeApiError({
        error_code: "invalid_request",
        error_description: "User is not a TastyTrade customer",
      }).code,
    ).toBe("invalid_request");
  });
});

describe("query building", () => {
  test("path symbols are encoded exactly once", () => {
    expect(pathSymbol("BRK/B")).toBe("BRK%2FB");
    expect(pathSymbol("SPY   260804C00500000")).toBe("SPY%20%20%20260804C00500000");
    expect(pathSymbol("./ESZ9 EW4U9 190927P2975")).toBe(".%2FESZ9%20EW4U9%20190927P2975");
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (s) => {
        expect(decodeURIComponent(pathSymbol(s))).toBe(s);
        expect(pathSymbol(s)).not.toContain("/");
      }),
    );
  });

  test("brackets by default, comma lists where the API wants them", () => {
    expect(buildQuery([{ key: "symbol", value: ["AAPL", "BRK/B"] }])).toBe("?symbol[]=AAPL&symbol[]=BRK%2FB");
    expect(buildQuery([{ key: "symbols", value: ["AAPL", "BRK/B"], array: "comma" }])).toBe(
      "?symbols=AAPL,BRK%2FB",
    );
    expect(
      byTypeQuery({
        equity: ["AAPL", "TSLA"],
        "equity-option": ["SPY   250428P00355000"],
        cryptocurrency: ["BTC/USD"],
      }),
    ).toBe("?equity=AAPL,TSLA&equity-option=SPY%20%20%20250428P00355000&cryptocurrency=BTC%2FUSD");
  });

  test("property: by-type chunks hold ≤ 100 symbols in total and lose none", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 350 }),
        fc.array(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 120 }),
        (equity, index) => {
          const chunks = chunkByType({ equity, index });
          for (const c of chunks)
            expect((c.equity?.length ?? 0) + (c.index?.length ?? 0)).toBeLessThanOrEqual(100);
          expect(chunks.flatMap((c) => c.index ?? [])).toEqual(index);
          expect(chunks.flatMap((c) => c.equity ?? [])).toEqual(equity);
          expect(chunks.length).toBe(Math.ceil((equity.length + index.length) / 100));
        },
      ),
    );
  });
});
