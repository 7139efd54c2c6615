/**
 * The client's handshake discipline against a scripted fake server (no sim): strict order with each
 * step waiting for the server's reply, a step that never gets its reply times out and reconnects,
 * an unsolicited CHANNEL_CLOSED is answered by re-opening the channel and replaying its subscriptions.
 */
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { ServerWebSocket } from "bun";
import { DxlinkClient } from "./client.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

type Msg = Record<string, unknown> & { type: string };

interface Script {
  /** Delay before each reply (ms). */
  delay?: number;
  /** Don't answer these message types. */
  mute?: string[];
  onMessage?: (m: Msg, ws: ServerWebSocket<unknown>, conn: number) => void;
}

let server: ReturnType<typeof Bun.serve> | null = null;
afterEach(async () => {
  await server?.stop(true);
  server = null;
});

/** A minimal DXLink server that logs what it receives, with timestamps, per connection. */
function fakeServer(script: Script) {
  const log: { conn: number; at: number; m: Msg }[] = [];
  const sent: { conn: number; at: number; m: Msg }[] = [];
  let conns = 0;
  const send = (ws: ServerWebSocket<{ conn: number }>, m: object) => {
    const go = () => {
      sent.push({ conn: ws.data.conn, at: performance.now(), m: m as Msg });
      ws.send(JSON.stringify(m));
    };
    if (script.delay) setTimeout(go, script.delay);
    else go();
  };
  server = Bun.serve<{ conn: number }>({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req, srv) {
      return srv.upgrade(req, { data: { conn: ++conns } }) ? undefined : new Response("no", { status: 400 });
    },
    websocket: {
      message(ws, raw) {
        const m = JSON.parse(String(raw)) as Msg;
        log.push({ conn: ws.data.conn, at: performance.now(), m });
        script.onMessage?.(m, ws as ServerWebSocket<unknown>, ws.data.conn);
        if (script.mute?.includes(m.type)) return;
        const ch = m.channel;
        switch (m.type) {
          case "SETUP":
            send(ws, {
              type: "SETUP",
              channel: 0,
              keepaliveTimeout: 60,
              acceptKeepaliveTimeout: 60,
              version: "fake",
            });
            send(ws, { type: "AUTH_STATE", channel: 0, state: "UNAUTHORIZED" });
            break;
          case "AUTH":
            send(ws, { type: "AUTH_STATE", channel: 0, state: "AUTHORIZED", userId: "u" });
            break;
          case "CHANNEL_REQUEST":
            send(ws, {
              type: "CHANNEL_OPENED",
              channel: ch,
              service: "FEED",
              parameters: { contract: "AUTO", subFormat: "LIST" },
            });
            break;
          case "FEED_SETUP":
            send(ws, { type: "FEED_CONFIG", channel: ch, dataFormat: "COMPACT", aggregationPeriod: 0.1 });
            break;
        }
      },
    },
  });
  const url = `ws://127.0.0.1:${server.port}/`;
  return { url, log, sent, conns: () => conns };
}

const token = (url: string) => async () => ({
  token: "t0k3n-fake",
  dxlinkUrl: url,
  expiresAt: Date.now() + 86_400_000,
});

