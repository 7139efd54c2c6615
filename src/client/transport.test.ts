/**
 * Transport, auth and resilience against a tiny local stub server (127.0.0.1): headers, retries
 * and what is never retried, Retry-After, truncated bodies, timeouts, resets on a fresh connection,
 * single-flight refresh, bad credentials without a retry storm, 401 → refresh once, the on-disk
 * token cache, circuit breaker open → half-open → closed, AIMD concurrency, and redacted logs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isTTError } from "../core/errors.ts";
import { configureLogging, flushLogs } from "../core/log.ts";
import { redact } from "../core/redact.ts";
import { tempDirs } from "../core/testing/temp-dirs.ts";
import { USER_AGENT } from "../core/version.ts";
import { type ClientOptions, createClient } from "./client.ts";
import { AdaptiveLimiter, parseRetryAfter, retryDelay } from "./resilience.ts";

const tmp = tempDirs();

setDefaultTimeout(30_000);

const SECRET = "stub-client-secret-Q9x";
const REFRESH = "stub-refresh-token-Z7k";

interface Stub {
  url: string;
  grants: number;
  hits: Map<string, number>;
  tokens: Set<string>;
  lastHeaders: Headers | null;
  lastRawPath: string;
  tokenTtl: number;
  /** Per-path behaviour override: return a Response to short-circuit. */
  fault:
    | ((path: string, hit: number, req: Request) => Response | Promise<Response | undefined> | undefined)
    | null;
  stop(): void;
}

function equityBody(sym: string) {
  return {
    data: { symbol: sym, "streamer-symbol": sym, "instrument-type": "Equity", id: 1, "is-etf": false },
    context: `/instruments/equities/${sym}`,
  };
}

function startStub(): Stub {
  let n = 0;
  const stub: Stub = {
    url: "",
    grants: 0,
    hits: new Map(),
    tokens: new Set(),
    lastHeaders: null,
    lastRawPath: "",
    tokenTtl: 900,
    fault: null,
    stop: () => server.stop(true),
  };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const u = new URL(req.url);
      const rawPath = req.url.slice(req.url.indexOf("/", 8));
      const key = u.pathname;
      const hit = (stub.hits.get(key) ?? 0) + 1;
      stub.hits.set(key, hit);
      stub.lastHeaders = req.headers;
      stub.lastRawPath = rawPath;
      const ua = req.headers.get("user-agent") ?? "";
      if (!ua.includes("/"))
        return Response.json({ error: { code: "unauthorized", message: "bad user agent" } }, { status: 401 });
      const f = await stub.fault?.(key, hit, req);
      if (f) return f;
      if (key === "/oauth/token" && req.method === "POST") {
        stub.grants++;
        const body = (await req.json()) as Record<string, string>;
        if (
          body.client_secret !== SECRET ||
          body.refresh_token !== REFRESH ||
          body.grant_type !== "refresh_token"
        ) {
          return Response.json(
            { error: "invalid_grant", error_description: "Grant revoked" },
            { status: 401 },
          );
        }
        const token = `access-${++n}-${Math.random().toString(36).slice(2)}`;
        stub.tokens.add(token);
        // TastyTrade (and the sim) send the refresh token back with every grant.
        return Response.json({
          access_token: token,
          token_type: "Bearer",
          expires_in: stub.tokenTtl,
          refresh_token: REFRESH,
        });
      }
      const auth = req.headers.get("authorization") ?? "";
      if (!auth.startsWith("Bearer ") || !stub.tokens.has(auth.slice(7))) {
        return Response.json({ error: { code: "invalid_token", message: "token expired" } }, { status: 401 });
      }
      if (key.startsWith("/instruments/equities/"))
        return Response.json(equityBody(decodeURIComponent(key.slice(22))));
      if (key === "/accounts/5WT00001/balances") {
        return Response.json({
          data: { "account-number": "5WT00001", "cash-balance": "10.5", currency: "USD" },
          context: "/accounts/5WT00001/balances",
        });
      }
      if (key === "/customers/me/accounts") {
        return Response.json({
          data: {
            items: [
              { account: { "account-number": "5WT00001", nickname: "main" }, "authority-level": "owner" },
            ],
          },
          context: key,
        });
      }
      if (key === "/instruments/equities") {
        // Paginated: 2 per page.
        const syms = u.searchParams.getAll("symbol[]");
        const page = Number(u.searchParams.get("page-offset") ?? 0);
        const per = 2;
        const slice = syms.slice(page * per, page * per + per);
        return Response.json({
          data: { items: slice.map((s) => equityBody(s).data) },
          context: key,
          pagination: {
            "per-page": per,
            "page-offset": page,
            "total-pages": Math.ceil(syms.length / per),
            "total-items": syms.length,
          },
        });
      }
      if (key === "/orders") return Response.json({ data: {}, context: key });
      return Response.json({ error: { code: "not_found", message: "no route" } }, { status: 404 });
    },
  });
  stub.url = `http://127.0.0.1:${server.port}`;
  return stub;
}

