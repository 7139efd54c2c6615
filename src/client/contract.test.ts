/**
 * Contract tests: every real captured response in fixtures/tastytrade decodes into typed records
 * (numbers from strings, sentinels → null) and, where ttapi tabulates it, into a DataFrame with
 * the declared schema. A new fixture file without a decoder here fails the test.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import type { Json, JsonObject } from "../core/json.ts";
import {
  accountsFrame,
  EQUITY_COLUMNS,
  equitiesFrame,
  flattenNestedChains,
  nestedChainsFrame,
  QUOTE_COLUMNS,
  quotesFrame,
  schemaOf,
} from "./frames.ts";
import {
  decodeAccount,
  decodeCryptocurrency,
  decodeCustomer,
  decodeEquity,
  decodeFuture,
  decodeFutureProduct,
  decodeItems,
  decodeMarketSession,
  decodeNestedChain,
  decodeQuantityPrecision,
  decodeQuote,
  decodeSearchResult,
} from "./models.ts";
import { decodeEnvelope, items } from "./wire.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const DIR = join(import.meta.dir, "../../fixtures/tastytrade");
const load = (name: string): JsonObject => JSON.parse(readFileSync(join(DIR, name), "utf8")) as JsonObject;
/** Fixtures hold the inner `data` object: wrap it the way the API does, and decode the envelope. */
const data = (name: string): JsonObject =>
  decodeEnvelope({ data: load(name) as Json, context: `/${name}`, pagination: null }, name).data;

const decoders: Record<string, (name: string) => unknown[]> = {
  "accounts.json": (n) => decodeItems(items(data(n), n), decodeAccount, n),
  "cryptocurrencies.json": (n) => decodeItems(items(data(n), n), decodeCryptocurrency, n),
  "customer.json": (n) => [decodeCustomer(data(n), n)],
  "equities.json": (n) => decodeItems(items(data(n), n), decodeEquity, n),
  "future-products.json": (n) => decodeItems(items(data(n), n), decodeFutureProduct, n),
  "futures.json": (n) => decodeItems(items(data(n), n), decodeFuture, n),
  "instrument-search.json": (n) => decodeItems(items(data(n), n), decodeSearchResult, n),
  "market-data-by-type.json": (n) => decodeItems(items(decodeEnvelope(load(n), n).data, n), decodeQuote, n),
  "market-session-current.json": (n) => [decodeMarketSession(data(n), n)],
  "nested-option-chain.json": (n) => decodeItems(items(data(n), n), decodeNestedChain, n),
  "quantity-decimal-precisions.json": (n) => decodeItems(items(data(n), n), decodeQuantityPrecision, n),
};

/** No string that looks like a number survives decoding (numbers are converted at the boundary). */
function assertNoNumericStrings(v: unknown, path: string, allow: Set<string>): void {
  if (typeof v === "string") {
    if (!allow.has(path.replace(/\[\d+\]/g, "[]")) && /^-?\d+(\.\d+)?$/.test(v))
      throw new Error(`numeric string at ${path}: ${v}`);
    return;
  }
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) assertNoNumericStrings(x, `${path}[${i}]`, allow);
  } else if (v && typeof v === "object")
    for (const [k, x] of Object.entries(v)) assertNoNumericStrings(x, `${path}.${k}`, allow);
}

