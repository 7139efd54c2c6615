/**
 * Wire conformance: for every captured TastyTrade response in fixtures/tastytrade, the sim's answer
 * to the corresponding request has the same keys and JSON types, recursively (arrays by element
 * shape). The fixtures hold the inner `data` object except market-data-by-type.json (whole body).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Harness, harness } from "../testing/harness.ts";
import { shapeDiff, shapeOf } from "../testing/shape.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const FIXTURES = join(import.meta.dir, "../../../fixtures/tastytrade");

/** Fixture file → the sim request that answers it, and whether the fixture holds the whole body. */
const REQUESTS: Record<string, { path: string; whole?: boolean }> = {
  "accounts.json": { path: "/customers/me/accounts" },
  "customer.json": { path: "/customers/me" },
  "equities.json": { path: "/instruments/equities?symbol[]=AAPL&symbol[]=SPY&symbol[]=MSFT" },
  "nested-option-chain.json": { path: "/option-chains/SPY/nested" },
  "market-data-by-type.json": {
    path: "/market-data/by-type?equity=AAPL,TSLA&cryptocurrency=BTC%2FUSD",
    whole: true,
  },
  "market-session-current.json": { path: "/market-time/sessions/current" },
  "quantity-decimal-precisions.json": { path: "/instruments/quantity-decimal-precisions" },
  "instrument-search.json": { path: "/symbols/search/%2FC" },
  "cryptocurrencies.json": { path: "/instruments/cryptocurrencies" },
  "futures.json": { path: "/instruments/futures" },
  "future-products.json": { path: "/instruments/future-products" },
};

let h: Harness;
beforeAll(async () => {
  h = await harness({ seed: "conformance" });
});
afterAll(() => h.sim.stop());

describe("sim answers have the captured wire shapes", () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith(".json"));
  test("every fixture file has a request mapped", () => {
    expect(files.filter((f) => !REQUESTS[f])).toEqual([]);
  });
  for (const file of files) {
    test(file, async () => {
      const spec = REQUESTS[file];
      if (!spec) throw new TypeError(`no request mapped for ${file}`);
      const captured = JSON.parse(readFileSync(join(FIXTURES, file), "utf8")) as unknown;
      const body = await h.json<{ data: unknown; context: string }>(spec.path);
      expect(typeof body.context).toBe("string");
      const actual = spec.whole ? body : body.data;
      expect(shapeDiff(shapeOf(captured), shapeOf(actual))).toEqual([]);
    });
  }
});

describe("by-type rows per instrument type", () => {
  test("equity and cryptocurrency rows each have the captured shape of their type", async () => {
    const captured = JSON.parse(readFileSync(join(FIXTURES, "market-data-by-type.json"), "utf8")) as {
      data: { items: Record<string, unknown>[] };
    };
    const body = await h.json<{ data: { items: Record<string, unknown>[] } }>(
      "/market-data/by-type?equity=AAPL,TSLA&cryptocurrency=BTC%2FUSD",
    );
    expect(body.data.items.map((r) => r.symbol)).toEqual(["AAPL", "TSLA", "BTC/USD"]);
    for (const type of ["Equity", "Cryptocurrency"]) {
      const want = captured.data.items.filter((r) => r["instrument-type"] === type);
      const got = body.data.items.filter((r) => r["instrument-type"] === type);
      expect(got.length).toBeGreaterThan(0);
      expect(shapeDiff(shapeOf(want), shapeOf(got))).toEqual([]);
    }
  });
});
