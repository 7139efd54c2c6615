/**
 * (Lives in src/platform because only this layer may import both src/client and src/sim.)
 *
 * The REST client against the simulated exchange (src/sim, in-process on 127.0.0.1) and its fault
 * profiles: complete 507-symbol universes under a 429 storm, 20 % 5xx, connection resets +
 * server-closed keep-alive, and truncated bodies; token expiry and revocation in the middle of a
 * collection with no failed request; breaker open → recovery; graceful degradation; and no
 * secret or account number in any line of the JSON-lines log.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import {
  CHAIN_STRIKE_COLUMNS,
  type ClientOptions,
  collectUniverse,
  createClient,
  QUOTE_COLUMNS,
  schemaOf,
  type TastyClient,
  universeFrames,
} from "../client/index.ts";
import { isTTError } from "../core/errors.ts";
import { configureLogging, flushLogs } from "../core/log.ts";
import { tempDirs } from "../core/testing/temp-dirs.ts";
import { type FaultOptions, type SimServer, startSim } from "../sim/index.ts";

const tmp = tempDirs();

// Fault-profile collections take seconds on a loaded 2-core machine.
setDefaultTimeout(60_000);

const logDir = tmp.make("ttapi-client-sim-log-");
const logFile = join(logDir, "ttapi.log");
const dataDirs: string[] = [];
const sims: SimServer[] = [];
/** Everything that must never appear in a log line. */
const secrets = new Set<string>();

beforeAll(() => configureLogging({ file: logFile, fileLevel: "trace", consoleLevel: "silent" }));
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  configureLogging({ file: null });
  tmp.removeAll();
});

async function sim(faults?: FaultOptions, extra: { tokenTtlSec?: number } = {}): Promise<SimServer> {
  const s = await startSim({ seed: 7, faults, ...extra });
  sims.push(s);
  secrets.add(s.clientSecret);
  secrets.add(s.refreshToken);
  return s;
}

function clientFor(s: SimServer, extra: Partial<ClientOptions> = {}): TastyClient {
  const dataDir = tmp.make("ttapi-client-sim-");
  dataDirs.push(dataDir);
  return createClient({
    baseUrl: s.url,
    clientSecret: s.clientSecret,
    refreshToken: s.refreshToken,
    dataDir,
    configDir: null,
    ...extra,
  });
}

/** Access tokens the clients obtained (read from their 0600 caches) join the never-log set. */
function collectTokenSecrets(): void {
  for (const d of dataDirs) {
    let files: string[] = [];
    try {
      files = readdirSync(join(d, "auth"));
    } catch {
      continue;
    }
    for (const f of files)
      secrets.add(
        (JSON.parse(readFileSync(join(d, "auth", f), "utf8")) as { accessToken: string }).accessToken,
      );
  }
}

function expectComplete(r: Awaited<ReturnType<typeof collectUniverse>>, n: number): void {
  expect(r.failures).toEqual([]);
  expect(r.complete).toBe(n);
  expect(new Set(r.equities.map((e) => e.symbol)).size).toBe(n);
  expect(new Set(r.metrics.map((m) => m.symbol)).size).toBe(n);
  expect(new Set(r.quotes.map((q) => q.symbol)).size).toBe(n);
  expect(new Set(r.chains.map((c) => c.underlyingSymbol)).size).toBe(n);
}