describe("contract: fixtures/tastytrade", () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith(".json"));

  test("every fixture file has a decoder", () => {
    expect(files.length).toBeGreaterThanOrEqual(11);
    for (const f of files) expect(Object.keys(decoders)).toContain(f);
  });

  for (const f of files) {
    test(`${f} decodes with no numeric strings left`, () => {
      const decode = decoders[f];
      if (!decode) throw new Error(`no decoder for ${f}`);
      const records = decode(f);
      expect(records.length).toBeGreaterThan(0);
      // Identifiers that are digits by nature stay text.
      assertNoNumericStrings(records, "$", new Set(["$[].dayTraderStatus"]));
    });
  }

  test("market-data-by-type: strings → numbers, -1 halt sentinel → null, absent fields → null", () => {
    const n = "market-data-by-type.json";
    const rows = decodeItems(items(decodeEnvelope(load(n), n).data, n), decodeQuote, n);
    const aapl = rows.find((r) => r.symbol === "AAPL");
    expect(aapl?.bid).toBe(210.55);
    expect(aapl?.volume).toBe(35348839);
    expect(aapl?.haltStartTime).toBeNull();
    expect(aapl?.isTradingHalted).toBe(false);
    expect(aapl?.updatedAt).toBe(Date.parse("2025-04-29T21:33:25.535Z"));
    const btc = rows.find((r) => r.symbol === "BTC/USD");
    expect(btc?.close).toBeNull(); // crypto rows have no close/volume
    expect(btc?.volume).toBeNull();
    const df = quotesFrame(rows);
    expect(df.height).toBe(3);
    expect(df.schema).toEqual(schemaOf(QUOTE_COLUMNS));
    expect(df.getColumn("halt_start_time").nullCount()).toBe(3);
    expect(df.getColumn("close").nullCount()).toBe(1);
  });

  test("nested chain: strikes as numbers, OCC + streamer symbols, one row per strike", () => {
    const n = "nested-option-chain.json";
    const chains = decodeItems(items(data(n), n), decodeNestedChain, n);
    expect(chains[0]?.sharesPerContract).toBe(100);
    expect(chains[0]?.expirations[0]?.strikes[0]).toEqual({
      strikePrice: 500,
      call: "SPY   260804C00500000",
      callStreamerSymbol: ".SPY260804C500",
      put: "SPY   260804P00500000",
      putStreamerSymbol: ".SPY260804P500",
    });
    expect(flattenNestedChains(chains)).toHaveLength(9);
    const df = nestedChainsFrame(chains);
    expect(df.height).toBe(9);
    expect(df.getColumn("expiration_date").dtype.equals(pl.Date)).toBe(true);
    expect(df.getColumn("expiration_date").toArray()[0] as unknown).toEqual(new Date("2026-08-04T00:00:00Z"));
    expect(df.getColumn("strike_price").toArray()).toEqual([500, 505, 510, 500, 505, 510, 500, 505, 510]);
  });

  test("equities: tick sizes decoded, frame schema explicit", () => {
    const n = "equities.json";
    const rows = decodeItems(items(data(n), n), decodeEquity, n);
    expect(rows.map((r) => r.symbol)).toEqual(["AIFE", "AIFER", "FBDC"]);
    expect(rows[0]?.tickSizes).toEqual([
      { threshold: 1, value: 0.0001 },
      { threshold: null, value: 0.01 },
    ]);
    expect(rows[2]?.isEtf).toBe(true);
    const df = equitiesFrame(rows);
    expect(df.schema).toEqual(schemaOf(EQUITY_COLUMNS));
    expect(df.getColumn("tick_size").toArray()).toEqual([0.01, 0.01, 0.01]);
  });

  test("accounts: flat record, boolean drift accepted, frame built", () => {
    const n = "accounts.json";
    const rows = decodeItems(items(data(n), n), decodeAccount, n);
    expect(rows[0]?.isClosed).toBe(false);
    expect(rows[0]?.dayTraderStatus).toBe("false");
    expect(rows[0]?.createdAt).toBe(Date.parse("2020-01-01T00:00:00.000+00:00"));
    expect(accountsFrame(rows).height).toBe(1);
  });

  test("market session: nested sessions and +00:00 timestamps", () => {
    const s = decodeMarketSession(data("market-session-current.json"));
    expect(s.state).toBe("Closed");
    expect(s.openAt).toBe(Date.parse("2026-08-04T13:30:00Z"));
    expect(s.nextSession?.sessionDate).toBe("2026-08-04");
  });

  test("customer: only non-personal fields are kept", () => {
    const c = decodeCustomer(data("customer.json"));
    expect(Object.keys(c).sort()).toEqual(["hasDelayedQuotes", "isForeign", "isProfessional"]);
  });
});