let stub: Stub;
let dataDir: string;
const logFile = join(tmp.make("ttapi-client-log-"), "ttapi.log");

beforeAll(() => {
  configureLogging({ file: logFile, fileLevel: "trace", consoleLevel: "silent" });
});
afterEach(() => stub?.stop());
afterAll(() => {
  configureLogging({ file: null });
  tmp.removeAll();
});

function client(extra: Partial<ClientOptions> = {}) {
  stub = startStub();
  dataDir = tmp.make("ttapi-client-");
  return createClient({
    baseUrl: stub.url,
    clientSecret: SECRET,
    refreshToken: REFRESH,
    dataDir,
    configDir: null,
    retries: 4,
    timeoutMs: 2_000,
    backoff: { baseMs: 5, maxMs: 50 },
    ...extra,
  });
}

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return "ok";
  } catch (e) {
    return isTTError(e) ? e.code : `not a TTError: ${String(e)}`;
  }
};

describe("requests", () => {
  test("Bearer, User-Agent, Accept-Version; path symbols encoded exactly once", async () => {
    const c = client();
    const e = await c.equity("BRK/B");
    expect(e.symbol).toBe("BRK/B");
    expect(stub.lastRawPath).toBe("/instruments/equities/BRK%2FB");
    expect(stub.lastHeaders?.get("user-agent")).toBe(USER_AGENT);
    expect(stub.lastHeaders?.get("accept-version")).toBe("20251101");
    expect(stub.lastHeaders?.get("authorization")).toMatch(/^Bearer access-/);
  });

  test("pagination is followed to the end; bulk uses symbol[]", async () => {
    const c = client();
    const rows = await c.equities(["A", "B", "C", "D", "E"]);
    expect(rows.map((r) => r.symbol)).toEqual(["A", "B", "C", "D", "E"]);
    expect(stub.hits.get("/instruments/equities")).toBe(3);
  });

  test("retries 503/502/408 then succeeds; 501, 404 and 400 are not retried", async () => {
    const c = client();
    stub.fault = (p, hit) =>
      p.startsWith("/instruments/equities/X") && hit <= 3
        ? new Response("oops", { status: [503, 502, 408][hit - 1] })
        : undefined;
    expect((await c.equity("X")).symbol).toBe("X");
    expect(stub.hits.get("/instruments/equities/X")).toBe(4);
    stub.fault = (p) => (p === "/instruments/equities/N" ? new Response("{}", { status: 501 }) : undefined);
    expect(await codeOf(c.equity("N"))).toBe("E_HTTP");
    expect(stub.hits.get("/instruments/equities/N")).toBe(1);
    expect(await codeOf(c.equity("ZZZ-404"))).toBe("ok"); // the stub answers any equity
    stub.fault = (p) =>
      p === "/instruments/equities/Q"
        ? Response.json({ error: { code: "bad", message: "bad param" } }, { status: 400 })
        : undefined;
    const err = await c.equity("Q").catch((e) => e);
    expect(err.code).toBe("E_HTTP");
    expect(err.message).toContain("GET /instruments/equities/Q: HTTP 400 (bad: bad param)");
    expect(stub.hits.get("/instruments/equities/Q")).toBe(1);
  });

  test("a non-idempotent POST is never replayed", async () => {
    const c = client();
    stub.fault = (p) => (p === "/orders" ? new Response("down", { status: 503 }) : undefined);
    expect(
      await codeOf(
        c.transport.request({ method: "POST", path: "/orders", group: "accounts", body: { x: 1 } }),
      ),
    ).toBe("E_HTTP");
    expect(stub.hits.get("/orders")).toBe(1);
  });

  test("gives up after the retry budget with the last error", async () => {
    const c = client({ retries: 2 });
    stub.fault = (p) => (p === "/instruments/equities/D" ? new Response("x", { status: 500 }) : undefined);
    expect(await codeOf(c.equity("D"))).toBe("E_HTTP");
    expect(stub.hits.get("/instruments/equities/D")).toBe(3);
  });

  test("Retry-After is honoured on 429", async () => {
    const c = client();
    stub.fault = (p, hit) =>
      p === "/instruments/equities/R" && hit === 1
        ? new Response("", { status: 429, headers: { "Retry-After": "1" } })
        : undefined;
    const t0 = performance.now();
    await c.equity("R");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(950);
    expect(c.stats.throttled).toBe(1);
  });

  test("429s have their own, larger retry budget (throttling is waited out, failures are not)", async () => {
    const c = client({ retries: 2 });
    stub.fault = (p, hit) =>
      p === "/instruments/equities/TH" && hit <= 8 ? new Response("", { status: 429 }) : undefined;
    expect((await c.equity("TH")).symbol).toBe("TH");
    expect(stub.hits.get("/instruments/equities/TH")).toBe(9);
    const c2 = client({ retries: 2, throttleRetries: 3 });
    stub.fault = (p) => (p === "/instruments/equities/TX" ? new Response("", { status: 429 }) : undefined);
    expect(await codeOf(c2.equity("TX"))).toBe("E_RATE_LIMIT");
    expect(stub.hits.get("/instruments/equities/TX")).toBe(4);
  });

  test("a truncated JSON body is a retryable failure", async () => {
    const c = client();
    stub.fault = (p, hit) =>
      p === "/instruments/equities/T" && hit === 1
        ? new Response('{"data":{"symbol":"T"', { status: 200 })
        : undefined;
    expect((await c.equity("T")).symbol).toBe("T");
    expect(c.stats.parseErrors).toBe(1);
    expect(stub.hits.get("/instruments/equities/T")).toBe(2);
  });

  // Timeouts of 1 s, not ~150 ms: on a loaded CI machine a healthy retry took longer than that and
  // was counted as a second timeout.
  test("a per-request timeout is retried", async () => {
    const c = client({ timeoutMs: 1_000 });
    stub.fault = async (p, hit) => {
      if (p === "/instruments/equities/S" && hit === 1) await Bun.sleep(3_000);
      return undefined;
    };
    expect((await c.equity("S")).symbol).toBe("S");
    expect(c.stats.timeouts).toBe(1);
  });

  test("a body that stalls after the headers times out and is retried", async () => {
    const c = client({ timeoutMs: 1_000 });
    stub.fault = (p, hit) => {
      if (p !== "/instruments/equities/B" || hit !== 1) return undefined;
      // Headers and the start of the body, then nothing (a frozen socket mid-body).
      const stream = new ReadableStream({
        start(ctl) {
          ctl.enqueue(new TextEncoder().encode('{"data":{"symbol":'));
        },
      });
      return new Response(stream, { headers: { "content-type": "application/json" } });
    };
    const t0 = performance.now();
    expect((await c.equity("B")).symbol).toBe("B");
    expect(c.stats.timeouts).toBe(1);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  test("cancellation stops promptly with E_CANCELLED", async () => {
    const c = client();
    stub.fault = async (p) => {
      if (p === "/instruments/equities/C") await Bun.sleep(2_000);
      return undefined;
    };
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 50);
    const t0 = performance.now();
    expect(await codeOf(c.equity("C", { signal: ctl.signal }))).toBe("E_CANCELLED");
    expect(performance.now() - t0).toBeLessThan(1_000);
  });
});

describe("auth", () => {
  test("a rotated refresh token is used for the next grant and never reaches a log line or an error", async () => {
    const ROTATED = "stub-rotated-refresh-R2d8w";
    const presented: string[] = [];
    const c = client();
    stub.fault = async (path, _hit, req) => {
      if (path !== "/oauth/token") return undefined;
      const body = (await req.json()) as Record<string, string>;
      presented.push(body.refresh_token!);
      if (presented.length === 3) {
        // A misbehaving server that echoes the token it rejects: the error must not carry it.
        return Response.json(
          { error: "invalid_grant", error_description: `refresh token ${body.refresh_token} revoked` },
          { status: 401 },
        );
      }
      const token = `access-rotated-${presented.length}`;
      stub.tokens.add(token);
      return Response.json({ access_token: token, expires_in: 900, refresh_token: ROTATED });
    };
    await c.equity("A");
    stub.tokens.clear(); // the access token is revoked: the next request refreshes
    await c.equity("B");
    expect(presented).toEqual([REFRESH, ROTATED]);
    stub.tokens.clear();
    const err = await c.equity("C").catch((e) => e);
    expect(err.code).toBe("E_AUTH");
    expect(presented).toEqual([REFRESH, ROTATED, ROTATED]);
    flushLogs();
    // Errors are printed through redact (cli/context.ts): the cause here does carry the token.
    expect(String(err.cause?.message)).toContain(ROTATED);
    const printed = [err.message, err.hint, JSON.stringify(err.details), String(err.cause?.message)].map(
      redact,
    );
    for (const text of [...printed, readFileSync(logFile, "utf8")]) expect(text).not.toContain(ROTATED);
    expect(redact(`posting ${ROTATED} again`)).toBe("posting [REDACTED] again");
  });

  test("single-flight: 50 concurrent first requests cause one grant", async () => {
    const c = client();
    await Promise.all(Array.from({ length: 50 }, (_, i) => c.equity(`S${i}`)));
    expect(stub.grants).toBe(1);
  });

  test("bad credentials: one clear E_AUTH, one grant request, no retry storm", async () => {
    const c = client({ clientSecret: "wrong-secret-value" });
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => c.equity(`S${i}`).catch((e) => e)),
    );
    expect(stub.grants).toBe(1);
    for (const r of results) expect(r.code).toBe("E_AUTH");
    expect(results[0].message).toContain("OAuth refresh-token grant rejected (HTTP 401, invalid_grant)");
    expect(results[0].hint).toContain("ttapi auth login");
    expect(await codeOf(c.equity("again"))).toBe("E_AUTH");
    expect(stub.grants).toBe(1);
  });

  test("a 401 mid-run refreshes once and replays; a persistent 401 fails clearly after one refresh", async () => {
    const c = client();
    await c.equity("A");
    stub.tokens.clear(); // revoke
    expect((await c.equity("B")).symbol).toBe("B");
    expect(stub.grants).toBe(2);
    stub.fault = (p) =>
      p === "/instruments/equities/P"
        ? Response.json({ error: { code: "unauthorized" } }, { status: 401 })
        : undefined;
    const err = await c.equity("P").catch((e) => e);
    expect(err.code).toBe("E_AUTH");
    expect(err.message).toContain("rejected with 401 after refreshing");
    expect(stub.grants).toBe(3);
  });

  test("a server that rejects every fresh token: all fail with E_AUTH after at most 2 refreshes (no storm)", async () => {
    const c = client();
    stub.fault = (p) =>
      p !== "/oauth/token" ? Response.json({ error: { code: "unauthorized" } }, { status: 401 }) : undefined;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => c.equity(`U${i}`).catch((e) => e)),
    );
    for (const r of results) expect(r.code).toBe("E_AUTH");
    expect(stub.grants).toBeLessThanOrEqual(3);
    expect(await codeOf(c.equity("later"))).toBe("E_AUTH");
    expect(stub.grants).toBeLessThanOrEqual(3);
  });

  test("many concurrent 401s on a revoked token share one refresh", async () => {
    const c = client();
    await c.equity("A");
    stub.tokens.clear();
    await Promise.all(Array.from({ length: 40 }, (_, i) => c.equity(`R${i}`)));
    expect(stub.grants).toBe(2);
  });

  test("token refreshed before expiry (60 s margin, scaled for short tokens)", async () => {
    const c = client();
    stub.tokenTtl = 1; // margin = 10 % of 1 s
    await c.equity("A");
    await Bun.sleep(950);
    await c.equity("B");
    expect(stub.grants).toBe(2);
    expect(c.stats.authRefreshes).toBe(0); // refreshed proactively, never hit a 401
  });

  test("the access token is cached on disk (0600) and reused by the next run", async () => {
    const c = client();
    await c.equity("A");
    const files = new Bun.Glob("auth/token-*.json").scanSync(dataDir);
    const file = join(dataDir, [...files][0] ?? "missing");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).not.toContain(SECRET);
    // Only the short-lived access token is kept at rest: the refresh token lives in the
    // credentials file alone (main wrote a second copy here).
    expect(readFileSync(file, "utf8")).not.toContain(REFRESH);
    expect(Object.keys(JSON.parse(readFileSync(file, "utf8"))).sort()).toEqual([
      "accessToken",
      "expiresAt",
      "issuedAt",
    ]);
    const c2 = createClient({
      baseUrl: stub.url,
      clientSecret: SECRET,
      refreshToken: REFRESH,
      dataDir,
      configDir: null,
    });
    await c2.equity("B");
    expect(stub.grants).toBe(1);
  });

  test("a token cache written by an earlier version loses its refresh-token copy on first use", async () => {
    const c = client();
    await c.equity("A");
    const file = join(dataDir, [...new Bun.Glob("auth/token-*.json").scanSync(dataDir)][0] ?? "missing");
    const cached = JSON.parse(readFileSync(file, "utf8"));
    writeFileSync(file, JSON.stringify({ ...cached, refreshToken: REFRESH }));
    const c2 = createClient({
      baseUrl: stub.url,
      clientSecret: SECRET,
      refreshToken: REFRESH,
      dataDir,
      configDir: null,
    });
    await c2.equity("B");
    expect(stub.grants).toBe(1); // the access token itself is still reused
    expect(readFileSync(file, "utf8")).not.toContain(REFRESH);
  });

  test("token endpoint down: the grant is retried once per budget (not per waiting request), and not remembered as fatal", async () => {
    const c = client({ retries: 2 });
    let down = true;
    stub.fault = (p) => (down && p === "/oauth/token" ? new Response("down", { status: 503 }) : undefined);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => c.equity(`D${i}`).catch((e) => e)),
    );
    for (const r of results) {
      expect(r.code).toBe("E_HTTP");
      expect(r.message).toContain("could not obtain an access token: POST /oauth/token: HTTP 503");
    }
    expect(stub.hits.get("/oauth/token")).toBe(3); // 1 + 2 retries, shared by all 20 requests
    down = false;
    expect((await c.equity("back")).symbol).toBe("back");
  });

  test("the transient OAuth invalid_request is retried", async () => {
    const c = client();
    stub.fault = (p, hit) =>
      p === "/oauth/token" && hit === 1
        ? Response.json(
            { error_code: "invalid_request", error_description: "User is not a TastyTrade customer" },
            { status: 400 },
          )
        : undefined;
    expect((await c.equity("A")).symbol).toBe("A");
  });
});

