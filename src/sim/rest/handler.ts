/**
 * The sim's REST request handler: authentication, routing, envelopes, memoized bodies and fault
 * injection. It turns a `Request` into a `Response` and knows nothing about sockets, so it can be
 * mounted by `startSim` (Bun.serve) or called directly.
 *
 * Hot paths avoid work per request: bodies that depend only on (seed, route, symbol) are built once
 * and kept as strings; list responses join memoized item strings.
 */
import type { Json } from "../../core/json.ts";
import { type FaultDecision, FaultInjector, type FaultPlan } from "../faults.ts";
import { isoFromDays, isoTimestamp, type Universe } from "../universe/index.ts";
import { type AuthConfig, TokenStore } from "./auth.ts";
import {
  cryptocurrenciesJson,
  cryptoQuoteRowJson,
  futureProductsJson,
  futuresJson,
  quantityPrecisionsJson,
  searchJson,
} from "./catalog.ts";
import {
  accountJson,
  balanceJson,
  compactChainJson,
  equityJson,
  equityQuoteRowJson,
  metricsJson,
  nestedChainJson,
  num,
  optionQuoteRowJson,
  positionJson,
} from "./wire.ts";

export interface SimStats {
  requests: number;
  /** Per route name (`GET /instruments/equities/{symbol}` …). */
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  /** Faults injected, by kind (`rate-limit`, `error`, `reset`, `truncate`, `goaway`, `latency`, `revoked`). */
  faults: Record<string, number>;
  bytesIn: number;
  bytesOut: number;
  accessTokensIssued: number;
  quoteTokensIssued: number;
}

/** What the handler needs from the HTTP server: the peer of a request (to tell connections apart). */
export interface ConnectionInfo {
  requestIP(req: Request): { address: string; port: number } | null;
}

export interface HandlerConfig {
  universe: Universe;
  auth: AuthConfig;
  faults: FaultPlan;
  /** Clock for tokens, rate windows and revocation (injectable for tests). */
  now: () => number;
  /** Market time used for quotes/marks in REST snapshots (default: today's close, deterministic). */
  marketNow: () => number;
  /** Filled in by the server once the port is known. */
  dxlinkUrl: () => string;
  maxPerPage: number;
  defaultPerPage: number;
  /** The by-type symbol cap (the real API allows 100). */
  byTypeLimit: number;
  /** The service imitated: the sandbox refuses Accept-Version and serves no market data. */
  environment?: "production" | "sandbox";
  /** Send each quote token's `expires-at` (off by default: the real body has no expiry). */
  quoteTokenExpiresAt?: boolean;
}

/** Routes the sandbox (cert) host does not serve: it answers 502 (reference §1, §9). */
const SANDBOX_UNSERVED = ["/market-metrics", "/market-data/by-type", "/symbols/search"];

const JSON_HEADERS = { "content-type": "application/json" };
const DAY_MS = 86_400_000;
const MIN_ACCEPT_VERSION = "20240101";
const USER_AGENT_RE = /^[^\s/]+\/\S+/;
const EMPTY_QUERY = new URLSearchParams();
const RESPONSE_CACHE_MAX = 20_000;

class HttpReply {
  constructor(
    readonly status: number,
    readonly body: string | Uint8Array,
    readonly route: string,
    /** A pure function of (seed, path, query): the encoded body may be reused for the same URL. */
    readonly cacheable = false,
  ) {}
}

const apiError = (
  status: number,
  code: string | number,
  message: string,
  route: string,
  errors?: Json[],
): HttpReply =>
  new HttpReply(
    status,
    JSON.stringify({ error: errors ? { code, message, errors } : { code, message } }),
    route,
  );

export class RestHandler {
  readonly stats: SimStats = {
    requests: 0,
    byRoute: {},
    byStatus: {},
    faults: {},
    bytesIn: 0,
    bytesOut: 0,
    accessTokensIssued: 0,
    quoteTokensIssued: 0,
  };
  readonly tokens: TokenStore;
  private readonly injector: FaultInjector;
  private readonly startMs: number;
  private readonly memo = new Map<string, string | null>();
  private readonly responseCache = new Map<string, { body: Uint8Array; route: string }>();
  private equityItems: { symbol: string; json: string; isEtf: boolean; isIndex: boolean }[] | null = null;
  private timeMemo = new Map<string, string | null>();
  private timeMemoAt = Number.NaN;

