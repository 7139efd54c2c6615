/**
 * Wire conformance of the simulated DXLink server: the official dxFeed JS client connects, subscribes
 * and receives Quote and Candle events; raw-protocol checks cover the handshake order, lazy
 * FEED_CONFIG, NaN encoding, keepalive timeout and the 1009 frame limit.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { officialCompactFeed } from "../testing/official-client.ts";
import { type StandaloneDxlink, startStandaloneDxlink } from "./standalone.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

let sim: StandaloneDxlink;
beforeAll(() => {
  sim = startStandaloneDxlink({ seed: 7, eventsPerSecPerSymbol: 20 });
});
afterAll(async () => {
  await sim.stop();
});

async function quoteToken(): Promise<{ token: string; url: string }> {
  const body = (await (await fetch(`${sim.url}/api-quote-tokens`)).json()) as {
    data: { token: string; "dxlink-url": string };
  };
  return { token: body.data.token, url: body.data["dxlink-url"] };
}

/** A raw client that records every message and lets a test wait for one. */
async function rawClient(url: string) {
  const ws = new WebSocket(url);
  const inbox: Record<string, unknown>[] = [];
  const waiters: {
    pred: (m: Record<string, unknown>) => boolean;
    resolve: (m: Record<string, unknown>) => void;
  }[] = [];
  let closed: { code: number; reason: string } | null = null;
  ws.onmessage = (e) => {
    const m = JSON.parse(String(e.data));
    inbox.push(m);
    for (const w of [...waiters]) {
      if (w.pred(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  const closedP = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.onclose = (e) => {
      closed = { code: e.code, reason: e.reason };
      resolve(closed);
    };
  });
  await new Promise((r) => {
    ws.onopen = r;
  });
  return {
    ws,
    inbox,
    send: (m: object) => ws.send(JSON.stringify(m)),
    waitFor(pred: (m: Record<string, unknown>) => boolean, ms = 3000): Promise<Record<string, unknown>> {
      const found = inbox.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`timed out waiting; got ${JSON.stringify(inbox.slice(-3))}`)),
          ms,
        );
        waiters.push({
          pred,
          resolve: (m) => {
            clearTimeout(t);
            resolve(m);
          },
        });
      });
    },
    closed: () => closedP,
    isClosed: () => closed !== null,
  };
}

describe("official @dxfeed/dxlink-api client against the sim", () => {
  test("connects, subscribes, receives Quote and Candle events", async () => {
    const { token, url } = await quoteToken();
    const { client, feed, events } = officialCompactFeed(url, token);
    const from = (sim.universe.todayDay - 30) * 86_400_000;
    feed.addSubscriptions({ type: "Quote", symbol: "AAPL" });
    feed.addSubscriptions({ type: "Candle", symbol: "SPY{=1d}", fromTime: from });
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      if (events.some((e) => e.eventType === "Quote") && events.some((e) => e.eventType === "Candle")) break;
      await Bun.sleep(20);
    }
    client.close();
    const quote = events.find((e) => e.eventType === "Quote")!;
    expect(quote).toBeDefined();
    expect(quote.eventSymbol).toBe("AAPL");
    const mid = sim.universe.priceAt("AAPL", Date.now());
    expect(Math.abs((quote.bidPrice as number) - mid) / mid).toBeLessThan(0.01);
    const candles = events.filter((e) => e.eventType === "Candle");
    expect(candles.length).toBeGreaterThan(15);
    const bars = sim.universe.dailyBars("SPY")!;
    const first = candles.find((c) => c.time === bars.day[bars.day.length - 2]! * 86_400_000)!;
    expect(first.close).toBe(bars.close[bars.close.length - 2]!);
  });
});