describe("resilience", () => {
  test("circuit breaker opens under an outage, fails fast, then recovers via half-open", async () => {
    const c = client({
      retries: 0,
      breaker: { threshold: 0.5, windowMs: 2_000, minimumRps: 1, halfOpenAfterMs: 300 },
    });
    await c.equity("warm");
    let down = true;
    stub.fault = (p) =>
      down && p.startsWith("/instruments/equities/") ? new Response("down", { status: 503 }) : undefined;
    const codes: string[] = [];
    for (let i = 0; i < 20; i++) codes.push(await codeOf(c.equity(`O${i}`)));
    expect(codes).toContain("E_CIRCUIT_OPEN");
    const served = [...stub.hits.entries()].filter(([k]) => k.startsWith("/instruments/equities/O")).length;
    expect(served).toBeLessThan(20); // rejected without touching the server
    // Other endpoint groups are unaffected.
    expect((await c.balances("5WT00001"))[0]?.cashBalance).toBe(10.5);
    down = false;
    await Bun.sleep(350);
    expect((await c.equity("healthy")).symbol).toBe("healthy");
    expect(await codeOf(c.equity("after"))).toBe("ok");
  });

  test("open circuit is waited out by the retry policy", async () => {
    const c = client({
      retries: 6,
      breaker: { threshold: 0.5, windowMs: 2_000, minimumRps: 1, halfOpenAfterMs: 200 },
    });
    let down = true;
    setTimeout(() => {
      down = false;
    }, 400);
    stub.fault = (p) =>
      down && p.startsWith("/instruments/equities/") ? new Response("down", { status: 503 }) : undefined;
    const rows = await Promise.all(Array.from({ length: 10 }, (_, i) => c.equity(`W${i}`)));
    expect(rows).toHaveLength(10);
    expect(c.stats.failures).toBe(0);
  });

  test("AIMD: 429 halves the concurrency limit, successes grow it back", () => {
    const l = new AdaptiveLimiter(100, 1, 0);
    l.onThrottled(1);
    expect(l.current).toBe(50);
    l.onThrottled(2);
    expect(l.current).toBe(25);
    for (let i = 0; i < 25; i++) l.onSuccess();
    expect(l.current).toBe(26);
    for (let i = 0; i < 10_000; i++) l.onSuccess();
    expect(l.current).toBe(100);
    const slow = new AdaptiveLimiter(100, 1, 1_000);
    slow.onThrottled(5_000);
    slow.onThrottled(5_001); // the same burst counts once
    expect(slow.current).toBe(50);
  });

  test("full-jitter backoff stays within [0, min(max, base·2^n)] and Retry-After is a floor", () => {
    const o = { baseMs: 100, maxMs: 5_000, openCircuitMs: 1_000 };
    for (let attempt = 1; attempt < 12; attempt++) {
      for (const r of [0, 0.5, 0.999]) {
        const d = retryDelay(attempt, undefined, { ...o, random: () => r });
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(Math.min(5_000, 100 * 2 ** (attempt - 1)));
      }
    }
    expect(parseRetryAfter("2")).toBe(2_000);
    expect(parseRetryAfter(new Date(Date.now() + 3_000).toUTCString())).toBeGreaterThan(1_000);
    expect(parseRetryAfter("soon")).toBeNull();
  });

  test("a connection reset mid-response is retried on a fresh connection", async () => {
    // Raw socket server: the first response is cut after the headers, later ones are served.
    let conns = 0;
    let requests = 0;
    const tokenBody = JSON.stringify({ access_token: "raw-access-token-1", expires_in: 900 });
    const equity = JSON.stringify(equityBody("RST"));
    const raw = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open() {
          conns++;
        },
        data(s, d) {
          const text = d.toString();
          const body = text.startsWith("POST /oauth/token") ? tokenBody : equity;
          if (!text.startsWith("POST") && ++requests === 1) {
            s.write(
              `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
            );
            s.terminate();
            return;
          }
          s.write(
            `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
          );
        },
      },
    });
    try {
      const c = createClient({
        baseUrl: `http://127.0.0.1:${raw.port}`,
        clientSecret: SECRET,
        refreshToken: REFRESH,
        configDir: null,
        backoff: { baseMs: 5, maxMs: 20 },
      });
      expect((await c.equity("RST")).symbol).toBe("RST");
      expect(c.stats.networkErrors).toBe(1);
      expect(c.stats.freshConnections).toBe(1);
      expect(conns).toBeGreaterThanOrEqual(2);
    } finally {
      raw.stop(true);
    }
  });
});

describe("logging", () => {
  test("trace line per request; no secret, token or account number in any log line", async () => {
    const c = client();
    await c.accounts();
    await c.balances("5WT00001");
    stub.fault = (p, hit) =>
      p === "/instruments/equities/L" && hit === 1 ? new Response("x", { status: 503 }) : undefined;
    await c.equity("L");
    flushLogs();
    const lines = readFileSync(logFile, "utf8").trim().split("\n");
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const reqs = records.filter((r) => r.module === "client.http" && r.msg === "request");
    expect(reqs.length).toBeGreaterThanOrEqual(5);
    for (const r of reqs)
      for (const k of ["req", "method", "path", "status", "attempt", "ms"]) expect(r).toHaveProperty(k);
    expect(reqs.some((r) => r.status === 503 && r.attempt === 1)).toBe(true);
    expect(
      reqs.some(
        (r) => String(r.path).startsWith("/instruments/equities/L") && r.attempt === 2 && r.status === 200,
      ),
    ).toBe(true);
    const text = lines.join("\n");
    for (const secret of [SECRET, REFRESH, "5WT00001", ...stub.tokens]) expect(text).not.toContain(secret);
    expect(text).toContain("/accounts/[REDACTED]/balances");
  });
});
