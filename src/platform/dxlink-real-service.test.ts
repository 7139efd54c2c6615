/**
 * (Lives in src/platform because only this layer may import both src/client and src/sim.)
 *
 * The DXLink client against server behaviours seen (or possible) on the real service, each served by
 * the sim: candles echoed in dxFeed's canonical form (`SPY{=d}` for `SPY{=1d}`), `tho=true` on daily
 * candle subscriptions, FEED_CONFIG without `eventFields` (decode by the requested list, count what
 * cannot be decoded), and ERROR UNSUPPORTED_PROTOCOL / BAD_ACTION ending in a bounded failure that
 * carries the server's message instead of reconnecting forever.
 */
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { candleSymbol, DxlinkClient, fetchCandleHistory } from "../client/index.ts";
import { candleKey, candleSymbolFor, formatCandleSymbol, parseCandleSymbol } from "../core/candle-symbol.ts";
import type { SimOptions, SimServer } from "../sim/index.ts";
import { harness } from "../sim/testing/harness.ts";

setDefaultTimeout(60_000);

let sims: SimServer[] = [];
afterEach(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  sims = [];
});

/** A sim on the wall clock (DXLink history ends today) and a DXLink client with a real quote token. */
async function setup(
  options: SimOptions,
  client: Partial<ConstructorParameters<typeof DxlinkClient>[0]> = {},
) {
  const h = await harness({ seed: "real", today: "now", ...options });
  sims.push(h.sim);
  const dx = new DxlinkClient({
    backoff: { baseMs: 5, maxMs: 20 },
    stepTimeoutMs: 5_000,
    ...client,
    getQuoteToken: async () => {
      const body = await h.json<{ data: { token: string; "dxlink-url": string } }>("/api-quote-tokens");
      return {
        token: body.data.token,
        dxlinkUrl: body.data["dxlink-url"],
        expiresAt: Date.now() + 3_600_000,
      };
    },
  });
  return { sim: h.sim, dx };
}

const fromTime = () => (Math.floor(Date.now() / 86_400_000) - 10) * 86_400_000;

describe("candle symbols compared by meaning", () => {
  test("every spelling of a daily series has one key; other series differ", () => {
    expect(candleKey("SPY{=1d}")).toBe("SPY{=d}");
    expect(candleKey("SPY{=d}")).toBe(candleKey("SPY{=1d}"));
    expect(candleKey("SPY{=1day}")).toBe(candleKey("SPY{=d}"));
    expect(candleKey("SPY{=1d,tho=true}")).toBe(candleKey("SPY{tho=TRUE,=d}"));
    expect(candleKey("SPY{=2d}")).not.toBe(candleKey("SPY{=d}"));
    expect(candleKey("SPY{=1m}")).not.toBe(candleKey("SPY{=1mo}"));
    expect(candleKey("SPY{=d,tho=true}")).not.toBe(candleKey("SPY{=d}"));
    expect(candleKey("AAPL")).toBe("AAPL");
    expect(parseCandleSymbol("SPY{=5m,price=mark}")).toEqual({
      base: "SPY",
      count: 5,
      unit: "m",
      attrs: { price: "mark" },
    });
    expect(parseCandleSymbol("SPY{tho=true}")).toBeNull();
    expect(formatCandleSymbol(parseCandleSymbol("BRK/B{=1d,tho=true}")!)).toBe("BRK/B{=d,tho=true}");
  });

  test("daily subscriptions ask for regular trading hours (tho=true) unless turned off; intraday never", () => {
    expect(candleSymbol("SPY")).toBe("SPY{=1d,tho=true}");
    expect(candleSymbol("SPY", "1d", false)).toBe("SPY{=1d}");
    expect(candleSymbolFor("SPY", "5m")).toBe("SPY{=5m}");
  });
});