  constructor(private readonly cfg: HandlerConfig) {
    this.tokens = new TokenStore(cfg.auth);
    this.injector = new FaultInjector(cfg.faults, cfg.auth.seed);
    this.startMs = cfg.now();
  }

  /** Quote tokens issued by `/api-quote-tokens`, for the DXLink endpoint's AUTH. */
  validateQuoteToken = (token: string): boolean => this.tokens.validQuoteToken(token, this.cfg.now());

  /** Synchronous unless the request needs to wait (latency fault, token body): keeps the hot path cheap. */
  handle(req: Request, server?: ConnectionInfo): Response | Promise<Response> {
    this.stats.requests++;
    const len = req.headers.get("content-length");
    if (len) this.stats.bytesIn += Number(len) || 0;
    const nowMs = this.cfg.now();
    let connection: string | undefined;
    if (this.cfg.faults.goawayEvery !== undefined && server) {
      const ip = server.requestIP(req);
      if (ip) connection = `${ip.address}:${ip.port}`;
    }
    const decision = this.injector.decide(nowMs, connection);
    if (decision.latencyMs > 0) {
      this.countFault("latency");
      return Bun.sleep(decision.latencyMs).then(() => this.respond(req, nowMs, decision));
    }
    return this.respond(req, nowMs, decision);
  }

  private respond(req: Request, nowMs: number, decision: FaultDecision): Response | Promise<Response> {
    let reply: HttpReply | Promise<HttpReply>;
    if (decision.kind === "rate-limit") {
      this.countFault("rate-limit");
      reply = apiError(429, "too_many_requests", "Rate limit exceeded. Please wait and try again.", "fault");
    } else if (decision.kind === "error") {
      this.countFault("error");
      const status = decision.status ?? 500;
      reply = apiError(
        status,
        status === 500 ? "internal_server_error" : "service_unavailable",
        `The server returned ${status}.`,
        "fault",
      );
    } else {
      reply = this.route(req, nowMs);
    }
    if (reply instanceof Promise) return reply.then((r) => this.finish(r, decision));
    return this.finish(reply, decision);
  }

  private countFault(kind: string): void {
    this.stats.faults[kind] = (this.stats.faults[kind] ?? 0) + 1;
  }

  private finish(reply: HttpReply, decision: FaultDecision): Response {
    const st = this.stats;
    st.byRoute[reply.route] = (st.byRoute[reply.route] ?? 0) + 1;
    st.byStatus[reply.status] = (st.byStatus[reply.status] ?? 0) + 1;
    const headers: Record<string, string> = decision.goaway
      ? { ...JSON_HEADERS, connection: "close" }
      : JSON_HEADERS;
    if (decision.goaway) this.countFault("goaway");
    let body = reply.body;
    if (decision.kind === "truncate" && reply.status === 200 && body.length > 1) {
      this.countFault("truncate");
      body = body.slice(0, Math.max(1, Math.floor(body.length / 2)));
    } else if (decision.kind === "reset") {
      this.countFault("reset");
      // Send the headers and part of the body, then abort the stream: the connection is reset.
      const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
      const part = bytes.slice(0, Math.max(1, Math.floor(bytes.length / 3)));
      this.stats.bytesOut += part.length;
      const stream = new ReadableStream({
        pull(c) {
          c.enqueue(part);
          setTimeout(() => c.error(), 1);
        },
      });
      return new Response(stream, { status: reply.status, headers });
    }
    this.stats.bytesOut += body.length;
    return new Response(body, { status: reply.status, headers });
  }