describe("client ↔ sim: endpoints", () => {
  test("every endpoint decodes; frames have explicit schemas; BRK/B works in paths and lists", async () => {
    const s = await sim();
    const c = clientFor(s);
    const accounts = await c.accounts();
    expect(accounts.length).toBeGreaterThan(0);
    for (const a of accounts) secrets.add(a.accountNumber);
    const acct = accounts[0]?.accountNumber as string;
    const balances = await c.balances(acct);
    expect(balances[0]?.netLiquidatingValue).toBeNumber();
    const positions = await c.positions(acct);
    expect(positions.length).toBeGreaterThan(0);
    expect(positions.every((p) => p.quantity !== null && p.accountNumber === acct)).toBe(true);

    expect((await c.equity("BRK/B")).symbol).toBe("BRK/B");
    const eqs = await c.equities(["AAPL", "BRK/B", "SPY"]);
    expect(eqs.map((e) => e.symbol).sort()).toEqual(["AAPL", "BRK/B", "SPY"]);

    const nested = await c.nestedChain("BRK/B");
    expect(nested[0]?.underlyingSymbol).toBe("BRK/B");
    const strike = nested[0]?.expirations[0]?.strikes[0];
    expect(strike?.strikePrice).toBeNumber();
    expect(strike?.call).toHaveLength(21);
    const compact = await c.compactChain("AAPL");
    expect(compact[0]?.symbols.length).toBe(compact[0]?.streamerSymbols.length);

    const metrics = await c.marketMetrics(["AAPL", "BRK/B"]);
    expect(metrics.map((m) => m.symbol).sort()).toEqual(["AAPL", "BRK/B"]);
    expect(metrics[0]?.historicalVolatility30Day).toBeNumber();

    // 150 symbols → two by-type requests (the sim answers 400 above 100).
    const many = s.universe.symbols.slice(0, 150).filter((x) => !s.universe.equity(x)?.isIndex);
    const quotes = await c.quotes({ equity: many });
    expect(quotes.length).toBe(many.length);
    expect(quotes[0]?.haltStartTime).toBeNull();
    expect(s.stats.byStatus["400"] ?? 0).toBe(0);

    const qt = await c.quoteToken();
    secrets.add(qt.token);
    expect(qt.dxlinkUrl).toBe(s.wsUrl);

    const df = await c.frames.quotes({ equity: ["AAPL", "MSFT"] });
    expect(df.schema).toEqual(schemaOf(QUOTE_COLUMNS));
    const chainDf = await c.frames.nestedChain("SPY");
    expect(chainDf.schema).toEqual(schemaOf(CHAIN_STRIKE_COLUMNS));
    expect(chainDf.height).toBeGreaterThan(100);
    expect((await c.frames.accounts()).height).toBe(accounts.length);
    expect((await c.frames.positions(acct)).height).toBe(positions.length);
    expect((await c.frames.balances(acct)).height).toBe(balances.length);
    expect((await c.frames.compactChain("AAPL")).height).toBe(
      compact.reduce((n, x) => n + x.symbols.length, 0),
    );
    expect((await c.frames.marketMetrics(["AAPL"])).getColumn("symbol").toArray()).toEqual(["AAPL"]);
    expect((await c.frames.equities(["AAPL"])).height).toBe(1);
  });

  test("a clean 507-symbol collection is complete, with indexes quoted under index=", async () => {
    const s = await sim();
    const c = clientFor(s);
    const r = await collectUniverse(c, s.universe.symbols);
    expect(r.requested).toBe(507);
    expectComplete(r, 507);
    const f = await universeFrames(r);
    expect(f.equities.height).toBe(507);
    expect(f.chains.height).toBeGreaterThan(507 * 10);
    expect(f.chains.getColumn("strike_price").dtype.equals(pl.Float64)).toBe(true);
    expect(f.failures.height).toBe(0);
  });
});

describe("client ↔ sim: fault profiles (complete data, no failed request)", () => {
  const cases: [string, FaultOptions, Partial<ClientOptions>][] = [
    ["429 storm (the sim's rate-limit profile: 100 requests/s, bare 429s)", { rateLimit: true }, {}],
    ["20 % 5xx", { errors: 0.2 }, {}],
    [
      "connection resets mid-response + keep-alive closed every 50 responses",
      { reset: 0.05, goaway: 50 },
      {},
    ],
    ["truncated JSON bodies", { truncate: 0.05 }, {}],
    // Chains decoded on a scan worker: a truncated body is still caught inside the attempt and retried.
    ["truncated JSON bodies, chains scanned on a worker", { truncate: 0.05 }, { scanWorkers: 1 }],
  ];
  for (const [name, faults, extra] of cases) {
    test(name, async () => {
      const s = await sim(faults);
      const c = clientFor(s, extra);
      const r = await collectUniverse(c, s.universe.symbols);
      expectComplete(r, 507);
      expect(c.stats.failures).toBe(0);
      const injected = Object.values(s.stats.faults).reduce((a, b) => a + (b as number), 0);
      expect(injected).toBeGreaterThan(0);
      expect(c.stats.retries).toBeGreaterThan(0);
      if (faults.rateLimit) {
        expect(c.stats.throttled).toBeGreaterThan(0);
        expect(c.transport.limiter.decreases).toBeGreaterThan(0);
      }
      if (faults.reset) expect(c.stats.freshConnections).toBeGreaterThan(0);
      if (faults.truncate) expect(c.stats.parseErrors).toBeGreaterThan(0);
    });
  }

  test("access token expiring (1 s TTL) and revoked (every 700 ms) mid-collection: no failed request", async () => {
    const s = await sim({ latency: 10, revoke: 700 }, { tokenTtlSec: 1 });
    const c = clientFor(s);
    const r = await collectUniverse(c, s.universe.symbols);
    expectComplete(r, 507);
    expect(c.stats.failures).toBe(0);
    expect(s.stats.accessTokensIssued).toBeGreaterThan(1);
    expect(c.tokens?.refreshes).toBeGreaterThan(1);
  });
});

