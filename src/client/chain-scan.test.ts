/**
 * The columnar nested-chain scanner against the generic path (JSON.parse + decodeNestedChain):
 * whenever the scanner accepts a body, its records are equal to the generic decoder's; it
 * declines (null) every truncated or malformed body; the plain wire shape always takes the fast
 * path; and the chain DataFrame built from its columns equals the one built from records.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import type { Json } from "../core/json.ts";
import { nestedChainRecords, strikeColumnsOf } from "./chain-records.ts";
import { decimal, scanNestedChains } from "./chain-scan.ts";
import { nestedChainsFrame } from "./frames.ts";
import { decodeNestedChain, type NestedChain } from "./models.ts";
import { decodeEnvelope, items } from "./wire.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const FIXTURE = join(import.meta.dir, "../../fixtures/tastytrade/nested-option-chain.json");

function generic(text: string): NestedChain[] {
  const env = decodeEnvelope(JSON.parse(text) as Json, "test");
  return items(env.data, "test").map((c) => decodeNestedChain(c, "test"));
}

/** Records without the lazy getters (forces materialisation), for deep comparison. */
const plain = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;

const numText = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((d) => String(d)),
  fc.integer({ min: 0, max: 5000 }).map((i) => `${i}.0`),
  fc.constantFrom("", "NaN", "1e3", "0.5"),
);
const symbol = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.constantFrom("SPY   260804C00500000", ".SPY260804C500", "BRK/B", 'a"b', "back\\slash", "ünï"),
);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 5 });

const strikeArb = fc.record(
  {
    "strike-price": fc.oneof(numText, fc.double({ min: 0, max: 1e4, noNaN: true }), fc.constant(null)),
    call: fc.oneof(symbol, fc.constant(null)),
    "call-streamer-symbol": fc.oneof(symbol, fc.constant(null)),
    put: fc.oneof(symbol, fc.constant(null)),
    "put-streamer-symbol": fc.oneof(symbol, fc.constant(null)),
    extra: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: [] },
);
const expirationArb = fc.record(
  {
    "days-to-expiration": fc.oneof(fc.integer({ min: 0, max: 900 }), fc.constant("12"), fc.constant(null)),
    "expiration-date": fc.oneof(fc.constant("2026-08-04"), fc.constant(""), fc.constant(null)),
    "expiration-type": maybe(fc.constantFrom("Weekly", "Regular", "Quarterly")),
    "settlement-type": maybe(fc.constantFrom("PM", "AM")),
    strikes: fc.oneof(fc.array(strikeArb, { maxLength: 6 }), fc.constant(null)),
  },
  { requiredKeys: [] },
);
const chainArb = fc.record(
  {
    "underlying-symbol": fc.oneof(symbol, fc.constant(null)),
    "root-symbol": maybe(symbol),
    "option-chain-type": maybe(fc.constantFrom("Standard", "Non-standard")),
    "shares-per-contract": maybe(fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.constant("100"))),
    deliverables: maybe(fc.jsonValue({ maxDepth: 3 })),
    expirations: fc.array(expirationArb, { maxLength: 4 }),
  },
  { requiredKeys: ["underlying-symbol", "expirations"] },
);
const bodyArb = fc.record({
  chains: fc.array(chainArb, { maxLength: 3 }),
  indent: fc.constantFrom(0, 1, 2),
  context: fc.oneof(fc.constant("/option-chains/SPY/nested"), fc.constant(null)),
});

describe("decimal", () => {
  test("property: equals Number() exactly whenever it accepts, accepts plain prices", () => {
    const text = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      fc.integer({ min: 0, max: 10 ** 9 }).chain((i) => fc.nat(6).map((k) => (i / 10 ** k).toFixed(k))),
      fc.stringMatching(/^-?\d{0,17}(\.\d{0,17})?$/),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(text, (s) => {
        const v = decimal(`"${s}"`, 1, s.length + 1);
        if (!Number.isNaN(v)) expect(Object.is(v, Number(s))).toBe(true);
        if (/^-?\d{1,9}(\.\d{1,6})?$/.test(s)) expect(Number.isNaN(v)).toBe(false);
      }),
      { numRuns: 3000 },
    );
    expect(decimal("207.5", 0, 5)).toBe(207.5);
    expect(decimal("0.1", 0, 3)).toBe(0.1);
    expect(decimal("1e3", 0, 3)).toBeNaN();
  });
});