  private route(req: Request, nowMs: number): HttpReply | Promise<HttpReply> {
    const url = req.url;
    const pathStart = url.indexOf("/", url.indexOf("//") + 2);
    const q = url.indexOf("?", pathStart);
    const rawPath = q < 0 ? url.slice(pathStart) : url.slice(pathStart, q);
    const method = req.method;

    const ua = req.headers.get("user-agent");
    if (!ua || !USER_AGENT_RE.test(ua)) {
      return apiError(
        401,
        "invalid_user_agent",
        "A User-Agent header of the form product/version is required.",
        "auth",
      );
    }
    const version = req.headers.get("accept-version");
    const sandbox = this.cfg.environment === "sandbox";
    if (sandbox && version !== null) {
      // The cert host does not accept the header (tastyware sends it only in production).
      return apiError(404, "not_found", "Accept-Version is not supported in this environment.", "version");
    }
    if (version !== null && !(/^\d{8}$/.test(version) && version >= MIN_ACCEPT_VERSION)) {
      return apiError(406, 406, "The requested version is not supported.", "version");
    }

    let segs: string[];
    try {
      segs = rawPath
        .split("/")
        .filter((s) => s !== "")
        .map(decodeURIComponent);
    } catch {
      return apiError(400, "invalid_path", `Malformed percent-encoding in ${rawPath}`, "bad-path");
    }
    const epoch = this.injector.revocationEpoch(nowMs, this.startMs);

    if (segs[0] === "oauth" && segs[1] === "token" && segs.length === 2) {
      if (method !== "POST")
        return apiError(405, "method_not_allowed", "Use POST /oauth/token", "POST /oauth/token");
      return this.oauth(req, nowMs, epoch);
    }
    if (segs[0] === "margin-requirements-public-configuration" && segs.length === 1) {
      // The one public route: no token needed.
      return this.ok(
        "GET /margin-requirements-public-configuration",
        { "risk-free-rate": num(this.cfg.universe.riskFreeRate) },
        rawPath,
      );
    }

    const check = this.tokens.check(req.headers.get("authorization"), nowMs, epoch);
    if (check !== "ok") {
      if (check === "revoked") this.countFault("revoked");
      const message =
        check === "missing"
          ? "Authorization header missing."
          : check === "expired"
            ? "Token has expired."
            : "Token is invalid or has been revoked.";
      return apiError(401, check === "expired" ? "token_expired" : "token_invalid", message, "auth");
    }
    if (method !== "GET")
      return apiError(405, "method_not_allowed", `${method} is not supported on ${rawPath}`, "method");
    if (sandbox && SANDBOX_UNSERVED.some((p) => rawPath === p || rawPath.startsWith(`${p}/`)))
      return new HttpReply(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "sandbox-502");
    const target = url.slice(pathStart);
    const cached = this.responseCache.get(target);
    if (cached) return new HttpReply(200, cached.body, cached.route, true);
    const query = q < 0 ? EMPTY_QUERY : new URLSearchParams(url.slice(q + 1));
    const reply = this.get(segs, rawPath, query, nowMs);
    if (reply.cacheable && reply.status === 200) {
      // Deterministic bodies are encoded once per URL: big chains are then sent without re-encoding.
      if (this.responseCache.size >= RESPONSE_CACHE_MAX) this.responseCache.clear();
      const body = typeof reply.body === "string" ? new TextEncoder().encode(reply.body) : reply.body;
      this.responseCache.set(target, { body, route: reply.route });
      return new HttpReply(200, body, reply.route, true);
    }
    return reply;
  }

  private async oauth(req: Request, nowMs: number, epoch: number): Promise<HttpReply> {
    const route = "POST /oauth/token";
    const text = await req.text();
    const type = req.headers.get("content-type") ?? "";
    let params: Record<string, unknown>;
    try {
      if (type.includes("application/x-www-form-urlencoded"))
        params = Object.fromEntries(new URLSearchParams(text));
      else {
        const parsed = JSON.parse(text) as unknown;
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
          throw new TypeError("not an object");
        params = parsed as Record<string, unknown>;
      }
    } catch {
      return new HttpReply(
        400,
        JSON.stringify({
          error: "invalid_request",
          error_description: "The request body is not valid JSON or form data",
        }),
        route,
      );
    }
    const r = this.tokens.grant(params, nowMs, epoch);
    this.stats.accessTokensIssued = this.tokens.accessTokensIssued;
    return new HttpReply(r.status, JSON.stringify(r.body), route);
  }

  private ok(route: string, data: Json, context: string, pagination?: Json | null): HttpReply {
    return new HttpReply(
      200,
      envelope(
        JSON.stringify(data),
        context,
        pagination === undefined ? undefined : JSON.stringify(pagination),
      ),
      route,
    );
  }

