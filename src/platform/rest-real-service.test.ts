/**
 * (Lives in src/platform because only this layer may import both src/client and src/sim.)
 *
 * The REST client's manners toward the real service, checked against the sim imitating it:
 * `Accept-Version` only where it is accepted (not the sandbox), the sandbox's 502 on market data
 * reported once as "not available in sandbox" (no retries), `per-page` on paginated routes, a modest
 * starting concurrency that the adaptive limiter grows, and a quote token's `expires-at`.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  AdaptiveLimiter,
  type ClientOptions,
  collectUniverse,
  DEFAULT_CONCURRENCY,
  decodeQuoteToken,
  isUnavailable,
  quoteTokenExpiry,
} from "../client/index.ts";
import { loadConfig } from "../core/config.ts";
import { type SimOptions, type SimServer, startSim } from "../sim/index.ts";
import { harness } from "../sim/testing/harness.ts";
import { simClient } from "./testing/sim-client.ts";

setDefaultTimeout(60_000);

const sims: SimServer[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
});

async function sim(o: SimOptions = {}): Promise<SimServer> {
  const s = await startSim({ seed: 3, ...o });
  sims.push(s);
  return s;
}

const clientFor = (s: SimServer, extra: Partial<ClientOptions> = {}) =>
  simClient(s, { backoff: { baseMs: 1, maxMs: 5 }, ...extra });

describe("sandbox behaviour (sim --sandbox)", () => {
  test("the sandbox refuses Accept-Version; production accepts it", async () => {
    const sb = await harness({ seed: 3, environment: "sandbox" });
    const prod = await harness({ seed: 3 });
    sims.push(sb.sim, prod.sim);
    expect((await sb.get("/instruments/equities/SPY", { "accept-version": "20251101" })).status).toBe(404);
    expect((await sb.get("/instruments/equities/SPY")).status).toBe(200);
    expect((await prod.get("/instruments/equities/SPY", { "accept-version": "20251101" })).status).toBe(200);
    expect((await sb.get("/market-metrics?symbols=SPY")).status).toBe(502);
    expect((await sb.get("/market-data/by-type?equity=SPY")).status).toBe(502);
  });

  test("the client sends no Accept-Version to the sandbox, and does to production", async () => {
    const s = await sim({ environment: "sandbox" });
    const seen: (string | null)[] = [];
    const spy: typeof fetch = Object.assign(
      async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
        seen.push(new Headers(init?.headers).get("accept-version"));
        return fetch(input, init);
      },
      { preconnect: fetch.preconnect },
    );
    const sandbox = clientFor(s, { env: "sandbox", fetch: spy });
    expect((await sandbox.equity("SPY")).symbol).toBe("SPY");
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((v) => v === null)).toBe(true);
    seen.length = 0;
    const p = await sim();
    const production = clientFor(p, { env: "production", fetch: spy });
    await production.equity("SPY");
    expect(seen.some((v) => v === "20251101")).toBe(true);
  });

  test("502 on market metrics / quotes in the sandbox: one request, 'not available in sandbox'", async () => {
    const s = await sim({ environment: "sandbox" });
    const c = clientFor(s, { env: "sandbox", retries: 6 });
    const before = s.stats.requests;
    const err = await c.marketMetrics(["SPY"]).catch((e: unknown) => e);
    expect(isUnavailable(err)).toBe(true);
    expect((err as Error).message).toContain("not available in sandbox");
    const err2 = await c.quotes({ equity: ["SPY"] }).catch((e: unknown) => e);
    expect(isUnavailable(err2)).toBe(true);
    // One metrics + one by-type request (+ the OAuth grant): no retries.
    expect(s.stats.byRoute["sandbox-502"]).toBe(2);
    expect(s.stats.requests - before).toBeLessThanOrEqual(3);
  });
});

describe("pagination and quote tokens", () => {
  test("per-page is sent on the paginated equities route and kept on later pages", async () => {
    const s = await sim({ defaultPerPage: 5 });
    const paths: string[] = [];
    const spy: typeof fetch = Object.assign(
      async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
        paths.push(String(input));
        return fetch(input, init);
      },
      { preconnect: fetch.preconnect },
    );
    const c = clientFor(s, { fetch: spy, equitiesBatch: 100 });
    const symbols = s.universe.symbols.slice(0, 40);
    const rows = await c.equities(symbols);
    expect(rows.map((r) => r.symbol).sort()).toEqual([...symbols].sort());
    const eq = paths.filter((p) => p.includes("/instruments/equities?"));
    expect(eq.length).toBe(1); // 40 symbols in one page of 250, not 8 pages of the default 5
    expect(eq[0]).toContain("per-page=250");
  });

  test("a quote token's expires-at is honoured; without it the token lasts ~20 h from receipt", () => {
    const t = decodeQuoteToken(
      {
        token: "qt-1",
        "dxlink-url": "wss://x/realtime",
        level: "api",
        "expires-at": "2026-08-05T13:30:00.000Z",
      },
      "test",
      Date.parse("2026-08-04T14:00:00Z"),
    );
    expect(t.expiresAt).toBe(Date.parse("2026-08-05T13:30:00Z"));
    expect(quoteTokenExpiry(t)).toBe(Date.parse("2026-08-05T13:30:00Z"));
    const u = decodeQuoteToken({ token: "qt-2", "dxlink-url": "wss://x", level: "api" }, "test", 1_000);
    expect(u.expiresAt).toBeNull();
    expect(quoteTokenExpiry(u)).toBe(1_000 + 20 * 3600_000);
  });
});

describe("concurrency", () => {
  test("the default starts at 16 (config and client) and the limiter grows it to 4x", () => {
    expect(DEFAULT_CONCURRENCY).toBe(16);
    expect(loadConfig({ env: {} }).config["api.concurrency"]).toBe(16);
    const l = new AdaptiveLimiter(16, 1, 0, 64);
    expect(l.current).toBe(16);
    for (let i = 0; i < 10_000; i++) l.onSuccess();
    expect(l.current).toBe(64);
    l.onThrottled(1);
    expect(l.current).toBe(32);
  });

  test("a 507-symbol collection under the sim's rate limiter completes from concurrency 16", async () => {
    const s = await sim({ faults: { rateLimit: true } });
    const c = clientFor(s, { concurrency: 16, backoff: {} });
    const data = await collectUniverse(c, s.universe.symbols, { parts: ["equities", "chains"] });
    expect(data.failures).toEqual([]);
    expect(data.complete).toBe(s.universe.symbols.length);
    expect(c.transport.limiter.max).toBe(64);
  });
});