describe("handshake discipline", () => {
  test.each(["native", "ws"] as const)(
    "each step waits for the server's reply: SETUP → AUTH → CHANNEL_REQUEST → FEED_SETUP → FEED_SUBSCRIPTION (%s socket)",
    async (socket) => {
      const fake = fakeServer({ delay: 80 });
      const client = new DxlinkClient({ getQuoteToken: token(fake.url), batchDelayMs: 5, socket });
      client.subscribe("Quote", ["AAPL"]);
      await client.ready();
      const deadline = Date.now() + 3000;
      while (!fake.log.some((e) => e.m.type === "FEED_SUBSCRIPTION") && Date.now() < deadline)
        await Bun.sleep(10);
      await client.close();
      await Bun.sleep(100); // let the server read the last frames
      const types = fake.log.map((e) => e.m.type);
      expect(types.slice(0, 5)).toEqual([
        "SETUP",
        "AUTH",
        "CHANNEL_REQUEST",
        "FEED_SETUP",
        "FEED_SUBSCRIPTION",
      ]);
      // Each request went out only after the reply it depends on arrived.
      const at = (type: string) => fake.log.find((e) => e.m.type === type)!.at;
      const reply = (pred: (m: Msg) => boolean) => fake.sent.find((e) => pred(e.m))!.at;
      expect(at("AUTH")).toBeGreaterThanOrEqual(reply((m) => m.type === "AUTH_STATE"));
      expect(at("CHANNEL_REQUEST")).toBeGreaterThanOrEqual(reply((m) => m.state === "AUTHORIZED"));
      expect(at("FEED_SETUP")).toBeGreaterThanOrEqual(reply((m) => m.type === "CHANNEL_OPENED"));
      expect(at("FEED_SUBSCRIPTION")).toBeGreaterThanOrEqual(reply((m) => m.type === "FEED_CONFIG"));
      const sub = fake.log.find((e) => e.m.type === "FEED_SUBSCRIPTION")!.m;
      expect(sub.reset).toBe(true);
      expect(sub.add).toEqual([{ type: "Quote", symbol: "AAPL" }]);
      expect(fake.log.find((e) => e.m.type === "SETUP")!.m.version).toMatch(/^[\d.]+-.+\/.+$/);
      // Clean shutdown: CHANNEL_CANCEL before the close.
      expect(types).toContain("CHANNEL_CANCEL");
    },
  );

  test.each(["AUTH", "SETUP"])(
    "a step without a reply (%s) times out and the client reconnects (fresh token each time)",
    async (muted) => {
      const fake = fakeServer({ mute: [muted] });
      let fetches = 0;
      const client = new DxlinkClient({
        getQuoteToken: async () => {
          fetches++;
          return token(fake.url)();
        },
        stepTimeoutMs: 150,
        backoff: { baseMs: 10, maxMs: 20 },
      });
      const reasons: string[] = [];
      client.onState((s) => {
        if (s.state === "reconnecting") reasons.push(s.reason);
      });
      client.start();
      const deadline = Date.now() + 3000;
      while (fake.conns() < 3 && Date.now() < deadline) await Bun.sleep(10);
      await client.close();
      expect(fake.conns()).toBeGreaterThanOrEqual(3);
      expect(reasons[0]).toContain(
        muted === "AUTH" ? "no AUTH_STATE after AUTH within 150 ms" : "no SETUP reply within 150 ms",
      );
      expect(fetches).toBe(fake.conns());
    },
  );

  test("an unsolicited CHANNEL_CLOSED re-opens the channel and replays its subscriptions", async () => {
    let closedOnce = false;
    const fake = fakeServer({
      onMessage: (m, ws) => {
        if (m.type === "FEED_SUBSCRIPTION" && !closedOnce) {
          closedOnce = true;
          setTimeout(() => ws.send(JSON.stringify({ type: "CHANNEL_CLOSED", channel: m.channel })), 50);
        }
      },
    });
    const client = new DxlinkClient({ getQuoteToken: token(fake.url), batchDelayMs: 5 });
    client.subscribe("Trade", ["SPY", "QQQ"]);
    const deadline = Date.now() + 3000;
    while (fake.log.filter((e) => e.m.type === "FEED_SUBSCRIPTION").length < 2 && Date.now() < deadline)
      await Bun.sleep(10);
    await client.close();
    const reqs = fake.log.filter((e) => e.m.type === "CHANNEL_REQUEST");
    expect(reqs.length).toBe(2);
    expect(reqs[0]!.m.channel).toBe(reqs[1]!.m.channel);
    const subs = fake.log.filter((e) => e.m.type === "FEED_SUBSCRIPTION");
    expect(subs[1]!.m.reset).toBe(true);
    expect(subs[1]!.m.add).toEqual([
      { type: "Trade", symbol: "SPY" },
      { type: "Trade", symbol: "QQQ" },
    ]);
    expect(fake.conns()).toBe(1);
  });

  test("a server that states its keepalive in milliseconds does not make us spam KEEPALIVE", async () => {
    const fake = fakeServer({
      mute: ["SETUP"],
      onMessage: (m, ws) => {
        if (m.type === "SETUP") {
          ws.send(
            JSON.stringify({
              type: "SETUP",
              channel: 0,
              keepaliveTimeout: 30000,
              acceptKeepaliveTimeout: 30000,
              version: "ms",
            }),
          );
          ws.send(JSON.stringify({ type: "AUTH_STATE", channel: 0, state: "UNAUTHORIZED" }));
        }
      },
    });
    const client = new DxlinkClient({ getQuoteToken: token(fake.url) });
    client.start();
    await client.ready();
    await Bun.sleep(500);
    await client.close();
    expect(fake.log.filter((e) => e.m.type === "KEEPALIVE").length).toBe(0);
  });

  test("maxAttempts: an unreachable server ends in gave-up (E_NETWORK); ready() then rejects at once", async () => {
    const client = new DxlinkClient({
      getQuoteToken: token("ws://127.0.0.1:1/"),
      maxAttempts: 3,
      backoff: { baseMs: 5, maxMs: 10 },
      stepTimeoutMs: 500,
    });
    const attempts: number[] = [];
    client.onState((s) => {
      if (s.state === "connecting") attempts.push(s.attempt);
    });
    client.start();
    const err = await client.ready().catch((e) => e);
    expect(err.code).toBe("E_NETWORK");
    expect(attempts).toEqual([0, 1, 2]);
    expect((await client.ready().catch((e) => e)).code).toBe("E_NETWORK");
    await client.close();
  });
});