  private okRaw(
    route: string,
    dataJson: string,
    context: string,
    paginationJson?: string,
    cacheable = false,
  ): HttpReply {
    return new HttpReply(200, envelope(dataJson, context, paginationJson), route, cacheable);
  }

  private memoized(key: string, build: () => Json | undefined): string | null {
    let v = this.memo.get(key);
    if (v === undefined) {
      const j = build();
      v = j === undefined ? null : JSON.stringify(j);
      this.memo.set(key, v);
    }
    return v;
  }

  /** Memo for bodies that depend on market time: valid while `marketNow()` returns the same instant. */
  private atTime(key: string, tMs: number, build: () => Json | undefined): string | null {
    if (tMs !== this.timeMemoAt) {
      this.timeMemo = new Map();
      this.timeMemoAt = tMs;
    }
    let v = this.timeMemo.get(key);
    if (v === undefined) {
      const j = build();
      v = j === undefined ? null : JSON.stringify(j);
      this.timeMemo.set(key, v);
    }
    return v;
  }

  /** The first route whose method and pattern match and whose handler answers; else a 404. */
  private get(segs: string[], rawPath: string, query: URLSearchParams, nowMs: number): HttpReply {
    for (const r of this.routes) {
      if (r.method !== "GET") continue;
      const params = matchRoute(r.segments, segs);
      if (!params) continue;
      const reply = r.handler({ params, segs, rawPath, query, nowMs });
      if (reply) return reply;
    }
    return apiError(404, "not_found", `No route for GET ${rawPath}`, "unknown");
  }

  private notFound = (route: string, what: string): HttpReply =>
    apiError(404, "record_not_found", `${what} not found`, route);

