/**
 * The DXLink client's normal operation against the sim: FULL and COMPACT data, decoding by the
 * server's (different) field list, the latest-value store for quotes, state events, clean shutdown.
 */

import { describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  batchToEvents,
  type ConnectionState,
  type DxEvent,
  DxlinkClient,
  type DxlinkClientOptions,
  fetchCandleHistory,
  LatestValueStore,
} from "../../client/index.ts";
import { startStandaloneDxlink } from "../../sim/index.ts";
import { quoteTokenProvider } from "../../sim/testing/quote-token.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

type Sim = ReturnType<typeof startStandaloneDxlink>;
async function collect(
  sim: Sim,
  opts: Partial<DxlinkClientOptions>,
  setup: (c: DxlinkClient) => void,
  until: (evs: DxEvent[]) => boolean,
) {
  const client = new DxlinkClient({
    getQuoteToken: quoteTokenProvider(sim),
    aggregationPeriodSec: 0.05,
    ...opts,
  });
  const events: DxEvent[] = [];
  const states: ConnectionState[] = [];
  client.onState((s) => states.push(s));
  client.onData((b) => events.push(...batchToEvents(b)));
  setup(client);
  const deadline = Date.now() + 5000;
  while (!until(events) && Date.now() < deadline) await Bun.sleep(20);
  await client.close();
  return { events, states, client };
}

describe("DxlinkClient", () => {
  test("FULL format, server-dropped field (vwap), greeks consistent with the universe", async () => {
    const sim = startStandaloneDxlink({ seed: 5, eventsPerSecPerSymbol: 20 });
    try {
      const chain = sim.universe.chain("AAPL")!;
      const exp = chain.roots[0]!.expirations[3]!;
      const k = exp.strikes[Math.floor(exp.strikes.length / 2)]!;
      const opt = `.${chain.roots[0]!.root}${exp.date.slice(2).replaceAll("-", "")}C${k}`;
      const { events, states } = await collect(
        sim,
        {
          dataFormat: "FULL",
          fields: {
            Candle: ["eventSymbol", "time", "close", "vwap"],
            Greeks: ["eventSymbol", "price", "delta", "volatility"],
          },
        },
        (c) => {
          c.subscribe("Candle", ["AAPL{=1d}"], { fromTime: (sim.universe.todayDay - 3) * 86_400_000 });
          c.subscribe("Greeks", [opt]);
        },
        (evs) =>
          evs.some((e) => e.eventType === "Greeks") &&
          evs.filter((e) => e.eventType === "Candle").length >= 3,
      );
      const candle = events.find((e) => e.eventType === "Candle")!;
      expect(Object.keys(candle).sort()).toEqual(["close", "eventSymbol", "eventType", "time"]);
      const g = events.find((e) => e.eventType === "Greeks")!;
      const ref = sim.universe.greeks(opt, Date.now())!;
      expect(g.eventSymbol).toBe(opt);
      expect(Math.abs((g.delta as number) - ref.delta)).toBeLessThan(0.05);
      expect(Math.abs((g.volatility as number) - ref.volatility)).toBeLessThan(0.01);
      expect(states.map((s) => s.state)).toEqual(["connecting", "authorized", "closed"]);
    } finally {
      await sim.stop();
    }
  });

  test("latest-value store keeps one quote per symbol, with NaN sizes as null for an index", async () => {
    const sim = startStandaloneDxlink({ seed: 5, eventsPerSecPerSymbol: 30 });
    try {
      const store = new LatestValueStore();
      const client = new DxlinkClient({ getQuoteToken: quoteTokenProvider(sim), aggregationPeriodSec: 0.05 });
      client.onData((b) => store.push(b));
      client.subscribe("Quote", ["SPX", "AAPL", "MSFT"]);
      const deadline = Date.now() + 5000;
      while (store.size < 3 && Date.now() < deadline) await Bun.sleep(20);
      await Bun.sleep(300);
      await client.close();
      expect(store.size).toBe(3);
      expect(store.updates).toBeGreaterThan(3);
      const spx = store.get("Quote", "SPX")!;
      expect(spx.bidSize).toBeNull();
      expect(spx.bidPrice as number).toBeGreaterThan(0);
      const aapl = store.get("Quote", "AAPL")!;
      expect(aapl.askPrice as number).toBeGreaterThan(aapl.bidPrice as number);
      expect(aapl.bidSize as number).toBeGreaterThan(0);
    } finally {
      await sim.stop();
    }
  });

  test("unsubscribe stops the data; close sends CHANNEL_CANCEL and the server sees the socket close", async () => {
    const sim = startStandaloneDxlink({ seed: 5, eventsPerSecPerSymbol: 40 });
    try {
      const client = new DxlinkClient({
        getQuoteToken: quoteTokenProvider(sim),
        aggregationPeriodSec: 0.02,
        batchDelayMs: 10,
      });
      const seen = new Set<string>();
      client.onData((b) => {
        for (const e of batchToEvents(b)) seen.add(String(e.eventSymbol));
      });
      client.subscribe("Trade", ["AAPL", "MSFT"]);
      await client.ready();
      await Bun.sleep(400);
      client.unsubscribe("Trade", "MSFT");
      await Bun.sleep(200);
      seen.clear();
      await Bun.sleep(400);
      expect(seen.has("AAPL")).toBe(true);
      expect(seen.has("MSFT")).toBe(false);
      await client.close();
      await Bun.sleep(100);
      expect(sim.endpoint.stats.openConnections).toBe(0);
      expect(client.subscriptionCount("Trade")).toBe(1);
    } finally {
      await sim.stop();
    }
  });

  test("candle history: an unknown symbol is reported incomplete after the idle window, not the full timeout", async () => {
    const sim = startStandaloneDxlink({ seed: 5, eventsPerSecPerSymbol: 50 });
    try {
      const client = new DxlinkClient({ getQuoteToken: quoteTokenProvider(sim), aggregationPeriodSec: 0.02 });
      client.start();
      const t0 = Date.now();
      const h = await fetchCandleHistory(client, ["AAPL", "NOPE", "MSFT"], {
        fromTime: (sim.universe.todayDay - 10) * 86_400_000,
        idleMs: 400,
        timeoutMs: 20_000,
      });
      await client.close();
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(h.incomplete).toEqual(["NOPE"]);
      expect(h.bars.get("AAPL")!.length).toBeGreaterThanOrEqual(7);
      expect(h.bars.get("NOPE")).toEqual([]);
      // The history runs up to the live bar of today.
      const last = h.bars.get("MSFT")!.at(-1)!;
      expect(last.time).toBe(sim.universe.todayDay * 86_400_000);
    } finally {
      await sim.stop();
    }
  });
});
