/**
 * The TastyTrade REST client: `createClient(options)` → typed endpoint methods. Every method
 * unwraps the `{data, context, pagination}` envelope, follows pagination to the end, splits long
 * symbol lists into requests the API accepts, and decodes items into flat typed records.
 * DataFrame variants live under `client.frames` (polars is loaded on first use).
 */
import { join } from "node:path";
import { type Config, xdgConfigHome } from "../core/config.ts";
import { authError, configError, isTTError, TTError } from "../core/errors.ts";
import type { Json, JsonObject } from "../core/json.ts";
import { registerSecret } from "../core/redact.ts";
import { USER_AGENT } from "../core/version.ts";
import { type Credentials, TokenManager } from "./auth.ts";
import { INLINE_SCAN_MAX, sharedChainScanPool } from "./chain-pool.ts";
import { nestedChainRecords } from "./chain-records.ts";
import { type ScannedChains, scanNestedChains } from "./chain-scan.ts";
import { resolveCredentials } from "./credentials.ts";
import { type ApiEnv, isApiEnv, resolveBaseUrl } from "./environments.ts";
import {
  type Account,
  type Balance,
  type CompactChain,
  decodeAccount,
  decodeBalance,
  decodeCompactChain,
  decodeEquity,
  decodeMarketMetric,
  decodeNestedChain,
  decodePosition,
  decodeQuote,
  decodeQuoteToken,
  type Equity,
  type MarketMetric,
  type NestedChain,
  type Position,
  type QuoteSnapshot,
  type QuoteToken,
} from "./models.ts";
import {
  BY_TYPE_LIMIT,
  type ByTypeRequest,
  buildQuery,
  byTypeQuery,
  chunk,
  chunkByType,
  pathSymbol,
  type QueryParam,
} from "./query.ts";
import type { BreakerOptions, EndpointGroup, RetryBackoffOptions } from "./resilience.ts";
import { type RequestSpec, Transport, type TransportStats } from "./transport.ts";
import { decodeEnvelope, type Envelope, items } from "./wire.ts";

export interface ClientOptions {
  /** API environment (default production). */
  env?: ApiEnv;
  /** REST base URL; overrides `env`'s host (e.g. a sim's `url`). */
  baseUrl?: string | null;
  clientSecret?: string | null;
  refreshToken?: string | null;
  clientId?: string | null;
  /** Data directory: the access token is cached (0600) under `<dataDir>/auth`. Null: no disk cache. */
  dataDir?: string | null;
  /** Config directory holding `ttapi/credentials.json` (from `ttapi auth login`); null: don't read it. */
  configDir?: string | null;
  /** Max concurrent requests to start with (bulkhead; the adaptive limiter grows it), default 16. */
  concurrency?: number;
  /** Ceiling the adaptive limiter may grow concurrency to (default 4 × concurrency). */
  maxConcurrency?: number;
  /** Per-request timeout, ms (default 15 000). */
  timeoutMs?: number;
  /** Max retries per idempotent request after failures (default 6). */
  retries?: number;
  /** Max retries per request after 429s (default max(12, 2 × retries)). */
  throttleRetries?: number;
  /** Pinned `Accept-Version` (default from config: 20251101); null sends none. Never sent to the sandbox. */
  acceptVersion?: string | null;
  /** Max missing fraction for batch collections (default 0.2). */
  missingThreshold?: number;
  /**
   * Worker threads that decode large option-chain bodies while the main thread does networking
   * (default 0 = decode inline). Measured on a busy 2-core machine the inline scanner is faster
   * (bench/client.bench.ts reports both); a worker pays off only with an idle core to spare.
   */
  scanWorkers?: number;
  /** Symbols per `/instruments/equities?symbol[]=` request (default 100). */
  equitiesBatch?: number;
  /** Symbols per `/market-metrics?symbols=` request (default 100). */
  metricsBatch?: number;
  breaker?: Partial<BreakerOptions>;
  backoff?: Partial<RetryBackoffOptions>;
  userAgent?: string;
  fetch?: typeof fetch;
}

