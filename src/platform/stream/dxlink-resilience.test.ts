/**
 * The DXLink client against the simulated server under faults (issue 6): socket drops every 2 s for a
 * minute, a silent freeze, a 25k-symbol subscription, an idle connection under a strict server
 * keepalive, quote-token expiry and revocation, a token that is never accepted, 502 on the upgrade,
 * a flooding server against a slow consumer, and a long candle history under drops.
 */

import { describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  BoundedBatchQueue,
  type CompactBatch,
  type ConnectionState,
  DxlinkClient,
  fetchCandleHistory,
  toNumber,
} from "../../client/index.ts";
import { type StandaloneDxlinkOptions, startStandaloneDxlink } from "../../sim/index.ts";
import { quoteTokenProvider } from "../../sim/testing/quote-token.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

type Sim = ReturnType<typeof startStandaloneDxlink>;

async function withSim<T>(opts: StandaloneDxlinkOptions, fn: (sim: Sim) => Promise<T>): Promise<T> {
  const sim = startStandaloneDxlink({ seed: 11, ...opts });
  try {
    return await fn(sim);
  } finally {
    await sim.stop();
  }
}

function symbolsOf(b: CompactBatch): string[] {
  const si = b.fields.indexOf("eventSymbol");
  const out: string[] = [];
  for (let e = 0; e < b.count; e++) out.push(String(b.values[e * b.fields.length + si]));
  return out;
}

function optionSymbols(sim: Sim, underlying: string, n: number): string[] {
  const chain = sim.universe.chain(underlying)!;
  const out: string[] = [];
  for (const root of chain.roots) {
    for (const e of root.expirations) {
      for (const k of e.strikes) {
        for (const cp of ["C", "P"]) {
          const yymmdd = e.date.slice(2).replaceAll("-", "");
          out.push(`.${root.root}${yymmdd}${cp}${String(Math.round(k * 1000) / 1000)}`);
        }
      }
    }
  }
  return out.slice(0, n);
}

const DAY = 86_400_000;