describe("scanNestedChains", () => {
  test("fixture: scanned records equal the generic decoder's", () => {
    const text = JSON.stringify({ data: JSON.parse(readFileSync(FIXTURE, "utf8")), context: "/x" }, null, 2);
    const scanned = scanNestedChains(text);
    expect(scanned).not.toBeNull();
    const records = nestedChainRecords(scanned!);
    expect(records).toEqual(generic(text));
    expect(records[0]?.expirations[0]?.strikes[0]).toEqual({
      strikePrice: 500,
      call: "SPY   260804C00500000",
      callStreamerSymbol: ".SPY260804C500",
      put: "SPY   260804P00500000",
      putStreamerSymbol: ".SPY260804P500",
    });
  });

  test("property: accepted bodies decode exactly like JSON.parse + decodeNestedChain", () => {
    let accepted = 0;
    let declined = 0;
    fc.assert(
      fc.property(bodyArb, ({ chains, indent, context }) => {
        const text = JSON.stringify({ data: { items: chains }, context, pagination: null }, null, indent);
        let expected: NestedChain[] | "error";
        try {
          expected = generic(text);
        } catch {
          expected = "error";
        }
        const scanned = scanNestedChains(text);
        if (scanned === null) {
          declined++; // the generic path decides
          return;
        }
        accepted++;
        expect(expected).not.toBe("error"); // never accepts what the decoder rejects
        expect(plain(nestedChainRecords(scanned))).toEqual(plain(expected));
      }),
      { numRuns: 400 },
    );
    // The generator must exercise both paths, not just the fallback.
    expect(accepted).toBeGreaterThan(40);
    expect(declined).toBeGreaterThan(40);
  });

  test("property: the plain wire shape always takes the fast path", () => {
    const plainStrike = fc.record({
      call: fc.stringMatching(/^[A-Z ]{6}\d{6}[CP]\d{8}$/),
      "call-streamer-symbol": fc.stringMatching(/^\.[A-Z]{1,5}\d{6}C\d+$/),
      put: fc.stringMatching(/^[A-Z ]{6}\d{6}[CP]\d{8}$/),
      "put-streamer-symbol": fc.stringMatching(/^\.[A-Z]{1,5}\d{6}P\d+$/),
      "strike-price": fc.integer({ min: 1, max: 100000 }).map((i) => `${i / 10}`),
    });
    // The same layout with values only the general rules handle (sentinels, bad numbers, escapes).
    const oddStrike = fc.record({
      call: fc.constantFrom("SPY   260804C00500000", 'S"PY'),
      "call-streamer-symbol": fc.constant(".SPY260804C500"),
      put: fc.constantFrom("SPY   260804P00500000", ""),
      "put-streamer-symbol": fc.constant(".SPY260804P500"),
      "strike-price": fc.constantFrom("NaN", "", "abc", "1e2", "Infinity", "-NaN"),
    });
    fc.assert(
      fc.property(
        fc.array(plainStrike, { minLength: 1, maxLength: 20 }),
        fc.constantFrom(0, 2),
        (strikes, indent) => {
          const chain = {
            "underlying-symbol": "SPY",
            "root-symbol": "SPY",
            "option-chain-type": "Standard",
            "shares-per-contract": 100,
            expirations: [
              {
                "days-to-expiration": 3,
                "expiration-date": "2026-08-07",
                "expiration-type": "Weekly",
                "settlement-type": "PM",
                strikes,
              },
            ],
          };
          const text = JSON.stringify({ data: { items: [chain] }, context: "/c" }, null, indent);
          const scanned = scanNestedChains(text);
          expect(scanned).not.toBeNull();
          expect(plain(nestedChainRecords(scanned!))).toEqual(plain(generic(text)));
        },
      ),
      { numRuns: 200 },
    );
    let fallbacks = 0;
    fc.assert(
      fc.property(fc.array(fc.oneof(plainStrike, oddStrike), { minLength: 1, maxLength: 8 }), (strikes) => {
        const chain = { "underlying-symbol": "SPY", expirations: [{ strikes }] };
        const text = JSON.stringify({ data: { items: [chain] } });
        let expected: unknown;
        try {
          expected = plain(generic(text));
        } catch {
          expected = "error";
        }
        const scanned = scanNestedChains(text);
        if (expected === "error") expect(scanned).toBeNull();
        else if (scanned) expect(plain(nestedChainRecords(scanned))).toEqual(expected);
        else fallbacks++;
      }),
      { numRuns: 300 },
    );
    expect(fallbacks).toBeGreaterThan(0); // escaped symbols
  });

  test("every truncation of a body, and trailing garbage, are declined", () => {
    const text = JSON.stringify({ data: JSON.parse(readFileSync(FIXTURE, "utf8")), context: "/x" });
    for (let cut = 0; cut < text.length; cut += 7) expect(scanNestedChains(text.slice(0, cut))).toBeNull();
    expect(scanNestedChains(text.slice(0, -1))).toBeNull();
    expect(scanNestedChains(`${text} x`)).toBeNull();
    expect(scanNestedChains(`${text}  \n`)).not.toBeNull();
  });

  test("shapes the generic path must handle are declined: pagination, escapes, numbers as symbols", () => {
    const chain = (strike: Record<string, Json>) =>
      JSON.stringify({
        data: { items: [{ "underlying-symbol": "X", expirations: [{ strikes: [strike] }] }] },
      });
    expect(scanNestedChains(chain({ call: "A" }))).not.toBeNull();
    expect(scanNestedChains(chain({ call: 'A"B' }))).toBeNull();
    expect(scanNestedChains(chain({ call: 12 }))).toBeNull();
    expect(scanNestedChains(chain({ "strike-price": "abc" }))).toBeNull();
    expect(
      scanNestedChains(JSON.stringify({ data: { items: [] }, pagination: { "total-pages": 2 } })),
    ).toBeNull();
    expect(scanNestedChains(JSON.stringify({ data: { items: [{ expirations: [] }] } }))).toBeNull();
    expect(scanNestedChains(JSON.stringify({ context: "x" }))).toBeNull();
  });

  test("lazy strikes: materialised once, assignable, and the frame reads the columns", () => {
    const text = JSON.stringify({ data: JSON.parse(readFileSync(FIXTURE, "utf8")) });
    const a = nestedChainRecords(scanNestedChains(text)!);
    const b = generic(text);
    const fromColumns = nestedChainsFrame(a);
    expect(strikeColumnsOf(a[0]!.expirations[0]!)).toBeDefined();
    expect(fromColumns.frameEqual(nestedChainsFrame(b), true)).toBe(true);
    const e = a[0]!.expirations[0]!;
    const first = e.strikes;
    expect(e.strikes).toBe(first);
    expect(strikeColumnsOf(e)).toBeUndefined();
    e.strikes = first.slice(0, 1);
    expect(e.strikes).toHaveLength(1);
    expect(nestedChainsFrame(a).height).toBe(fromColumns.height - first.length + 1);
    // A frozen record still yields its strikes (materialised once, then cached).
    const frozen = Object.freeze(nestedChainRecords(scanNestedChains(text)!)[0]!.expirations[0]!);
    const firstRead = frozen.strikes;
    expect(firstRead).toEqual(b[0]!.expirations[0]!.strikes);
    expect(frozen.strikes).toBe(firstRead); // the same array again, not a fresh decode
  });
});