describe("raw protocol", () => {
  test("handshake, lazy FEED_CONFIG with the server's field list, NaN sizes on an index", async () => {
    const { token, url } = await quoteToken();
    const c = await rawClient(url);
    c.send({
      type: "SETUP",
      channel: 0,
      version: "0.1-test/1",
      keepaliveTimeout: 60,
      acceptKeepaliveTimeout: 60,
    });
    const setup = await c.waitFor((m) => m.type === "SETUP");
    expect(setup.keepaliveTimeout).toBe(60);
    await c.waitFor((m) => m.type === "AUTH_STATE" && m.state === "UNAUTHORIZED");
    c.send({ type: "AUTH", channel: 0, token: "wrong" });
    await Bun.sleep(50);
    expect(c.inbox.filter((m) => m.type === "AUTH_STATE" && m.state === "UNAUTHORIZED").length).toBe(2);
    c.send({ type: "AUTH", channel: 0, token });
    const auth = await c.waitFor((m) => m.type === "AUTH_STATE" && m.state === "AUTHORIZED");
    expect(typeof auth.userId).toBe("string");
    c.send({ type: "CHANNEL_REQUEST", channel: 1, service: "FEED", parameters: { contract: "AUTO" } });
    const opened = await c.waitFor((m) => m.type === "CHANNEL_OPENED");
    expect(opened.parameters).toEqual({ contract: "AUTO", subFormat: "LIST" });
    c.send({
      type: "FEED_SETUP",
      channel: 1,
      acceptAggregationPeriod: 0.05,
      acceptDataFormat: "COMPACT",
      acceptEventFields: { Quote: ["eventSymbol", "bidPrice", "bidSize", "notAField"] },
    });
    const cfg = await c.waitFor((m) => m.type === "FEED_CONFIG");
    expect(cfg.eventFields).toBeUndefined();
    c.send({
      type: "FEED_SUBSCRIPTION",
      channel: 1,
      reset: true,
      add: [
        { type: "Quote", symbol: "SPX" },
        { type: "Quote", symbol: "NOPE" },
      ],
    });
    const cfg2 = await c.waitFor((m) => m.type === "FEED_CONFIG" && m.eventFields !== undefined);
    expect(cfg2.eventFields).toEqual({ Quote: ["eventSymbol", "bidPrice", "bidSize"] });
    const data = await c.waitFor((m) => m.type === "FEED_DATA");
    // FEED_CONFIG with the list arrives before the first data.
    expect(c.inbox.indexOf(cfg2)).toBeLessThan(c.inbox.indexOf(data));
    const [type, values] = data.data as [string, unknown[]];
    expect(type).toBe("Quote");
    expect(values[0]).toBe("SPX");
    expect(values[2]).toBe("NaN");
    expect(values.length % 3).toBe(0);
    expect(values.includes("NOPE")).toBe(false);
    c.ws.close();
  });

  test("CHANNEL_REQUEST before AUTHORIZED is a protocol violation: ERROR + close", async () => {
    const { url } = await quoteToken();
    const c = await rawClient(url);
    c.send({ type: "SETUP", channel: 0, version: "0.1-test/1" });
    await c.waitFor((m) => m.type === "AUTH_STATE");
    c.send({ type: "CHANNEL_REQUEST", channel: 1, service: "FEED", parameters: { contract: "AUTO" } });
    const err = await c.waitFor((m) => m.type === "ERROR");
    expect(err.error).toBe("BAD_ACTION");
    const closed = await c.closed();
    expect(closed.code).toBe(1008);
  });

  test("a frame above the size limit closes the socket with 1009", async () => {
    const { token, url } = await quoteToken();
    const c = await rawClient(url);
    c.send({ type: "SETUP", channel: 0, version: "0.1-test/1" });
    c.send({ type: "AUTH", channel: 0, token });
    await c.waitFor((m) => m.state === "AUTHORIZED");
    c.send({ type: "CHANNEL_REQUEST", channel: 1, service: "FEED", parameters: { contract: "AUTO" } });
    await c.waitFor((m) => m.type === "CHANNEL_OPENED");
    const add = Array.from({ length: 5000 }, (_, i) => ({ type: "Quote", symbol: `SYM${i}` }));
    c.send({ type: "FEED_SUBSCRIPTION", channel: 1, add });
    const closed = await c.closed();
    expect(closed.code).toBe(1009);
  });

  test("daily candle history: newest first, SNAPSHOT_BEGIN … SNAPSHOT_END, then live updates", async () => {
    const { token, url } = await quoteToken();
    const c = await rawClient(url);
    c.send({ type: "SETUP", channel: 0, version: "0.1-test/1" });
    c.send({ type: "AUTH", channel: 0, token });
    await c.waitFor((m) => m.state === "AUTHORIZED");
    c.send({ type: "CHANNEL_REQUEST", channel: 3, service: "FEED", parameters: { contract: "AUTO" } });
    await c.waitFor((m) => m.type === "CHANNEL_OPENED");
    c.send({
      type: "FEED_SETUP",
      channel: 3,
      acceptAggregationPeriod: 0.05,
      acceptDataFormat: "COMPACT",
      acceptEventFields: { Candle: ["eventSymbol", "eventFlags", "time", "close"] },
    });
    const today = sim.universe.todayDay;
    c.send({
      type: "FEED_SUBSCRIPTION",
      channel: 3,
      add: [{ type: "Candle", symbol: "MSFT{=1d}", fromTime: (today - 10) * 86_400_000 }],
    });
    const snap = await c.waitFor((m) => m.type === "FEED_DATA");
    const values = (snap.data as [string, unknown[]])[1];
    const rows = [];
    for (let i = 0; i < values.length; i += 4)
      rows.push(values.slice(i, i + 4) as [string, number, number, number]);
    expect(rows[0]![1] & 0x04).toBe(0x04);
    expect(rows.at(-1)![1] & 0x08).toBe(0x08);
    expect(rows[0]![2]).toBe(today * 86_400_000);
    for (let i = 1; i < rows.length; i++) expect(rows[i]![2]).toBeLessThan(rows[i - 1]![2]);
    const live = await c.waitFor((m) => m.type === "FEED_DATA" && m !== snap);
    const lv = (live.data as [string, unknown[]])[1];
    expect(lv[1]).toBe(0);
    expect(lv[2]).toBe(today * 86_400_000);
    c.ws.close();
  });
});