  /**
   * The authenticated GET routes, tried in order. `:name` matches one segment; a trailing `*`
   * matches any rest (even none). A handler returning undefined passes the request on.
   */
  private readonly routes: CompiledRoute[] = compileRoutes([
    { method: "GET", pattern: "/instruments/equities", handler: (r) => this.equities(r.rawPath, r.query) },
    {
      method: "GET",
      pattern: "/instruments/equities/:symbol",
      handler: ({ params, rawPath }) => {
        const route = "GET /instruments/equities/{symbol}";
        const symbol = params.symbol!;
        const body = this.memoized(`eq|${symbol}`, () => {
          const e = this.cfg.universe.equity(symbol);
          return e ? equityJson(e) : undefined;
        });
        return body === null
          ? this.notFound(route, `Equity ${symbol}`)
          : this.okRaw(route, body, rawPath, undefined, true);
      },
    },
    {
      method: "GET",
      pattern: "/instruments/equity-options/:symbol",
      handler: ({ params, rawPath }) => {
        const route = "GET /instruments/equity-options/{symbol}";
        const symbol = params.symbol!;
        const body = this.memoized(`eqo|${symbol}`, () => optionInstrumentJson(this.cfg.universe, symbol));
        return body === null
          ? this.notFound(route, `Equity option ${symbol}`)
          : this.okRaw(route, body, rawPath, undefined, true);
      },
    },
    { method: "GET", pattern: "/option-chains/:symbol/nested", handler: (r) => this.chain("nested", r) },
    { method: "GET", pattern: "/option-chains/:symbol/compact", handler: (r) => this.chain("compact", r) },
    { method: "GET", pattern: "/market-metrics", handler: (r) => this.metrics(r.rawPath, r.query) },
    { method: "GET", pattern: "/market-data/by-type", handler: (r) => this.byType(r.rawPath, r.query) },
    {
      method: "GET",
      pattern: "/api-quote-tokens",
      handler: ({ rawPath, nowMs }) => {
        const t = this.tokens.issueQuoteToken(nowMs);
        this.stats.quoteTokensIssued++;
        // Exactly the real fields: the expiry is not on the wire (clients assume 24 h), and leaving
        // wall-clock times out keeps the body a pure function of the seed and request sequence.
        return this.ok(
          "GET /api-quote-tokens",
          {
            token: t.token,
            "dxlink-url": this.cfg.dxlinkUrl(),
            level: "api",
            ...(this.cfg.quoteTokenExpiresAt ? { "expires-at": isoTimestamp(t.expiresAtMs) } : {}),
          },
          rawPath,
        );
      },
    },
    {
      method: "GET",
      pattern: "/customers/me",
      handler: ({ rawPath }) => this.ok("GET /customers/me", customerJson(this.cfg.universe), rawPath),
    },
    {
      method: "GET",
      pattern: "/customers/me/accounts",
      handler: ({ rawPath }) =>
        this.okRaw(
          "GET /customers/me/accounts",
          this.memoized("accounts", () => ({
            items: this.cfg.universe.accounts().map(accountJson),
          })) as string,
          rawPath,
          "null",
        ),
    },
    {
      method: "GET",
      pattern: "/customers/me/accounts/:account",
      handler: ({ params, rawPath }) => {
        const acct = this.cfg.universe.account(params.account!);
        if (!acct) return this.notFound("GET /customers/me/accounts/{n}", "Account");
        return this.ok(
          "GET /customers/me/accounts/{n}",
          (accountJson(acct) as { account: Json }).account,
          rawPath,
        );
      },
    },
    {
      // Any other customer id (or none): only `me` is accessible, as on the real API.
      method: "GET",
      pattern: "/customers/*",
      handler: ({ segs }) =>
        segs[1] === "me"
          ? undefined
          : apiError(403, "not_permitted", "Only /customers/me is accessible", "GET /customers/{id}"),
    },
    {
      method: "GET",
      pattern: "/accounts/:account/balances",
      handler: (r) => this.balances(r.params.account!, false, r.rawPath),
    },
    {
      method: "GET",
      pattern: "/accounts/:account/balances/USD",
      handler: (r) => this.balances(r.params.account!, true, r.rawPath),
    },
    {
      method: "GET",
      pattern: "/accounts/:account/positions",
      handler: ({ params, rawPath, query }) => {
        const route = "GET /accounts/{n}/positions";
        const u = this.cfg.universe;
        const acct = u.account(params.account!);
        const t = this.cfg.marketNow();
        if (!acct) return this.notFound(route, "Account");
        const filter = new Set(bracketList(query, "underlying-symbol"));
        const marks = query.get("include-marks") === "true";
        const items = u
          .positions(acct.accountNumber, t)
          .filter((p) => filter.size === 0 || filter.has(p.underlyingSymbol))
          .map((p) => positionJson(p, t, marks));
        return this.ok(route, { items }, rawPath, null);
      },
    },
    {
      method: "GET",
      pattern: "/instruments/future-products",
      handler: ({ rawPath }) =>
        this.okRaw(
          "GET /instruments/future-products",
          this.memoized("fp", futureProductsJson) as string,
          rawPath,
          "null",
          true,
        ),
    },
    {
      method: "GET",
      pattern: "/instruments/futures",
      handler: ({ rawPath, query }) =>
        this.ok(
          "GET /instruments/futures",
          futuresJson(this.cfg.universe.todayDay, bracketList(query, "product-code")),
          rawPath,
          null,
        ),
    },
    {
      method: "GET",
      pattern: "/instruments/cryptocurrencies",
      handler: ({ rawPath }) =>
        this.okRaw(
          "GET /instruments/cryptocurrencies",
          this.memoized("crypto", cryptocurrenciesJson) as string,
          rawPath,
          "null",
          true,
        ),
    },
    {
      method: "GET",
      pattern: "/instruments/quantity-decimal-precisions",
      handler: ({ rawPath }) =>
        this.okRaw(
          "GET /instruments/quantity-decimal-precisions",
          this.memoized("qdp", quantityPrecisionsJson) as string,
          rawPath,
          "null",
          true,
        ),
    },
    {
      method: "GET",
      pattern: "/symbols/search/:prefix",
      handler: ({ params, rawPath }) => {
        const u = this.cfg.universe;
        const equities = u.symbols.map((s) => u.equity(s)).filter((e) => e !== undefined);
        return this.ok(
          "GET /symbols/search/{prefix}",
          searchJson(u.todayDay, params.prefix!, equities),
          rawPath,
          null,
        );
      },
    },
    {
      method: "GET",
      pattern: "/market-time/sessions/current",
      handler: ({ rawPath }) =>
        this.ok("GET /market-time/sessions/current", sessionJson(this.cfg.marketNow()), rawPath),
    },
  ]);