describe("DXLink client under faults", () => {
  test(
    "socket dropped every 2 s for a minute: every subscription keeps delivering, nothing subscribed twice, candles resume",
    async () => {
      await withSim({ faults: { dropEverySec: 2 }, eventsPerSecPerSymbol: 6 }, async (sim) => {
        const quotes = sim.universe.symbols.slice(0, 40);
        const trades = sim.universe.symbols.slice(0, 10);
        const greeks = optionSymbols(sim, "SPY", 10);
        const candles = ["AAPL{=1d}", "MSFT{=1d}", "SPY{=1d}"];
        const client = new DxlinkClient({
          getQuoteToken: quoteTokenProvider(sim),
          backoff: { baseMs: 100, maxMs: 1000 },
          aggregationPeriodSec: 0.05,
        });
        const states: ConnectionState[] = [];
        client.onState((s) => states.push(s));
        const windowMs = 5000;
        const seen = new Map<string, Set<number>>(); // "type|symbol" → windows with data
        const t0 = Date.now();
        // Candle snapshots per symbol: how many bars each (re)played snapshot had.
        const snapshotSizes = new Map<string, number[]>();
        const open = new Map<string, number>();
        client.onData((b) => {
          const w = Math.floor((Date.now() - t0) / windowMs);
          for (const s of symbolsOf(b)) {
            const key = `${b.type}|${s}`;
            const set = seen.get(key) ?? new Set<number>();
            seen.set(key, set);
            set.add(w);
          }
          if (b.type === "Candle") {
            const fi = b.fields.indexOf("eventFlags");
            const si = b.fields.indexOf("eventSymbol");
            for (let e = 0; e < b.count; e++) {
              const flags = toNumber(b.values[e * b.fields.length + fi]) ?? 0;
              const sym = String(b.values[e * b.fields.length + si]);
              if (flags & 0x04) open.set(sym, 0);
              if (open.has(sym)) open.set(sym, open.get(sym)! + 1);
              if (flags & 0x08) {
                const list = snapshotSizes.get(sym) ?? [];
                list.push(open.get(sym)!);
                snapshotSizes.set(sym, list);
                open.delete(sym);
              }
            }
          }
        });
        client.subscribe("Quote", quotes);
        client.subscribe("Trade", trades);
        client.subscribe("Greeks", greeks);
        client.subscribe("Candle", candles, { fromTime: (sim.universe.todayDay - 60) * DAY });
        await Bun.sleep(60_000);
        await client.close();

        const windows = Math.floor(60_000 / windowMs);
        const expectKeys = [
          ...quotes.map((s) => `Quote|${s}`),
          ...trades.map((s) => `Trade|${s}`),
          ...greeks.map((s) => `Greeks|${s}`),
          ...candles.map((s) => `Candle|${s}`),
        ];
        const missing: string[] = [];
        for (const key of expectKeys) {
          for (let w = 1; w < windows; w++) if (!seen.get(key)?.has(w)) missing.push(`${key}@${w * 5}s`);
        }
        expect(missing).toEqual([]);
        const st = sim.endpoint.stats;
        expect(st.dropsInjected).toBeGreaterThanOrEqual(25);
        expect(client.stats.reconnects).toBeGreaterThanOrEqual(25);
        // Each connection got each subscription exactly once.
        expect(st.duplicateAdds).toBe(0);
        expect(st.subscriptionAdds).toBeLessThanOrEqual(st.connections * expectKeys.length);
        // Every reconnect fetched a fresh token.
        expect(client.stats.tokenFetches).toBe(client.stats.connections);
        expect(states.some((s) => s.state === "reconnecting" && s.delayMs >= 0 && s.attempt >= 1)).toBe(true);
        // Candles: the first snapshot is the full history, every replay resumes at the last bar.
        for (const c of candles) {
          const sizes = snapshotSizes.get(c)!;
          expect(sizes.length).toBeGreaterThanOrEqual(20);
          expect(sizes[0]).toBeGreaterThan(30);
          expect(Math.max(...sizes.slice(1))).toBe(1);
        }
      });
    },
    { timeout: 75_000 },
  );

  test("silent freeze is detected within the watchdog timeout and the stream recovers", async () => {
    await withSim(
      { faults: { freezeAfterSec: 1, freezeForSec: 60, freezeConnections: 1 }, eventsPerSecPerSymbol: 20 },
      async (sim) => {
        const client = new DxlinkClient({
          getQuoteToken: quoteTokenProvider(sim),
          keepaliveTimeoutSec: 1,
          backoff: { baseMs: 100 },
        });
        let lastBeforeFreeze = 0;
        let firstAfter = 0;
        let detectedAt = 0;
        client.onState((s) => {
          if (s.state === "reconnecting" && s.reason.startsWith("watchdog")) detectedAt = Date.now();
        });
        client.onData(() => {
          if (client.stats.connections === 1) lastBeforeFreeze = Date.now();
          else if (!firstAfter) firstAfter = Date.now();
        });
        client.subscribe("Quote", ["AAPL", "SPY"]);
        const deadline = Date.now() + 8000;
        while (!firstAfter && Date.now() < deadline) await Bun.sleep(50);
        await client.close();
        expect(sim.endpoint.stats.freezesInjected).toBe(1);
        expect(client.stats.watchdogTrips).toBe(1);
        // Server promised to speak every 1 s: the watchdog allows 1.25 × that + 250 ms (+ tick).
        expect(detectedAt - lastBeforeFreeze).toBeLessThan(2200);
        expect(firstAfter).toBeGreaterThan(detectedAt);
        expect(firstAfter - detectedAt).toBeLessThan(1500);
      },
    );
  }, 15_000);

  test("25k-symbol subscription is chunked below the frame limit: no 1009, all delivered", async () => {
    await withSim({ eventsPerSecPerSymbol: 1, maxEventsPerSec: 200_000 }, async (sim) => {
      const symbols: string[] = [];
      for (const u of [
        "SPY",
        "QQQ",
        "SPX",
        "IWM",
        "AAPL",
        "TSLA",
        "NVDA",
        "MSFT",
        "AMZN",
        "META",
        "GOOGL",
        "NDX",
        "RUT",
        "DIA",
        "AMD",
        "NFLX",
      ]) {
        symbols.push(...optionSymbols(sim, u, 100_000));
        if (symbols.length >= 25_000) break;
      }
      symbols.length = Math.min(symbols.length, 25_000);
      expect(symbols.length).toBe(25_000);
      const client = new DxlinkClient({ getQuoteToken: quoteTokenProvider(sim) });
      const got = new Set<string>();
      client.onData((b) => {
        for (const s of symbolsOf(b)) got.add(s);
      });
      client.subscribe("Quote", symbols);
      const deadline = Date.now() + 10_000;
      while (got.size < 25_000 && Date.now() < deadline) await Bun.sleep(100);
      await client.close();
      expect(sim.endpoint.stats.oversizeCloses).toBe(0);
      expect(client.stats.frameTooBig).toBe(0);
      expect(client.stats.connections).toBe(1);
      expect(sim.endpoint.stats.subscriptionAdds).toBe(25_000);
      expect(client.stats.subscriptionMessages).toBeGreaterThan(25_000 / 500 - 1);
      expect(got.size).toBe(25_000);
    });
  }, 20_000);

  test("the server's keepalive timeout never fires on a healthy idle connection", async () => {
    await withSim({ keepaliveTimeoutSec: 1 }, async (sim) => {
      const client = new DxlinkClient({ getQuoteToken: quoteTokenProvider(sim) });
      client.start();
      await client.ready();
      await Bun.sleep(3000);
      expect(client.state.state).toBe("authorized");
      await client.close();
      expect(sim.endpoint.stats.keepaliveTimeouts).toBe(0);
      expect(client.stats.connections).toBe(1);
    });
  }, 10_000);

  test("quote token expiry: reconnects with a fresh token before it expires, no auth failure", async () => {
    await withSim({ tokenTtlSec: 2, eventsPerSecPerSymbol: 20 }, async (sim) => {
      const client = new DxlinkClient({ getQuoteToken: quoteTokenProvider(sim), backoff: { baseMs: 100 } });
      const perConnection = new Map<number, number>();
      client.onData((b) =>
        perConnection.set(
          client.stats.connections,
          (perConnection.get(client.stats.connections) ?? 0) + b.count,
        ),
      );
      client.subscribe("Quote", ["AAPL"]);
      await Bun.sleep(4200);
      await client.close();
      expect(client.stats.connections).toBeGreaterThanOrEqual(3);
      expect(sim.tokensIssued()).toBe(client.stats.connections);
      expect(sim.endpoint.stats.authFailures).toBe(0);
      for (let c = 1; c < client.stats.connections; c++) expect(perConnection.get(c) ?? 0).toBeGreaterThan(0);
    });
  }, 10_000);

  test("token revoked mid-stream: fresh token fetched, stream continues", async () => {
    await withSim({ eventsPerSecPerSymbol: 20 }, async (sim) => {
      const reasons: string[] = [];
      const getQuoteToken = quoteTokenProvider(sim);
      const client = new DxlinkClient({
        getQuoteToken: async (ctx) => {
          reasons.push(ctx.reason);
          return getQuoteToken();
        },
        backoff: { baseMs: 100 },
      });
      let after = 0;
      client.subscribe("Quote", ["MSFT"]);
      await client.ready();
      await Bun.sleep(300);
      sim.revokeAll();
      client.onData((b) => {
        if (client.stats.connections === 2) after += b.count;
      });
      const deadline = Date.now() + 4000;
      while (after === 0 && Date.now() < deadline) await Bun.sleep(50);
      await client.close();
      expect(reasons).toEqual(["initial", "rejected"]);
      expect(after).toBeGreaterThan(0);
    });
  }, 10_000);

  test("a token that is never accepted: gives up with E_AUTH instead of looping", async () => {
    await withSim({}, async (sim) => {
      let fetches = 0;
      const client = new DxlinkClient({
        getQuoteToken: async () => {
          fetches++;
          return { token: "not-a-sim-token", dxlinkUrl: sim.wsUrl, expiresAt: Date.now() + DAY };
        },
        backoff: { baseMs: 50 },
      });
      client.start();
      const err = await client.ready().catch((e) => e);
      expect(err.code).toBe("E_AUTH");
      expect(client.state.state).toBe("gave-up");
      expect(fetches).toBe(2);
      await client.close();
    });
  }, 10_000);

  test("a 502 on the WebSocket upgrade is retried with backoff", async () => {
    await withSim(
      { faults: { dropEverySec: 0.7, upgrade502Every: 2 }, eventsPerSecPerSymbol: 20 },
      async (sim) => {
        const client = new DxlinkClient({
          getQuoteToken: quoteTokenProvider(sim),
          backoff: { baseMs: 50, maxMs: 200 },
        });
        let late = 0;
        client.onData((b) => {
          if (sim.endpoint.stats.upgradesRejected > 0) late += b.count;
        });
        client.subscribe("Quote", ["AAPL"]);
        const deadline = Date.now() + 6000;
        while ((sim.endpoint.stats.upgradesRejected < 2 || late === 0) && Date.now() < deadline)
          await Bun.sleep(50);
        await client.close();
        expect(sim.endpoint.stats.upgradesRejected).toBeGreaterThanOrEqual(2);
        expect(late).toBeGreaterThan(0);
      },
    );
  }, 10_000);

  test("slow consumer: the server floods, a bounded queue drops the oldest and counts, memory stays bounded", async () => {
    await withSim({ faults: { slowConsumer: { eventsPerSec: 200_000 } } }, async (sim) => {
      const client = new DxlinkClient({ getQuoteToken: quoteTokenProvider(sim), aggregationPeriodSec: 0.02 });
      const queue = new BoundedBatchQueue(20_000);
      client.onData((b) => queue.push(b));
      let consumed = 0;
      let maxQueued = 0;
      const consumer = (async () => {
        for await (const b of queue) {
          consumed += b.count;
          maxQueued = Math.max(maxQueued, queue.size);
          await Bun.sleep(20); // a slow consumer
        }
      })();
      client.subscribe("Quote", sim.universe.symbols.slice(0, 100));
      // Flood for at least 2.5 s and until the queue has overflowed: on a loaded machine the
      // server may need longer to outrun the consumer (a fixed wait once saw no drop at all).
      const started = Date.now();
      while (Date.now() - started < 2500 || (queue.dropped === 0 && Date.now() - started < 30_000))
        await Bun.sleep(100);
      await client.close();
      queue.close();
      await consumer;
      expect(queue.dropped).toBeGreaterThan(0);
      expect(maxQueued).toBeLessThanOrEqual(20_000 + 2_000);
      expect(consumed + queue.dropped).toBeLessThanOrEqual(client.stats.eventsIn);
      expect(consumed).toBeGreaterThan(0);
    });
  }, 45_000);

  test("candle history for 300 symbols × 3 years completes under socket drops, bars equal the sim's", async () => {
    // Enough history that the transfer outlasts several drop intervals even on an idle machine
    // (120 symbols once finished in 270 ms, before the first 400 ms drop: the test proved nothing).
    await withSim({ faults: { dropEverySec: 0.25 }, eventsPerSecPerSymbol: 1 }, async (sim) => {
      const symbols = sim.universe.symbols.slice(0, 300);
      const client = new DxlinkClient({
        getQuoteToken: quoteTokenProvider(sim),
        backoff: { baseMs: 20, maxMs: 100 },
      });
      client.start();
      const from = (sim.universe.todayDay - 1100) * DAY;
      const h = await fetchCandleHistory(client, symbols, { fromTime: from, timeoutMs: 30_000 });
      await client.close();
      expect(client.stats.reconnects).toBeGreaterThan(0);
      expect(h.incomplete).toEqual([]);
      for (const s of symbols) {
        const bars = sim.universe.dailyBars(s)!;
        const got = h.bars.get(s)!;
        expect(got.length).toBe(bars.day.length);
        expect(got[0]!.time).toBe(bars.day[0]! * DAY);
        expect(got[0]!.close).toBe(bars.close[0]!);
        expect(got[100]!.open).toBe(bars.open[100]!);
      }
    });
  }, 40_000);
});