describe("DXLink client against real-service behaviours", () => {
  test("a server echoing SPY{=d,tho=true} for SPY{=1d,tho=true}: the history still completes", async () => {
    const { sim, dx } = await setup({ dxlink: { dialect: { candleEcho: "canonical" } } });
    const seen: string[] = [];
    dx.onData((b) => {
      const si = b.fields.indexOf("eventSymbol");
      for (let e = 0; e < b.count; e++) seen.push(String(b.values[e * b.fields.length + si]));
    });
    try {
      const h = await fetchCandleHistory(dx, ["SPY", "AAPL"], { fromTime: fromTime(), timeoutMs: 30_000 });
      expect(h.incomplete).toEqual([]);
      expect(h.bars.get("SPY")!.length).toBeGreaterThan(3);
      expect(h.bars.get("AAPL")!.length).toBeGreaterThan(3);
      // Listeners see the subscribed spelling, whatever the server wrote.
      expect(seen.every((s) => s.endsWith("{=1d,tho=true}"))).toBe(true);
      expect(sim.dxlinkStats.subscriptionAdds).toBeGreaterThanOrEqual(2);
    } finally {
      await dx.close();
    }
  });

  test("FEED_CONFIG without eventFields: decoded by the requested list, nothing held back", async () => {
    const { dx } = await setup({ dxlink: { dialect: { omitEventFields: true } } });
    try {
      const h = await fetchCandleHistory(dx, ["MSFT"], { fromTime: fromTime(), timeoutMs: 30_000 });
      expect(h.incomplete).toEqual([]);
      const bars = h.bars.get("MSFT")!;
      expect(bars.length).toBeGreaterThan(3);
      expect(bars.every((b) => b.close !== null && b.close > 0)).toBe(true);
      expect(dx.stats.fallbackDecoded).toBeGreaterThan(0);
      expect(dx.stats.rejectedPairs + dx.stats.pendingDropped).toBe(0);
    } finally {
      await dx.close();
    }
  });

  test("FEED_CONFIG without eventFields and a field the server drops: the loss is counted", async () => {
    // The sim does not know Candle `vwap` and leaves it out: data is one column short of the request.
    const fields = ["eventType", "eventSymbol", "eventFlags", "time", "close", "vwap"] as const;
    const { dx } = await setup(
      { dxlink: { dialect: { omitEventFields: true } } },
      { fields: { Candle: fields } },
    );
    try {
      const h = await fetchCandleHistory(dx, ["MSFT"], {
        fromTime: fromTime(),
        timeoutMs: 3_000,
        idleMs: 1_000,
      });
      expect(h.incomplete).toEqual(["MSFT"]);
      expect(dx.stats.rejectedPairs).toBeGreaterThan(0);
    } finally {
      await dx.close();
    }
  });

  test("ERROR UNSUPPORTED_PROTOCOL: gives up at once with the server's message", async () => {
    const { sim, dx } = await setup({
      dxlink: {
        dialect: { setupError: { error: "UNSUPPORTED_PROTOCOL", message: "Version 0.1 is retired." } },
      },
    });
    try {
      const err = await fetchCandleHistory(dx, ["SPY"], { fromTime: fromTime(), timeoutMs: 30_000 }).then(
        () => null,
        (e: unknown) => e as { code: string; message: string },
      );
      expect(err?.code).toBe("E_PROTOCOL");
      expect(err?.message).toContain("UNSUPPORTED_PROTOCOL");
      expect(err?.message).toContain("Version 0.1 is retired.");
      expect(sim.dxlinkStats.connections).toBe(1);
    } finally {
      await dx.close();
    }
  });

  test("ERROR BAD_ACTION on every connection: bounded (3 connections), then E_PROTOCOL", async () => {
    const { sim, dx } = await setup({
      dxlink: { dialect: { setupError: { error: "BAD_ACTION", message: "Unexpected SETUP." } } },
    });
    try {
      dx.start();
      const err = await dx.ready().then(
        () => null,
        (e: unknown) => e as { code: string; message: string },
      );
      expect(err?.code).toBe("E_PROTOCOL");
      expect(err?.message).toContain("BAD_ACTION");
      expect(err?.message).toContain("Unexpected SETUP.");
      expect(sim.dxlinkStats.connections).toBe(3);
      expect(dx.stats.protocolErrors).toBe(3);
    } finally {
      await dx.close();
    }
  });
});
