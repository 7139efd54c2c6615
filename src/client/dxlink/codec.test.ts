import { describe, expect, setDefaultTimeout, test } from "bun:test";
import fc from "fast-check";
import { encodeCompactData } from "../../core/dxlink-compact.ts";
import {
  batchToColumns,
  batchToEvents,
  decodeCompactData,
  decodeFullData,
  toNumber,
  toText,
} from "./codec.ts";
import { EVENT_SCHEMAS, EVENT_TYPES, type EventType, type FieldKind } from "./events.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const jsonDouble = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.constant(null),
);
const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constant("\u0000"), fc.constant(null));
const bool = fc.oneof(fc.boolean(), fc.constant(null));

function valueFor(kind: FieldKind) {
  return kind === "number" ? jsonDouble : kind === "boolean" ? bool : text;
}

/** A random event type, a random server field list (subset, random order) and random events for it. */
const pairArb = fc.constantFrom(...EVENT_TYPES).chain((type: EventType) => {
  const all = Object.keys(EVENT_SCHEMAS[type]);
  return fc.shuffledSubarray(all, { minLength: 1 }).chain((fields) =>
    fc
      .array(fc.tuple(...fields.map((f) => valueFor(EVENT_SCHEMAS[type][f]!))), { maxLength: 20 })
      .map((rows) => ({
        type,
        fields,
        events: rows.map((row) => Object.fromEntries(fields.map((f, i) => [f, row[i]]))),
      })),
  );
});

/** What a decoded value must be: non-finite numbers, null and "NaN" text become null. */
function expected(kind: FieldKind, v: unknown): unknown {
  if (kind === "number")
    return typeof v === "number" && Number.isFinite(v) ? (Object.is(v, -0) ? 0 : v) : null;
  return v === "NaN" ? null : v;
}