describe("client ↔ sim: breaker and degradation", () => {
  test("the metrics breaker opens under an outage, other groups keep working, then it recovers", async () => {
    const s = await sim();
    const c = clientFor(s, {
      retries: 0,
      breaker: { threshold: 0.5, windowMs: 2_000, minimumRps: 1, halfOpenAfterMs: 300 },
    });
    await c.marketMetrics(["AAPL"]);
    s.faults.errors = 1;
    const codes: string[] = [];
    for (let i = 0; i < 15; i++)
      codes.push(
        await c.marketMetrics(["AAPL"]).then(
          () => "ok",
          (e) => (isTTError(e) ? e.code : "?"),
        ),
      );
    expect(codes).toContain("E_CIRCUIT_OPEN");
    const before = s.stats.requests;
    expect(await c.marketMetrics(["AAPL"]).catch((e) => e.code)).toBe("E_CIRCUIT_OPEN");
    expect(s.stats.requests).toBe(before); // failed fast, the server saw nothing
    s.faults.errors = 0;
    expect((await c.equity("AAPL")).symbol).toBe("AAPL"); // instruments breaker is separate
    await Bun.sleep(350);
    expect((await c.marketMetrics(["AAPL"]))[0]?.symbol).toBe("AAPL"); // half-open probe closes it
    expect((await c.marketMetrics(["MSFT"]))[0]?.symbol).toBe("MSFT");
  });

  test("within the threshold: data plus a failure list; beyond it: one E_DEGRADED summary", async () => {
    const s = await sim();
    const c = clientFor(s);
    const unknown = Array.from({ length: 20 }, (_, i) => `ZZNOPE${i}`);
    const r = await collectUniverse(c, [...s.universe.symbols, ...unknown]);
    expect(r.requested).toBe(527);
    expect(r.complete).toBe(507);
    expect(new Set(r.failures.map((f) => f.symbol))).toEqual(new Set(unknown));
    expect(r.failures.some((f) => f.endpoint === "chains" && f.code === "E_HTTP")).toBe(true);
    expect(r.missingFraction).toBeCloseTo(20 / 527, 6);

    const c2 = clientFor(s, {
      retries: 1,
      breaker: { threshold: 0.99, windowMs: 1_000, minimumRps: 1, halfOpenAfterMs: 100 },
    });
    await c2.tokens?.getToken(); // log in before the outage: this part is about the data endpoints
    s.faults.errors = 0.6;
    const err = await collectUniverse(c2, s.universe.symbols).catch((e) => e);
    s.faults.errors = 0;
    expect(err.code).toBe("E_DEGRADED");
    expect(err.message).toMatch(/^data missing for \d+ of 507 symbols \(more than the 20 % threshold\): /);
    // The top reasons are named: HTTP 5xx, or the breaker that opened because of them.
    expect(err.message).toMatch(/(E_HTTP|E_CIRCUIT_OPEN) ×\d+ \(e\.g\. /);
    expect(err.hint).toContain("api.missing-threshold");
  });

  test("cancellation stops a collection promptly", async () => {
    const s = await sim({ latency: 50 });
    const c = clientFor(s);
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 100);
    const t0 = performance.now();
    const err = await collectUniverse(c, s.universe.symbols, { signal: ctl.signal }).catch((e) => e);
    expect(err.code).toBe("E_CANCELLED");
    expect(performance.now() - t0).toBeLessThan(2_000);
  });
});

describe("client ↔ sim: logs", () => {
  test("no secret, token or account number in any log line; every request traced", () => {
    flushLogs();
    collectTokenSecrets();
    const text = readFileSync(logFile, "utf8");
    const lines = text.trim().split("\n");
    expect(lines.length).toBeGreaterThan(1000);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(3);
      const hit = lines.find((l) => l.includes(secret));
      expect(hit).toBeUndefined();
    }
    const traced = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((r) => r.msg === "request");
    expect(traced.length).toBeGreaterThan(1000);
    expect(
      traced.every(
        (r) => typeof r.req === "string" && typeof r.attempt === "number" && typeof r.ms === "number",
      ),
    ).toBe(true);
  });
});
