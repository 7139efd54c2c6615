/**
 * The chain-scan worker pool gives exactly the inline scanner's result (columns transferred back,
 * offsets into the caller's text), scans small bodies inline, and never loses a body: closing the
 * pool finishes pending scans on the calling thread.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { ChainScanPool, INLINE_SCAN_MAX } from "./chain-pool.ts";
import { nestedChainRecords } from "./chain-records.ts";
import { scanNestedChains } from "./chain-scan.ts";
import { nestedChainsFrame } from "./frames.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

function body(strikes: number, extra = ""): string {
  const list = Array.from({ length: strikes }, (_, i) => ({
    call: `SPY   260807C${String(i * 500).padStart(8, "0")}`,
    "call-streamer-symbol": `.SPY260807C${i / 2}`,
    put: `SPY   260807P${String(i * 500).padStart(8, "0")}`,
    "put-streamer-symbol": `.SPY260807P${i / 2}`,
    "strike-price": (i / 2).toFixed(1),
  }));
  return JSON.stringify({
    data: {
      items: [
        {
          "underlying-symbol": `SPY${extra}`,
          "root-symbol": "SPY",
          "shares-per-contract": 100,
          expirations: [{ "expiration-date": "2026-08-07", "days-to-expiration": 3, strikes: list }],
        },
      ],
    },
    context: "/option-chains/SPY/nested",
  });
}

const pool = new ChainScanPool(1);
afterAll(() => pool.close());

describe("ChainScanPool", () => {
  test("a large body scanned on the worker equals the inline scan (records and frame)", async () => {
    const text = body(600);
    expect(text.length).toBeGreaterThan(INLINE_SCAN_MAX);
    const viaWorker = await pool.scan(text);
    const inline = scanNestedChains(text);
    expect(viaWorker).not.toBeNull();
    expect(viaWorker?.strikes.text).toBe(text);
    const a = nestedChainRecords(viaWorker!);
    const b = nestedChainRecords(inline!);
    expect(nestedChainsFrame(a).frameEqual(nestedChainsFrame(b), true)).toBe(true);
    expect(a).toEqual(b);
  });

  test("many bodies in flight resolve to their own results; declined bodies give null", async () => {
    const texts = Array.from({ length: 12 }, (_, i) => body(400, String(i)));
    const results = await Promise.all(texts.map((t) => pool.scan(t)));
    for (const [i, r] of results.entries()) expect(r?.chains[0]?.underlyingSymbol).toBe(`SPY${i}`);
    expect(await pool.scan(`${body(400)} trailing`)).toBeNull();
    expect(await pool.scan(body(1))).not.toBeNull(); // small: inline
  });

  test("close() finishes pending scans inline", async () => {
    const p = new ChainScanPool(1);
    const pending = p.scan(body(800));
    p.close();
    expect((await pending)?.strikes.length).toBe(800);
  });
});