export interface PositionsQuery {
  underlyingSymbols?: readonly string[];
  includeMarks?: boolean;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface TastyClient {
  readonly env: ApiEnv;
  readonly baseUrl: string;
  readonly options: Readonly<ResolvedOptions>;
  readonly stats: TransportStats;
  readonly transport: Transport;
  readonly tokens: TokenManager | null;
  accounts(o?: CallOptions): Promise<Account[]>;
  balances(accountNumber: string, o?: CallOptions): Promise<Balance[]>;
  positions(accountNumber: string, q?: PositionsQuery, o?: CallOptions): Promise<Position[]>;
  /** Bulk lookup (`symbol[]=`), batched and paginated to the end. */
  equities(symbols: readonly string[], o?: CallOptions): Promise<Equity[]>;
  equity(symbol: string, o?: CallOptions): Promise<Equity>;
  nestedChain(underlying: string, o?: CallOptions): Promise<NestedChain[]>;
  compactChain(underlying: string, o?: CallOptions): Promise<CompactChain[]>;
  marketMetrics(symbols: readonly string[], o?: CallOptions): Promise<MarketMetric[]>;
  /** Snapshot quotes; split into requests of ≤ 100 symbols in total. */
  quotes(req: ByTypeRequest, o?: CallOptions): Promise<QuoteSnapshot[]>;
  quoteToken(o?: CallOptions): Promise<QuoteToken>;
  /** Any GET returning the envelope, paginated to the end; for routes without a typed method. */
  getEnvelopes(path: string, group: EndpointGroup, o?: CallOptions): Promise<Envelope[]>;
  readonly frames: ClientFrames;
}

type DF = import("nodejs-polars").DataFrame;
export interface ClientFrames {
  accounts(o?: CallOptions): Promise<DF>;
  balances(accountNumber: string, o?: CallOptions): Promise<DF>;
  positions(accountNumber: string, q?: PositionsQuery, o?: CallOptions): Promise<DF>;
  equities(symbols: readonly string[], o?: CallOptions): Promise<DF>;
  nestedChain(underlying: string, o?: CallOptions): Promise<DF>;
  compactChain(underlying: string, o?: CallOptions): Promise<DF>;
  marketMetrics(symbols: readonly string[], o?: CallOptions): Promise<DF>;
  quotes(req: ByTypeRequest, o?: CallOptions): Promise<DF>;
}

interface ResolvedOptions {
  env: ApiEnv;
  baseUrl: string;
  concurrency: number;
  timeoutMs: number;
  retries: number;
  missingThreshold: number;
  equitiesBatch: number;
  metricsBatch: number;
  scanWorkers: number;
}

/**
 * Client options from the loaded config: environment, URL, credentials (config/env, else the
 * `ttapi auth login` file), limits. `dataDir` is where the token cache goes.
 */
export function clientOptionsFromConfig(
  config: Config,
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): ClientOptions {
  const apiEnv = config["api.env"];
  if (!isApiEnv(apiEnv))
    throw configError(`unknown api.env ${JSON.stringify(apiEnv)}`, {
      hint: "use production, sandbox or sim",
    });
  return {
    env: apiEnv,
    baseUrl: config["api.url"] || null,
    clientSecret: config["api.client-secret"] || null,
    refreshToken: config["api.refresh-token"] || null,
    clientId: config["api.client-id"] || null,
    dataDir,
    configDir: xdgConfigHome(env),
    concurrency: config["api.concurrency"],
    timeoutMs: config["api.timeout"] * 1000,
    retries: config["api.retries"],
    acceptVersion: config["api.accept-version"] || null,
    missingThreshold: config["api.missing-threshold"],
  };
}

export function createClient(o: ClientOptions = {}): TastyClient {
  const env = o.env ?? "production";
  const baseUrl = resolveBaseUrl(env, o.baseUrl);
  const opts: ResolvedOptions = {
    env,
    baseUrl,
    concurrency: o.concurrency ?? DEFAULT_CONCURRENCY,
    timeoutMs: o.timeoutMs ?? 15_000,
    retries: o.retries ?? 6,
    missingThreshold: o.missingThreshold ?? 0.2,
    equitiesBatch: o.equitiesBatch ?? 100,
    metricsBatch: o.metricsBatch ?? 100,
    scanWorkers: o.scanWorkers ?? 0,
  };
  if (!(opts.missingThreshold >= 0 && opts.missingThreshold <= 1)) {
    throw configError(`api.missing-threshold must be between 0 and 1, got ${opts.missingThreshold}`, {
      hint: "e.g. 0.2 for 20 %",
    });
  }
  if (!(opts.timeoutMs > 0))
    throw configError(`api.timeout must be positive, got ${opts.timeoutMs / 1000} s`, { hint: "e.g. 15s" });
  if (!Number.isInteger(opts.retries) || opts.retries < 0)
    throw configError(`api.retries must be an integer ≥ 0, got ${opts.retries}`, { hint: "e.g. 6" });

  const transport = new Transport({
    baseUrl,
    userAgent: o.userAgent ?? USER_AGENT,
    // The sandbox refuses the header (tastyware sends it only in production).
    acceptVersion: env === "sandbox" ? null : o.acceptVersion === undefined ? "20251101" : o.acceptVersion,
    timeoutMs: opts.timeoutMs,
    retries: opts.retries,
    ...(o.throttleRetries !== undefined ? { throttleRetries: o.throttleRetries } : {}),
    concurrency: opts.concurrency,
    ...(o.maxConcurrency !== undefined ? { maxConcurrency: o.maxConcurrency } : {}),
    breaker: o.breaker,
    backoff: o.backoff,
    fetch: o.fetch,
  });
  const credentials: Credentials | null = resolveCredentials(
    env,
    { clientSecret: o.clientSecret, refreshToken: o.refreshToken, clientId: o.clientId },
    o.configDir ?? null,
  );
  let tokens: TokenManager | null = null;
  if (credentials) {
    tokens = new TokenManager({
      transport,
      credentials,
      cacheDir: o.dataDir ? join(o.dataDir, "auth") : null,
    });
    transport.setTokenSource(tokens);
  }

  const getBody = async <T = Json>(
    path: string,
    group: EndpointGroup,
    signal?: AbortSignal,
    parse?: (text: string) => T | Promise<T>,
  ): Promise<T> => {
    if (!tokens) {
      throw authError(`no credentials for the ${env} environment`, {
        hint: "run `ttapi auth login` or set TT_CLIENT_SECRET and TT_REFRESH_TOKEN",
      });
    }
    const route = path.split("?")[0] ?? path;
    const unserved = env === "sandbox" && SANDBOX_UNSERVED.some((p) => route.startsWith(p));
    const spec: RequestSpec = {
      method: "GET",
      path,
      group,
      signal,
      parse,
      // The cert host answers 502 on market-data routes: that is "not served", not a glitch to retry.
      ...(unserved
        ? {
            classify: (status: number) => (status === 502 ? { retryable: false, breaker: false } : undefined),
          }
        : {}),
    };
    try {
      return (await transport.request<T>(spec)).body;
    } catch (e) {
      if (unserved && isTTError(e) && e.details?.status === 502) throw notInSandbox(route, e);
      throw e;
    }
  };
  const get = async (path: string, group: EndpointGroup, signal?: AbortSignal): Promise<Envelope> =>
    decodeEnvelope(await getBody(path, group, signal), `GET ${path.split("?")[0]}`);

  /** First page, then the remaining pages concurrently (the bulkhead bounds them). */
  const getAll = async (
    path: string,
    group: EndpointGroup,
    signal?: AbortSignal,
    firstPage?: Envelope,
  ): Promise<Envelope[]> => {
    const first = firstPage ?? (await get(path, group, signal));
    const total = first.pagination?.totalPages ?? 1;
    const offset = first.pagination?.pageOffset ?? 0;
    if (total <= offset + 1) return [first];
    const sep = path.includes("?") ? "&" : "?";
    // Keep the page size the first page was served with: offsets count in pages of that size.
    const perPage = first.pagination?.perPage;
    const size = perPage && !/[?&]per-page=/.test(path) ? `&per-page=${perPage}` : "";
    const rest = await Promise.all(
      Array.from({ length: total - offset - 1 }, (_, i) =>
        get(`${path}${sep}page-offset=${offset + 1 + i}${size}`, group, signal),
      ),
    );
    return [first, ...rest];
  };

  const itemsOf = <T>(envs: Envelope[], decode: (o: JsonObject, where: string) => T, where: string): T[] => {
    const out: T[] = [];
    for (const e of envs) for (const it of items(e.data, where)) out.push(decode(it, where));
    return out;
  };

  const scanPool = opts.scanWorkers > 0 ? sharedChainScanPool(opts.scanWorkers) : null;
  /** Large chain bodies go to the scan workers; a declined body falls back to JSON.parse. */
  const parseChain = (text: string): ScannedBody | Json | Promise<ScannedBody | Json> =>
    scanPool && text.length >= INLINE_SCAN_MAX
      ? scanPool.scan(text).then((s) => (s ? new ScannedBody(s) : (JSON.parse(text) as Json)))
      : parseNestedChainBody(text);

  const accountPath = (n: string) => {
    registerSecret(n);
    return `/accounts/${pathSymbol(n)}`;
  };

  const client: TastyClient = {
    env,
    baseUrl,
    options: opts,
    stats: transport.stats,
    transport,
    tokens,

    async accounts(c) {
      const envs = await getAll("/customers/me/accounts", "accounts", c?.signal);
      return itemsOf(envs, decodeAccount, "GET /customers/me/accounts");
    },

    async balances(accountNumber, c) {
      const env1 = await get(`${accountPath(accountNumber)}/balances`, "accounts", c?.signal);
      const where = "GET /accounts/…/balances";
      // `/balances` answers with one object (one currency) or `items[]` (one per currency).
      return "items" in env1.data
        ? items(env1.data, where).map((b) => decodeBalance(b, where))
        : [decodeBalance(env1.data, where)];
    },

    async positions(accountNumber, q, c) {
      const params: QueryParam[] = [
        { key: "underlying-symbol", value: q?.underlyingSymbols },
        { key: "include-marks", value: q?.includeMarks },
      ];
      const envs = await getAll(
        `${accountPath(accountNumber)}/positions${buildQuery(params)}`,
        "accounts",
        c?.signal,
      );
      return itemsOf(envs, decodePosition, "GET /accounts/…/positions");
    },

    async equities(symbols, c) {
      const batches = chunk(dedupe(symbols), opts.equitiesBatch);
      const pages = await Promise.all(
        batches.map((b) =>
          getAll(
            `/instruments/equities${buildQuery([
              { key: "symbol", value: b },
              { key: "per-page", value: PER_PAGE },
            ])}`,
            "instruments",
            c?.signal,
          ),
        ),
      );
      return itemsOf(pages.flat(), decodeEquity, "GET /instruments/equities");
    },

    async equity(symbol, c) {
      const e = await get(`/instruments/equities/${pathSymbol(symbol)}`, "instruments", c?.signal);
      return decodeEquity(e.data, `GET /instruments/equities/${symbol}`);
    },

    async nestedChain(underlying, c) {
      // Columnar scan of the body (no object per strike); anything unusual takes the generic path.
      const path = `/option-chains/${pathSymbol(underlying)}/nested`;
      const body = await getBody(path, "instruments", c?.signal, parseChain);
      if (body instanceof ScannedBody) return nestedChainRecords(body.scanned);
      const first = decodeEnvelope(body, `GET ${path}`);
      const e = await getAll(path, "instruments", c?.signal, first);
      return itemsOf(e, decodeNestedChain, `GET /option-chains/${underlying}/nested`);
    },

    async compactChain(underlying, c) {
      const e = await getAll(`/option-chains/${pathSymbol(underlying)}/compact`, "instruments", c?.signal);
      return itemsOf(e, decodeCompactChain, `GET /option-chains/${underlying}/compact`);
    },

    async marketMetrics(symbols, c) {
      const batches = chunk(dedupe(symbols), opts.metricsBatch);
      const pages = await Promise.all(
        batches.map((b) =>
          getAll(
            `/market-metrics${buildQuery([{ key: "symbols", value: b, array: "comma" }])}`,
            "metrics",
            c?.signal,
          ),
        ),
      );
      return itemsOf(pages.flat(), decodeMarketMetric, "GET /market-metrics");
    },

    async quotes(req, c) {
      const pages = await Promise.all(
        chunkByType(req, BY_TYPE_LIMIT).map((r) =>
          getAll(`/market-data/by-type${byTypeQuery(r)}`, "marketData", c?.signal),
        ),
      );
      return itemsOf(pages.flat(), decodeQuote, "GET /market-data/by-type");
    },

    async quoteToken(c) {
      const e = await get("/api-quote-tokens", "marketData", c?.signal);
      return decodeQuoteToken(e.data);
    },

    getEnvelopes: (path, group, c) => getAll(path, group, c?.signal),

    frames: {
      accounts: async (c) => (await frames()).accountsFrame(await client.accounts(c)),
      balances: async (n, c) => (await frames()).balancesFrame(await client.balances(n, c)),
      positions: async (n, q, c) => (await frames()).positionsFrame(await client.positions(n, q, c)),
      equities: async (s, c) => (await frames()).equitiesFrame(await client.equities(s, c)),
      nestedChain: async (u, c) => (await frames()).nestedChainsFrame(await client.nestedChain(u, c)),
      compactChain: async (u, c) => (await frames()).compactChainsFrame(await client.compactChain(u, c)),
      marketMetrics: async (s, c) => (await frames()).marketMetricsFrame(await client.marketMetrics(s, c)),
      quotes: async (r, c) => (await frames()).quotesFrame(await client.quotes(r, c)),
    },
  };
  return client;
}

const frames = () => import("./frames.ts");

/** Starting REST concurrency: modest for a service with no published quota; the limiter grows it. */
export const DEFAULT_CONCURRENCY = 16;

/** Page size sent on paginated routes (what tastyware sends): fewer round trips than the default. */
export const PER_PAGE = 250;

/** Routes the sandbox (cert) host does not serve (it answers 502). */
const SANDBOX_UNSERVED = ["/market-metrics", "/market-data/by-type", "/symbols/search"];

/** A route the sandbox does not serve: one clear, non-retryable reason. */
export function notInSandbox(route: string, cause?: unknown): TTError {
  return new TTError("E_HTTP", `GET ${route} is not available in sandbox (the cert host answers 502)`, {
    cause,
    hint: "market data needs production credentials (--env production), or use `ttapi run --demo`",
    details: { status: 502, unavailable: "not available in sandbox" },
  });
}

/** Whether an error says the route is not served in this environment. */
export function isUnavailable(e: unknown): e is TTError {
  return isTTError(e) && typeof e.details?.unavailable === "string";
}

/** Marks a scanner result (a plain JSON body can never be an instance of it). */
class ScannedBody {
  constructor(readonly scanned: ScannedChains) {}
}

function parseNestedChainBody(text: string): ScannedBody | Json {
  const scanned = scanNestedChains(text);
  return scanned ? new ScannedBody(scanned) : (JSON.parse(text) as Json);
}

function dedupe(symbols: readonly string[]): string[] {
  return [...new Set(symbols)];
}