  private chain(kind: "nested" | "compact", { params, rawPath }: RouteRequest): HttpReply {
    const route = `GET /option-chains/{symbol}/${kind}`;
    const symbol = params.symbol!;
    const u = this.cfg.universe;
    const body = this.memoized(`${kind}|${symbol}`, () =>
      kind === "nested" ? nestedChainJson(u, symbol) : compactChainJson(u, symbol),
    );
    return body === null
      ? this.notFound(route, `Option chain for ${symbol}`)
      : this.okRaw(route, body, rawPath, "null", true);
  }

  private metrics(rawPath: string, query: URLSearchParams): HttpReply {
    const route = "GET /market-metrics";
    const u = this.cfg.universe;
    const items: string[] = [];
    for (const s of splitList(query.get("symbols"))) {
      const j = this.memoized(`mm|${s}`, () => {
        const m = u.metrics(s);
        return m ? metricsJson(m) : undefined;
      });
      if (j !== null) items.push(j);
    }
    return this.okRaw(route, `{"items":[${items.join(",")}]}`, rawPath, "null", true);
  }

  private balances(account: string, usd: boolean, rawPath: string): HttpReply {
    const route = usd ? "GET /accounts/{n}/balances/USD" : "GET /accounts/{n}/balances";
    const u = this.cfg.universe;
    const acct = u.account(account);
    const t = this.cfg.marketNow();
    if (!acct) return this.notFound(route, "Account");
    const bal = u.balances(acct.accountNumber, t);
    if (!bal) return this.notFound(route, "Account");
    const json = balanceJson(bal, t);
    return usd ? this.ok(route, json, rawPath) : this.ok(route, { items: [json] }, rawPath, null);
  }

  private equities(rawPath: string, query: URLSearchParams): HttpReply {
    const route = "GET /instruments/equities";
    const u = this.cfg.universe;
    if (!this.equityItems) {
      this.equityItems = u.symbols.map((s) => {
        const e = u.equity(s);
        return {
          symbol: s,
          json: JSON.stringify(e ? equityJson(e) : null),
          isEtf: !!e?.isEtf,
          isIndex: !!e?.isIndex,
        };
      });
    }
    const wanted = bracketList(query, "symbol");
    const etf = query.get("is-etf");
    const index = query.get("is-index");
    let list = this.equityItems;
    if (wanted.length > 0) {
      const bySymbol = new Map(this.equityItems.map((x) => [x.symbol, x]));
      const seen = new Set<string>();
      list = [];
      for (const s of wanted) {
        const x = bySymbol.get(s);
        if (x && !seen.has(s)) {
          seen.add(s);
          list.push(x);
        }
      }
    }
    if (etf === "true" || etf === "false") list = list.filter((x) => x.isEtf === (etf === "true"));
    if (index === "true" || index === "false") list = list.filter((x) => x.isIndex === (index === "true"));
    const perPageRaw = query.get("per-page");
    const offsetRaw = query.get("page-offset");
    const perPage = perPageRaw === null ? this.cfg.defaultPerPage : Number(perPageRaw);
    const pageOffset = offsetRaw === null ? 0 : Number(offsetRaw);
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > this.cfg.maxPerPage) {
      return apiError(
        400,
        "invalid_parameter",
        `per-page must be an integer from 1 to ${this.cfg.maxPerPage}`,
        route,
        [{ code: "invalid_parameter", message: `per-page=${perPageRaw}` }],
      );
    }
    if (!Number.isInteger(pageOffset) || pageOffset < 0) {
      return apiError(400, "invalid_parameter", "page-offset must be a non-negative integer", route, [
        { code: "invalid_parameter", message: `page-offset=${offsetRaw}` },
      ]);
    }
    const total = list.length;
    const totalPages = Math.max(1, Math.ceil(total / perPage));
    const start = pageOffset * perPage;
    const page = list.slice(start, start + perPage);
    const link = (offset: number) => {
      const qs = new URLSearchParams(query);
      qs.set("page-offset", String(offset));
      qs.set("per-page", String(perPage));
      return `${rawPath}?${qs.toString()}`;
    };
    const pagination = {
      "per-page": perPage,
      "page-offset": pageOffset,
      "item-offset": start,
      "total-items": total,
      "total-pages": totalPages,
      "current-item-count": page.length,
      "next-link": pageOffset + 1 < totalPages ? link(pageOffset + 1) : null,
      "previous-link": pageOffset > 0 ? link(Math.min(pageOffset - 1, totalPages - 1)) : null,
      "paging-link-template": null,
    };
    return this.okRaw(
      route,
      `{"items":[${page.map((x) => x.json).join(",")}]}`,
      rawPath,
      JSON.stringify(pagination),
      true,
    );
  }

  private byType(rawPath: string, query: URLSearchParams): HttpReply {
    const route = "GET /market-data/by-type";
    const u = this.cfg.universe;
    const kinds = ["index", "equity", "equity-option", "future", "future-option", "cryptocurrency"] as const;
    const lists = kinds.map((k) => [k, splitList(query.getAll(k).join(","))] as const);
    const total = lists.reduce((acc, [, l]) => acc + l.length, 0);
    if (total > this.cfg.byTypeLimit) {
      return apiError(
        400,
        "too_many_symbols",
        `At most ${this.cfg.byTypeLimit} symbols may be requested at once; got ${total}.`,
        route,
        [{ code: "too_many_symbols", message: `${total} symbols requested, limit ${this.cfg.byTypeLimit}` }],
      );
    }
    const t = this.cfg.marketNow();
    const items: string[] = [];
    for (const [kind, list] of lists) {
      for (const s of list) {
        let row: string | null = null;
        if (kind === "equity" || kind === "index") {
          const p = u.profile(s);
          if (p && p.isIndex === (kind === "index"))
            row = this.atTime(`bt|${s}`, t, () => equityQuoteRowJson(u, s, t));
        } else if (kind === "equity-option") {
          row = this.atTime(`bto|${s}`, t, () => optionQuoteRowJson(u, s, t));
        } else if (kind === "cryptocurrency") {
          row = this.atTime(`btc|${s}`, t, () => cryptoQuoteRowJson(u.seed, s, t));
        }
        if (row !== null) items.push(row);
      }
    }
    return this.okRaw(route, `{"items":[${items.join(",")}]}`, rawPath, "null");
  }
}