describe("keepalive", () => {
  test("a silent client gets ERROR TIMEOUT and is closed", async () => {
    const quick = startStandaloneDxlink({ seed: 7, keepaliveTimeoutSec: 0.5 });
    try {
      const c = await rawClient(quick.wsUrl);
      c.send({ type: "SETUP", channel: 0, version: "0.1-test/1", acceptKeepaliveTimeout: 0.4 });
      const err = await c.waitFor((m) => m.type === "ERROR" && m.error === "TIMEOUT", 3000);
      expect(String(err.message)).toContain("timeout");
      await c.closed();
      // The server kept its side alive meanwhile: KEEPALIVE at least every acceptKeepaliveTimeout.
      expect(c.inbox.some((m) => m.type === "KEEPALIVE")).toBe(true);
      expect(quick.endpoint.stats.keepaliveTimeouts).toBe(1);
    } finally {
      await quick.stop();
    }
  });
});

describe("candle symbols by meaning, and the real service's looser habits (dialect)", () => {
  /** Subscribe candles on a fresh connection and return the first snapshot's event symbols. */
  async function candleSymbols(
    s: StandaloneDxlink,
    symbols: string[],
  ): Promise<{ seen: Set<string>; configs: Record<string, unknown>[] }> {
    const body = (await (await fetch(`${s.url}/api-quote-tokens`)).json()) as {
      data: { token: string; "dxlink-url": string };
    };
    const { token, "dxlink-url": url } = body.data;
    const c = await rawClient(url);
    c.send({ type: "SETUP", channel: 0, version: "0.1-test/1" });
    c.send({ type: "AUTH", channel: 0, token });
    await c.waitFor((m) => m.state === "AUTHORIZED");
    c.send({ type: "CHANNEL_REQUEST", channel: 3, service: "FEED", parameters: { contract: "AUTO" } });
    await c.waitFor((m) => m.type === "CHANNEL_OPENED");
    c.send({
      type: "FEED_SETUP",
      channel: 3,
      acceptAggregationPeriod: 0.05,
      acceptDataFormat: "COMPACT",
      acceptEventFields: { Candle: ["eventSymbol", "eventFlags", "time", "close"] },
    });
    const from = (s.universe.todayDay - 5) * 86_400_000;
    c.send({
      type: "FEED_SUBSCRIPTION",
      channel: 3,
      add: symbols.map((symbol) => ({ type: "Candle", symbol, fromTime: from })),
    });
    const seen = new Set<string>();
    const deadline = Date.now() + 10_000;
    while (seen.size < symbols.length && Date.now() < deadline) {
      const before = c.inbox.length;
      await c.waitFor((m) => m.type === "FEED_DATA" && c.inbox.indexOf(m) >= before, 5_000);
      for (const m of c.inbox.slice(before))
        if (m.type === "FEED_DATA") {
          const values = (m.data as [string, unknown[]])[1];
          for (let i = 0; i < values.length; i += 4) seen.add(String(values[i]));
        }
    }
    c.ws.close();
    return { seen, configs: c.inbox.filter((m) => m.type === "FEED_CONFIG") };
  }

  test("SPY{=d}, SPY{=1d,tho=true} and SPY{=1day} are all daily series; echoed as subscribed by default", async () => {
    const { seen } = await candleSymbols(sim, ["SPY{=d}", "AAPL{=1d,tho=true}", "MSFT{=1day}"]);
    expect([...seen].sort()).toEqual(["AAPL{=1d,tho=true}", "MSFT{=1day}", "SPY{=d}"]);
  });

  test("candleEcho canonical: echoed in dxFeed's form; omitEventFields: no field list is ever sent", async () => {
    const odd = startStandaloneDxlink({
      seed: 7,
      dialect: { candleEcho: "canonical", omitEventFields: true },
    });
    try {
      const { seen, configs } = await candleSymbols(odd, ["SPY{=1d,tho=true}", "AAPL{=1day}"]);
      expect([...seen].sort()).toEqual(["AAPL{=d}", "SPY{=d,tho=true}"]);
      expect(configs.length).toBeGreaterThan(0);
      expect(configs.every((m) => m.eventFields === undefined)).toBe(true);
    } finally {
      await odd.stop();
    }
  });
});
