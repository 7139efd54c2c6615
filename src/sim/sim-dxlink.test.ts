/**
 * End to end through `startSim`: OAuth grant → `/api-quote-tokens` → the DXLink endpoint mounted on
 * the same port. The official dxFeed client receives Quote, Candle and Greeks events consistent with
 * the REST answers; WebSocket faults from the `--faults` spec reach the endpoint.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { type Harness, harness } from "./testing/harness.ts";
import { OFFICIAL_FIELDS, officialCompactFeed } from "./testing/official-client.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

let h: Harness;
beforeAll(async () => {
  // DXLink runs on the wall clock, so the market's today must be the clock's date (as in a live demo).
  h = await harness({ seed: "e2e", today: "now", dxlink: { eventsPerSecPerSymbol: 20 } });
});
afterAll(() => h.sim.stop());

type Env<T> = { data: T };

async function quoteToken(x: Harness): Promise<{ token: string; url: string }> {
  const body = await x.json<Env<{ token: string; "dxlink-url": string }>>("/api-quote-tokens");
  return { token: body.data.token, url: body.data["dxlink-url"] };
}

describe("DXLink through startSim", () => {
  test("official client: Quote, Candle and Greeks consistent with REST", async () => {
    const { token, url } = await quoteToken(h);
    expect(url).toBe(h.sim.wsUrl);
    const chain = await h.json<
      Env<{
        items: {
          expirations: {
            "days-to-expiration": number;
            strikes: { "strike-price": string; "call-streamer-symbol": string }[];
          }[];
        }[];
      }>
    >("/option-chains/AAPL/nested");
    const exp = chain.data.items[0]?.expirations.find((e) => e["days-to-expiration"] > 20);
    const spot = h.sim.universe.priceAt("AAPL", Date.now());
    const strike = exp?.strikes.reduce((a, b) =>
      Math.abs(Number(b["strike-price"]) - spot) < Math.abs(Number(a["strike-price"]) - spot) ? b : a,
    );
    const option = strike?.["call-streamer-symbol"] as string;

    const { client, feed, events } = officialCompactFeed(url, token, {
      ...OFFICIAL_FIELDS,
      Greeks: ["eventType", "eventSymbol", "price", "volatility", "delta", "gamma", "theta", "vega", "rho"],
    });
    feed.addSubscriptions({ type: "Quote", symbol: "AAPL" });
    feed.addSubscriptions({ type: "Greeks", symbol: option });
    feed.addSubscriptions({
      type: "Candle",
      symbol: "MSFT{=1d}",
      fromTime: (h.sim.universe.todayDay - 30) * 86_400_000,
    });
    const deadline = Date.now() + 8000;
    const has = (t: string) => events.some((e) => e.eventType === t);
    while (Date.now() < deadline && !(has("Quote") && has("Candle") && has("Greeks"))) await Bun.sleep(20);
    client.close();

    const quote = events.find((e) => e.eventType === "Quote");
    expect(quote?.eventSymbol).toBe("AAPL");
    expect(Math.abs((quote?.bidPrice as number) - spot) / spot).toBeLessThan(0.01);

    const candles = events.filter((e) => e.eventType === "Candle");
    const bars = h.sim.universe.dailyBars("MSFT");
    if (!bars) throw new TypeError("no bars");
    const n = bars.day.length;
    const yesterday = candles.find((c) => c.time === (bars.day[n - 2] as number) * 86_400_000);
    expect(yesterday?.close).toBe(bars.close[n - 2] as number);

    const greeks = events.find((e) => e.eventType === "Greeks" && e.eventSymbol === option);
    expect(greeks).toBeDefined();
    const delta = greeks?.delta as number;
    expect(delta).toBeGreaterThan(0.3);
    expect(delta).toBeLessThan(0.7);
    const ref = h.sim.universe.greeks(option, Date.now());
    expect(Math.abs(delta - (ref?.delta as number))).toBeLessThan(0.1);
    expect(h.sim.dxlinkStats.connections).toBeGreaterThanOrEqual(1);
  }, 15_000);

  test("a forged quote token is not authorized", async () => {
    const ws = new WebSocket(h.sim.wsUrl);
    const inbox: Record<string, unknown>[] = [];
    ws.onmessage = (e) => inbox.push(JSON.parse(String(e.data)));
    await new Promise((r) => {
      ws.onopen = r;
    });
    ws.send(
      JSON.stringify({
        type: "SETUP",
        channel: 0,
        version: "0.1-test/1",
        keepaliveTimeout: 60,
        acceptKeepaliveTimeout: 60,
      }),
    );
    ws.send(JSON.stringify({ type: "AUTH", channel: 0, token: "sim-qt.forged" }));
    await Bun.sleep(150);
    ws.close();
    expect(inbox.some((m) => m.type === "AUTH_STATE" && m.state === "AUTHORIZED")).toBe(false);
    expect(inbox.some((m) => m.type === "AUTH_STATE" && m.state === "UNAUTHORIZED")).toBe(true);
  });

  test("a plain GET on /dxlink is refused; the REST routes are unaffected", async () => {
    const r = await fetch(`${h.sim.url}/dxlink`);
    expect(r.status).toBe(426);
    expect((await h.get("/instruments/equities/AAPL")).status).toBe(200);
  });
});

describe("WebSocket faults from the spec reach the endpoint", () => {
  test("drop-ws cuts the socket; ws-502 rejects upgrades", async () => {
    const x = await harness({ seed: "e2e", faults: "drop-ws=300ms,ws-502=2" });
    try {
      const first = new WebSocket(x.sim.wsUrl);
      const closed = new Promise<number>((resolve) => {
        first.onclose = (e) => resolve(e.code);
      });
      await new Promise((r) => {
        first.onopen = r;
      });
      const t0 = Date.now();
      await closed;
      expect(Date.now() - t0).toBeLessThan(3000);
      // The second upgrade is answered 502.
      const second = await fetch(`${x.sim.url}/dxlink`, {
        headers: {
          upgrade: "websocket",
          connection: "Upgrade",
          "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
          "sec-websocket-version": "13",
        },
      });
      expect(second.status).toBe(502);
    } finally {
      await x.sim.stop();
    }
  });
});
