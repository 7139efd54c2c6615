/** The sim's REST behaviour over real HTTP: auth, errors, pagination, encoding, limits, determinism. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { startSim } from "../index.ts";
import { grant, type Harness, harness, UA } from "../testing/harness.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

let h: Harness;
beforeAll(async () => {
  h = await harness({ seed: 7 });
});
afterAll(() => h.sim.stop());

interface Envelope<T> {
  data: T;
  context: string;
  pagination?: Record<string, unknown> | null;
}
type Items<T = Record<string, unknown>> = { items: T[] };

describe("auth", () => {
  test("token response has the OAuth fields at the top level (no envelope)", async () => {
    const r = await grant(h.sim);
    expect(r.status).toBe(200);
    const body = (await r.json()) as Record<string, unknown>;
    expect(body.data).toBeUndefined();
    expect(body.token_type).toBe("Bearer");
    expect(body.expires_in).toBe(900);
    expect(typeof body.access_token).toBe("string");
    expect(body.refresh_token).toBe(h.sim.refreshToken);
  });

  test("form-encoded grant is accepted", async () => {
    const r = await fetch(`${h.sim.url}/oauth/token`, {
      method: "POST",
      headers: { "user-agent": UA, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: h.sim.refreshToken,
        client_secret: h.sim.clientSecret,
      }).toString(),
    });
    expect(r.status).toBe(200);
  });

  test("wrong client secret → 401 with an OAuth error body", async () => {
    const r = await grant(h.sim, { client_secret: "nope" });
    expect(r.status).toBe(401);
    expect(await r.json()).toEqual({ error: "invalid_client", error_description: expect.any(String) });
  });

  test("wrong refresh token → 400 invalid_grant; wrong grant type → 400", async () => {
    const r = await grant(h.sim, { refresh_token: "nope" });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toBe("invalid_grant");
    const r2 = await grant(h.sim, { grant_type: "password" });
    expect(r2.status).toBe(400);
    expect(((await r2.json()) as { error: string }).error).toBe("unsupported_grant_type");
  });

  test("malformed token body → 400 invalid_request", async () => {
    const r = await fetch(`${h.sim.url}/oauth/token`, {
      method: "POST",
      headers: { "user-agent": UA, "content-type": "application/json" },
      body: "{not json",
    });
    expect(r.status).toBe(400);
  });

  test("missing or malformed User-Agent → 401, even with a valid token (also on /oauth/token)", async () => {
    for (const ua of ["", "ttapi", "no slash here"]) {
      const r = await fetch(`${h.sim.url}/instruments/equities/AAPL`, {
        headers: { "user-agent": ua, authorization: `Bearer ${h.token}` },
      });
      expect(r.status).toBe(401);
      const body = (await r.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("invalid_user_agent");
    }
    const r = await fetch(`${h.sim.url}/oauth/token`, {
      method: "POST",
      headers: { "user-agent": "" },
      body: "{}",
    });
    expect(r.status).toBe(401);
  });

  test("missing, unknown token → 401 with the API error body", async () => {
    const r = await fetch(`${h.sim.url}/instruments/equities/AAPL`, { headers: { "user-agent": UA } });
    expect(r.status).toBe(401);
    const r2 = await h.get("/instruments/equities/AAPL", { authorization: "Bearer not-a-token" });
    expect(r2.status).toBe(401);
    expect(Object.keys(((await r2.json()) as { error: object }).error).sort()).toEqual(["code", "message"]);
  });

  test("tokens expire after the TTL (injectable clock)", async () => {
    let t = 1_000_000;
    const sim = await startSim({ seed: 7, tokenTtlSec: 60, now: () => t });
    try {
      const { access_token } = (await (await grant(sim)).json()) as { access_token: string };
      const get = () =>
        fetch(`${sim.url}/customers/me/accounts`, {
          headers: { "user-agent": UA, authorization: `Bearer ${access_token}` },
        });
      expect((await get()).status).toBe(200);
      t += 59_999;
      expect((await get()).status).toBe(200);
      t += 1;
      const r = await get();
      expect(r.status).toBe(401);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe("token_expired");
      // A fresh grant works again.
      expect((await grant(sim)).status).toBe(200);
    } finally {
      await sim.stop();
    }
  });

  test("a removed Accept-Version → 406 with an int code", async () => {
    const r = await h.get("/instruments/equities/AAPL", { "accept-version": "20190101" });
    expect(r.status).toBe(406);
    expect(await r.json()).toEqual({
      error: { code: 406, message: "The requested version is not supported." },
    });
    expect((await h.get("/instruments/equities/AAPL", { "accept-version": "20251101" })).status).toBe(200);
  });

  test("the public risk-free-rate route needs no token", async () => {
    const r = await fetch(`${h.sim.url}/margin-requirements-public-configuration`, {
      headers: { "user-agent": UA },
    });
    expect(r.status).toBe(200);
    expect(((await r.json()) as Envelope<{ "risk-free-rate": string }>).data["risk-free-rate"]).toBe("0.04");
  });
});

describe("instruments", () => {
  test("pagination walks the whole universe with no gaps or repeats", async () => {
    const seen: string[] = [];
    let offset = 0;
    let pages = 0;
    for (;;) {
      const body = await h.json<Envelope<Items>>(`/instruments/equities?per-page=100&page-offset=${offset}`);
      const p = body.pagination as Record<string, unknown>;
      expect(p["per-page"]).toBe(100);
      expect(p["page-offset"]).toBe(offset);
      expect(p["item-offset"]).toBe(offset * 100);
      expect(p["total-items"]).toBe(507);
      expect(p["total-pages"]).toBe(6);
      expect(p["current-item-count"]).toBe(body.data.items.length);
      for (const it of body.data.items) seen.push(it.symbol as string);
      pages++;
      if (offset + 1 >= (p["total-pages"] as number)) {
        expect(p["next-link"]).toBeNull();
        break;
      }
      expect(typeof p["next-link"]).toBe("string");
      offset++;
    }
    expect(pages).toBe(6);
    expect(seen.length).toBe(507);
    expect(new Set(seen).size).toBe(507);
  });

  test("bulk symbol[] lookup with percent-encoded slash; unknown symbols are left out", async () => {
    const body = await h.json<Envelope<Items>>(
      "/instruments/equities?symbol[]=AAPL&symbol[]=BRK%2FB&symbol[]=NOPE&symbol[]=BF%2FB",
    );
    expect(body.data.items.map((i) => i.symbol)).toEqual(["AAPL", "BRK/B", "BF/B"]);
    expect(body.data.items.every((i) => typeof i.id === "number" && typeof i["is-etf"] === "boolean")).toBe(
      true,
    );
  });

  test("filters is-etf / is-index", async () => {
    const etfs = await h.json<Envelope<Items>>("/instruments/equities?is-etf=true&per-page=2000");
    expect(etfs.data.items.map((i) => i.symbol)).toContain("SPY");
    expect(etfs.data.items.every((i) => i["is-etf"] === true)).toBe(true);
  });

  test("bad page parameters → 400 with errors[]", async () => {
    const r = await h.get("/instruments/equities?per-page=0");
    expect(r.status).toBe(400);
    const body = (await r.json()) as { error: { code: string; errors: unknown[] } };
    expect(body.error.errors.length).toBe(1);
  });

  test("single equity by percent-encoded path; double encoding is a 404", async () => {
    const body = await h.json<Envelope<Record<string, unknown>>>("/instruments/equities/BRK%2FB");
    expect(body.data.symbol).toBe("BRK/B");
    expect(body.context).toBe("/instruments/equities/BRK%2FB");
    expect((await h.get("/instruments/equities/BRK%252FB")).status).toBe(404);
    const nf = await h.get("/instruments/equities/NOPE");
    expect(nf.status).toBe(404);
    expect(Object.keys(((await nf.json()) as { error: object }).error)).toEqual(["code", "message"]);
  });

  test("equity option by OCC symbol; a streamer symbol on the REST path is a 404", async () => {
    const chain = await h.json<
      Envelope<Items<{ expirations: { strikes: { call: string; "call-streamer-symbol": string }[] }[] }>>
    >("/option-chains/AAPL/nested");
    const strike = chain.data.items[0]?.expirations[2]?.strikes[3];
    if (!strike) throw new TypeError("chain too small");
    const body = await h.json<Envelope<Record<string, unknown>>>(
      `/instruments/equity-options/${encodeURIComponent(strike.call)}`,
    );
    expect(body.data.symbol).toBe(strike.call);
    expect(body.data["streamer-symbol"]).toBe(strike["call-streamer-symbol"]);
    expect(
      (await h.get(`/instruments/equity-options/${encodeURIComponent(strike["call-streamer-symbol"])}`))
        .status,
    ).toBe(404);
  });

  test("nested and compact chains list the same contracts", async () => {
    const nested =
      await h.json<
        Envelope<
          Items<{ "root-symbol": string; expirations: { strikes: { call: string; put: string }[] }[] }>
        >
      >("/option-chains/SPX/nested");
    const compact = await h.json<
      Envelope<Items<{ "root-symbol": string; symbols: string[]; "streamer-symbols": string[] }>>
    >("/option-chains/SPX/compact");
    expect(nested.data.items.map((i) => i["root-symbol"])).toEqual(["SPX", "SPXW"]);
    for (const [i, root] of nested.data.items.entries()) {
      const occ = root.expirations.flatMap((e) => e.strikes.flatMap((s) => [s.call, s.put]));
      const c = compact.data.items[i];
      expect(c?.["root-symbol"]).toBe(root["root-symbol"]);
      expect(new Set(c?.symbols)).toEqual(new Set(occ));
      expect(c?.["streamer-symbols"].length).toBe(occ.length);
    }
    expect((await h.get("/option-chains/NOPE/nested")).status).toBe(404);
  });
});

describe("market data", () => {
  test("market-metrics takes one comma list (with an encoded slash)", async () => {
    const body = await h.json<Envelope<Items>>("/market-metrics?symbols=AAPL,BRK%2FB,NOPE");
    expect(body.data.items.map((i) => i.symbol)).toEqual(["AAPL", "BRK/B"]);
    const m = body.data.items[0] as Record<string, unknown>;
    for (const k of [
      "implied-volatility-index",
      "implied-volatility-index-rank",
      "implied-volatility-percentile",
      "historical-volatility-30-day",
    ]) {
      expect(typeof m[k]).toBe("string");
      expect(Number.isFinite(Number(m[k]))).toBe(true);
    }
  });

  test("by-type: up to 100 symbols in total, more → 400", async () => {
    const syms = h.sim.universe.symbols.filter((s) => !h.sim.universe.profile(s)?.isIndex);
    const ok = await h.get(
      `/market-data/by-type?equity=${syms.slice(0, 99).map(encodeURIComponent).join(",")}&index=SPX`,
    );
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as Envelope<Items>).data.items.length).toBe(100);
    const tooMany = await h.get(
      `/market-data/by-type?equity=${syms.slice(0, 100).map(encodeURIComponent).join(",")}&index=SPX`,
    );
    expect(tooMany.status).toBe(400);
    const body = (await tooMany.json()) as { error: { code: string; message: string; errors: unknown[] } };
    expect(body.error.code).toBe("too_many_symbols");
  });

  test("by-type option rows use OCC symbols; quotes are consistent (bid ≤ mid ≤ ask)", async () => {
    const occ = "SPY   260807C00560000";
    const body = await h.json<Envelope<Items>>(
      `/market-data/by-type?equity=SPY&equity-option=${encodeURIComponent(occ)}`,
    );
    expect(body.data.items.map((i) => i.symbol)).toEqual(["SPY", occ]);
    for (const row of body.data.items) {
      expect(Number(row.bid)).toBeLessThanOrEqual(Number(row.mid));
      expect(Number(row.mid)).toBeLessThanOrEqual(Number(row.ask));
    }
  });

  test("quote token points at this sim's DXLink endpoint and is accepted by it", async () => {
    const body =
      await h.json<Envelope<{ token: string; "dxlink-url": string; level: string }>>("/api-quote-tokens");
    expect(body.data["dxlink-url"]).toBe(h.sim.wsUrl);
    expect(body.data.level).toBe("api");
    expect(h.sim.validateQuoteToken(body.data.token)).toBe(true);
    expect(h.sim.validateQuoteToken("forged")).toBe(false);
  });

  test("quote tokens expire after their configured validity", async () => {
    let t = 5_000_000;
    const sim = await startSim({ seed: 7, quoteTokenTtlSec: 10, now: () => t });
    try {
      const { access_token } = (await (await grant(sim)).json()) as { access_token: string };
      const r = await fetch(`${sim.url}/api-quote-tokens`, {
        headers: { "user-agent": UA, authorization: `Bearer ${access_token}` },
      });
      const { data } = (await r.json()) as Envelope<{ token: string }>;
      expect(sim.validateQuoteToken(data.token)).toBe(true);
      t += 10_000;
      expect(sim.validateQuoteToken(data.token)).toBe(false);
    } finally {
      await sim.stop();
    }
  });
});

describe("accounts", () => {
  test("accounts, balances (items per currency and /USD), positions with marks and filter", async () => {
    const accts =
      await h.json<Envelope<Items<{ account: { "account-number": string } }>>>("/customers/me/accounts");
    expect(accts.data.items.length).toBe(2);
    const n = accts.data.items[0]?.account["account-number"] as string;
    expect(accts.data.items.map((i) => i.account["account-number"])).toEqual(
      h.sim.universe.accounts().map((a) => a.accountNumber),
    );
    const bal = await h.json<Envelope<Items>>(`/accounts/${n}/balances`);
    expect(bal.data.items.length).toBe(1);
    expect(bal.context).toBe(`/accounts/${n}/balances`);
    const usd = await h.json<Envelope<Record<string, unknown>>>(`/accounts/${n}/balances/USD`);
    expect(usd.data["net-liquidating-value"]).toBe(bal.data.items[0]?.["net-liquidating-value"]);
    const pos = await h.json<Envelope<Items>>(`/accounts/${n}/positions?include-marks=true`);
    expect(pos.data.items.length).toBeGreaterThan(3);
    expect(pos.data.items.every((p) => typeof p.mark === "string" && typeof p.multiplier === "number")).toBe(
      true,
    );
    const spy = await h.json<Envelope<Items>>(`/accounts/${n}/positions?underlying-symbol[]=SPY`);
    expect(spy.data.items.length).toBeGreaterThan(0);
    expect(spy.data.items.every((p) => p["underlying-symbol"] === "SPY")).toBe(true);
    const noMarks = await h.json<Envelope<Items>>(`/accounts/${n}/positions`);
    expect(noMarks.data.items[0]?.mark).toBeUndefined();
    expect((await h.get("/accounts/5WX00000/balances")).status).toBe(404);
    expect((await h.get("/customers/12345/accounts")).status).toBe(403);
  });
});

describe("determinism", () => {
  const PATHS = [
    "/instruments/equities?per-page=50&page-offset=3",
    "/instruments/equities/BRK%2FB",
    "/option-chains/AAPL/nested",
    "/option-chains/BABA/compact",
    "/market-metrics?symbols=AAPL,SPY,TSLA",
    "/market-data/by-type?equity=AAPL,MSFT&index=SPX",
    "/customers/me/accounts",
    "/market-time/sessions/current",
  ];

  test("same seed ⇒ byte-identical bodies (two independent sims)", async () => {
    const a = await harness({ seed: "same" });
    const b = await harness({ seed: "same" });
    const c = await harness({ seed: "different" });
    try {
      const acct = a.sim.universe.accounts()[0]?.accountNumber as string;
      let differs = 0;
      for (const p of [
        ...PATHS,
        `/accounts/${acct}/positions?include-marks=true`,
        `/accounts/${acct}/balances`,
      ]) {
        const [x, y, z] = await Promise.all([
          a.get(p).then((r) => r.text()),
          b.get(p).then((r) => r.text()),
          c.get(p).then((r) => r.text()),
        ]);
        expect(x).toBe(y);
        if (x !== z) differs++;
      }
      // A different seed changes the market (not every route: the session calendar is the same).
      expect(differs).toBeGreaterThan(5);
      expect(a.token).toBe(b.token);
    } finally {
      await Promise.all([a.sim.stop(), b.sim.stop(), c.sim.stop()]);
    }
  });
});

describe("errors and stats", () => {
  test("unknown route → 404 with the API error body; non-GET → 405", async () => {
    const r = await h.get("/no/such/route");
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe("not_found");
    const p = await fetch(`${h.sim.url}/instruments/equities`, {
      method: "POST",
      headers: { "user-agent": UA, authorization: `Bearer ${h.token}` },
    });
    expect(p.status).toBe(405);
  });

  test("stats count requests, routes, statuses and bytes", async () => {
    const before = h.sim.stats.requests;
    const routeBefore = h.sim.stats.byRoute["GET /instruments/equities/{symbol}"] ?? 0;
    await h.get("/instruments/equities/MSFT").then((r) => r.text());
    expect(h.sim.stats.requests).toBe(before + 1);
    expect(h.sim.stats.byRoute["GET /instruments/equities/{symbol}"]).toBe(routeBefore + 1);
    expect(h.sim.stats.byStatus["200"]).toBeGreaterThan(0);
    expect(h.sim.stats.bytesOut).toBeGreaterThan(1000);
  });
});