describe("COMPACT codec", () => {
  test("round-trips random events for random server field lists, over every pair", () => {
    fc.assert(
      fc.property(fc.array(pairArb, { minLength: 1, maxLength: 4 }), (pairs) => {
        // Several pairs of one type in one message would need one field list: keep the first per type.
        const seen = new Set<string>();
        const unique = pairs.filter((p) => (seen.has(p.type) ? false : seen.add(p.type)));
        const wire = JSON.parse(JSON.stringify({ data: encodeCompactData(unique) })).data;
        const lists = new Map<string, readonly string[]>(unique.map((p) => [p.type, p.fields]));
        const res = decodeCompactData(wire, (t) => lists.get(t));
        expect(res.rejected).toEqual([]);
        expect(res.pending).toEqual([]);
        expect(res.batches.length).toBe(unique.length);
        for (let i = 0; i < unique.length; i++) {
          const p = unique[i]!;
          const b = res.batches[i]!;
          expect(b.type).toBe(p.type);
          expect(b.count).toBe(p.events.length);
          const events = batchToEvents(b);
          const cols = batchToColumns(b);
          for (let e = 0; e < p.events.length; e++) {
            for (let f = 0; f < p.fields.length; f++) {
              const field = p.fields[f]!;
              const kind = EVENT_SCHEMAS[p.type][field]!;
              const want = expected(kind, p.events[e]![field]);
              const got = events[e]![field];
              if (field === "eventType" && want === null) expect(got).toBe(p.type);
              else expect(Object.is(got, -0) ? 0 : got).toEqual(want as never);
              const c = cols.columns[f]!;
              const colVal = c instanceof Float64Array ? (Number.isNaN(c[e]!) ? null : c[e]) : c[e];
              expect(Object.is(colVal, -0) ? 0 : colVal).toEqual(want as never);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  test("decodes by the server's list, not the requested one", () => {
    // Server dropped VWAP and reordered: decoding must follow its list.
    const data = ["Candle", ["AAPL", 10, 12, "AAPL", 11, 13]];
    const res = decodeCompactData(data, () => ["eventSymbol", "close", "high"]);
    expect(batchToEvents(res.batches[0]!)).toEqual([
      { eventType: "Candle", eventSymbol: "AAPL", close: 10, high: 12 },
      { eventType: "Candle", eventSymbol: "AAPL", close: 11, high: 13 },
    ]);
  });

  test("rejects a pair whose length is not a multiple of the field count, keeps the others", () => {
    const data = ["Quote", ["SPY", 1, 2, "QQQ", 3], "Trade", ["SPY", 5]];
    const res = decodeCompactData(data, (t) =>
      t === "Quote" ? ["eventSymbol", "bidPrice", "askPrice"] : ["eventSymbol", "price"],
    );
    expect(res.rejected.map((r) => r.type)).toEqual(["Quote"]);
    expect(res.batches.map((b) => b.type)).toEqual(["Trade"]);
  });

  test("holds pairs whose field list is not known yet", () => {
    const res = decodeCompactData(["Greeks", ["X", 1]], () => undefined);
    expect(res.pending).toEqual([{ type: "Greeks", values: ["X", 1] }]);
  });

  test("the reference's TastyTrade example: exponent numbers and NaN sizes", () => {
    const msg = JSON.parse(
      '{"type":"FEED_DATA","channel":3,"data":["Trade",["Trade","SPY",559.36,1.3743299E7,100.0,"Trade","BTC/USD:CXTALP",58356.71,"NaN","NaN"]]}',
    );
    const res = decodeCompactData(msg.data, () => ["eventType", "eventSymbol", "price", "dayVolume", "size"]);
    expect(batchToEvents(res.batches[0]!)).toEqual([
      { eventType: "Trade", eventSymbol: "SPY", price: 559.36, dayVolume: 13743299, size: 100 },
      { eventType: "Trade", eventSymbol: "BTC/USD:CXTALP", price: 58356.71, dayVolume: null, size: null },
    ]);
  });

  test("FULL data is regrouped per type with omitted fields as null", () => {
    const res = decodeFullData([
      { eventType: "Quote", eventSymbol: "AAPL", bidPrice: 1, askPrice: "NaN" },
      { eventType: "Trade", eventSymbol: "AAPL", price: 2 },
      { eventType: "Quote", eventSymbol: "MSFT", askPrice: 3 },
    ]);
    const quotes = batchToEvents(res.batches.find((b) => b.type === "Quote")!);
    expect(quotes).toEqual([
      { eventType: "Quote", eventSymbol: "AAPL", bidPrice: 1, askPrice: null },
      { eventType: "Quote", eventSymbol: "MSFT", bidPrice: null, askPrice: 3 },
    ]);
  });

  test('a text field the event does not have travels as "NaN" and decodes as null, not the text', () => {
    // The sim's encoder, like dxLink, sends any absent value as "NaN" (the wire has no null).
    const fields = ["eventSymbol", "bidExchangeCode", "askExchangeCode", "bidPrice"];
    const wire = encodeCompactData([
      { type: "Quote", fields, events: [{ eventSymbol: "SPY", askExchangeCode: "Q", bidPrice: 1 }] },
    ]);
    expect(wire).toEqual(["Quote", ["SPY", "NaN", "Q", 1]]);
    const batch = decodeCompactData(wire, () => fields).batches[0]!;
    expect(batchToEvents(batch)).toEqual([
      { eventType: "Quote", eventSymbol: "SPY", bidExchangeCode: null, askExchangeCode: "Q", bidPrice: 1 },
    ]);
    expect(batchToColumns(batch).columns.slice(1, 3)).toEqual([[null], ["Q"]]);
    expect(toText("NaN")).toBeNull();
    expect(toText("\u0000")).toBe("\u0000");
  });

  test("JSONDouble mapping", () => {
    expect(toNumber("NaN")).toBeNull();
    expect(toNumber("Infinity")).toBeNull();
    expect(toNumber("-Infinity")).toBeNull();
    expect(toNumber(1.5e7)).toBe(15_000_000);
    expect(toNumber("2.5")).toBe(2.5);
  });
});