interface RouteRequest {
  /** Values of the pattern's `:name` segments. */
  params: Record<string, string>;
  segs: string[];
  rawPath: string;
  query: URLSearchParams;
  nowMs: number;
}

interface Route {
  method: "GET";
  /** `/a/:name/b`, or ending in `/*` for any rest. */
  pattern: string;
  handler: (r: RouteRequest) => HttpReply | undefined;
}

type CompiledRoute = Route & { segments: string[] };

function compileRoutes(routes: Route[]): CompiledRoute[] {
  return routes.map((r) => ({ ...r, segments: r.pattern.split("/").filter((s) => s !== "") }));
}

/** The `:name` values when `segs` matches the pattern's segments, else null. */
function matchRoute(pattern: string[], segs: string[]): Record<string, string> | null {
  const rest = pattern[pattern.length - 1] === "*";
  const fixed = rest ? pattern.length - 1 : pattern.length;
  if (rest ? segs.length < fixed : segs.length !== fixed) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < fixed; i++) {
    const p = pattern[i]!;
    const s = segs[i]!;
    if (p.startsWith(":")) params[p.slice(1)] = s;
    else if (p !== s) return null;
  }
  return params;
}

function envelope(dataJson: string, context: string, paginationJson?: string): string {
  const ctx = JSON.stringify(context);
  return paginationJson === undefined
    ? `{"data":${dataJson},"context":${ctx}}`
    : `{"data":${dataJson},"context":${ctx},"pagination":${paginationJson}}`;
}

/** `a,b,c` (values already percent-decoded by URLSearchParams). */
function splitList(v: string | null): string[] {
  if (!v) return [];
  return v
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** `key[]=a&key[]=b` (the API's array form); a plain repeated `key=` is accepted too. */
function bracketList(q: URLSearchParams, key: string): string[] {
  return [...q.getAll(`${key}[]`), ...q.getAll(key)].filter((s) => s !== "");
}

function optionInstrumentJson(u: Universe, symbol: string): Json | undefined {
  // REST option lookups take OCC symbols only; a streamer symbol is a 404, as on the real API.
  if (symbol.startsWith(".")) return undefined;
  const c = u.option(symbol);
  if (!c) return undefined;
  const expiresAt = c.expiration * DAY_MS + (c.settlement === "AM" ? 13.5 : 20) * 3_600_000;
  return {
    active: true,
    "days-to-expiration": c.expiration - u.todayDay,
    "exercise-style": c.underlying === c.root || c.chainType === "Non-standard" ? "American" : "European",
    "expiration-date": isoFromDays(c.expiration),
    "expiration-type": c.expirationType,
    "expires-at": isoTimestamp(expiresAt),
    "instrument-type": "Equity Option",
    "is-closing-only": false,
    "listed-market": "OCC",
    "market-time-instrument-collection": "Equity Option",
    "option-chain-type": c.chainType,
    "option-type": c.isCall ? "C" : "P",
    "root-symbol": c.root,
    "settlement-type": c.settlement,
    "shares-per-contract": c.sharesPerContract,
    "stops-trading-at": isoTimestamp(expiresAt),
    "streamer-symbol": c.streamer,
    "strike-price": num(c.strike),
    symbol: c.occ,
    "underlying-symbol": c.underlying,
  };
}

function customerJson(u: Universe): Json {
  const address = {
    city: "Chicago",
    country: "USA",
    "is-domestic": true,
    "is-foreign": false,
    "postal-code": "60606",
    "state-region": "IL",
    "street-one": "1 Simulated Plaza",
  };
  const marginTypes = (names: string[]) => names.map((name) => ({ is_margin: name === "Margin", name }));
  return {
    address,
    "agreed-to-margining": true,
    "birth-date": "1980-01-01",
    "created-at": isoTimestamp(Math.min(...u.accounts().map((a) => a.openedDay)) * DAY_MS),
    email: "demo@sim.invalid",
    "first-name": "Demo",
    "has-delayed-quotes": false,
    "has-industry-affiliation": false,
    "has-listed-affiliation": false,
    "has-pending-or-approved-application": false,
    "has-political-affiliation": false,
    id: `me|sim-${u.seed}`,
    "is-foreign": false,
    "is-professional": false,
    "last-name": "Trader",
    "mailing-address": address,
    "mobile-phone-number": "+15555550100",
    "permitted-account-types": [
      {
        description: "Individual",
        has_multiple_owners: false,
        is_publicly_available: true,
        is_tax_advantaged: false,
        margin_types: marginTypes(["Cash", "Margin"]),
        name: "Individual",
      },
      {
        description: "Roth IRA",
        has_multiple_owners: false,
        is_publicly_available: true,
        is_tax_advantaged: true,
        margin_types: marginTypes(["Cash", "IRA Margin"]),
        name: "Roth IRA",
      },
    ],
    "subject-to-tax-withholding": false,
    "tax-number-type": "SSN",
    "usa-citizenship-type": "Citizen",
  };
}

/** `/market-time/sessions/current` for the Equity collection at market time t (sim calendar: weekdays). */
function sessionJson(tMs: number): Json {
  const day = Math.floor(tMs / DAY_MS);
  const isSession = (d: number) => {
    const w = (((d + 4) % 7) + 7) % 7;
    return w !== 0 && w !== 6;
  };
  const sessionOf = (d: number) => ({
    "close-at": isoTimestamp(d * DAY_MS + 20 * 3_600_000),
    "close-at-ext": isoTimestamp(d * DAY_MS + 24 * 3_600_000),
    "instrument-collection": "Equity",
    "open-at": isoTimestamp(d * DAY_MS + 13.5 * 3_600_000),
    "session-date": isoFromDays(d),
    "start-at": isoTimestamp(d * DAY_MS + 12.25 * 3_600_000),
  });
  let prev = day - 1;
  while (!isSession(prev)) prev--;
  let next = day + 1;
  while (!isSession(next)) next++;
  const ms = tMs - day * DAY_MS;
  const today = isSession(day);
  const state = !today
    ? "Closed"
    : ms < 12.25 * 3_600_000
      ? "Closed"
      : ms < 13.5 * 3_600_000
        ? "Pre-market"
        : ms < 20 * 3_600_000
          ? "Open"
          : ms < 24 * 3_600_000
            ? "After-hours"
            : "Closed";
  const { "session-date": _date, ...current } = today ? sessionOf(day) : sessionOf(next);
  return {
    ...current,
    "next-session": sessionOf(next),
    "previous-session": sessionOf(prev),
    state,
  };
}
