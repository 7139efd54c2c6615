/**
 * The simulated exchange: TastyTrade REST + DXLink on 127.0.0.1, deterministic per seed, with
 * optional fault injection. Used by `ttapi sim`, by `--demo` runs and by every client test.
 *
 *   const sim = await startSim({ seed: 1, faults: "errors=0.1,latency=5ms" });
 *   // sim.url → REST base, sim.wsUrl → DXLink, sim.clientSecret / sim.refreshToken → OAuth grant
 *   await sim.stop();
 */
import type { Server } from "bun";
import { configError } from "../core/errors.ts";
import {
  createDxlinkEndpoint,
  type DxlinkEndpoint,
  type DxlinkStats,
  type DxWsData,
} from "./dxlink/index.ts";
import { dxlinkFaults, type FaultOptions, type FaultPlan, parseFaults } from "./faults.ts";
import { RestHandler, type SimStats } from "./rest/handler.ts";
import { createUniverse, isoFromDays, type Universe } from "./universe/index.ts";
import { hash32 } from "./universe/prng.ts";

export { type StandaloneDxlinkOptions, startStandaloneDxlink } from "./dxlink/standalone.ts";
export type { FaultOptions, FaultPlan } from "./faults.ts";
export { optionMutedForSeed, parseFaults } from "./faults.ts";
export type { SimStats } from "./rest/handler.ts";
export { createUniverse, DEFAULT_SIM_TODAY, occSymbol, type Universe } from "./universe/index.ts";

export const DEFAULT_CLIENT_SECRET = "sim-secret";
export const DEFAULT_REFRESH_TOKEN = "sim-refresh";

export interface SimOptions {
  /** 0 (default) picks a free port. The sim only ever binds 127.0.0.1. */
  port?: number;
  seed?: string | number;
  /**
   * The market's "today" (`YYYY-MM-DD`), or `"now"` for the UTC date of the `now()` clock (what a
   * live demo wants: DXLink runs on the wall clock, so chains must expire after it). Default: the
   * fixed 2026-08-04, so that the same seed gives the same bytes on any day.
   */
  today?: string;
  /** Last session of the price paths when replaying days (see UniverseOptions.pathEnd). */
  pathEnd?: string;
  /** Cap on strikes each side of the money per expiration (default 50): lighter chain payloads. */
  strikesPerSide?: number;
  /** Reuse an existing universe (must match `seed`/`today` if those are given too). */
  universe?: Universe;
  /** `--faults` spec string or options object. */
  faults?: string | FaultOptions | FaultPlan;
  /** Access-token lifetime (default 900 s). */
  tokenTtlSec?: number;
  /** Quote-token (`/api-quote-tokens`) lifetime (default 24 h). */
  quoteTokenTtlSec?: number;
  /** Put each quote token's `expires-at` in the response (clients must honour it when present). */
  quoteTokenExpiresAt?: boolean;
  clientSecret?: string;
  refreshToken?: string;
  /** When set, a `client_id` sent with the grant must match it. */
  clientId?: string;
  /** Clock for token expiry, rate-limit windows and revocation (default Date.now). */
  now?: () => number;
  /**
   * Market time for REST snapshots (quotes, marks, balances). Default: today's 20:00 UTC close, so
   * the same seed gives byte-identical bodies; pass `Date.now` for a live-moving market.
   */
  marketNow?: () => number;
  /** Page size limits of `/instruments/equities` (defaults 250 and 2000). */
  defaultPerPage?: number;
  maxPerPage?: number;
  /** DXLink endpoint tuning, passed through. */
  dxlink?: {
    maxFrameBytes?: number;
    keepaliveTimeoutSec?: number;
    eventsPerSecPerSymbol?: number;
    maxEventsPerSec?: number;
    maxEventsPerFrame?: number;
    /** Market time of DXLink events (default: the wall clock, a live market). */
    marketNow?: () => number;
    /** Server behaviours to test clients against (see DxlinkDialect). */
    dialect?: import("./dxlink/index.ts").DxlinkDialect;
  };
  /**
   * Which TastyTrade service to imitate (default production). `sandbox` behaves like the cert
   * host: `Accept-Version` is refused, `/market-metrics`, `/market-data/by-type` and
   * `/symbols/search` answer 502.
   */
  environment?: "production" | "sandbox";
}

export interface SimServer {
  /** REST base URL, e.g. `http://127.0.0.1:43123`. */
  url: string;
  /** DXLink WebSocket URL (also returned by `/api-quote-tokens`). */
  wsUrl: string;
  port: number;
  /** The OAuth credentials this sim accepts (demo values, not user secrets). */
  clientSecret: string;
  refreshToken: string;
  universe: Universe;
  faults: FaultPlan;
  /** Live counters (requests, per route, per status, faults by kind, bytes). */
  stats: SimStats;
  dxlinkStats: DxlinkStats;
  /** Quote-token check used by the DXLink endpoint (exposed for tests). */
  validateQuoteToken(token: string): boolean;
  stop(): Promise<void>;
}

export async function startSim(options: SimOptions = {}): Promise<SimServer> {
  const seed = String(options.seed ?? "ttapi");
  const now = options.now ?? Date.now;
  const today = options.today === "now" ? isoFromDays(Math.floor(now() / 86_400_000)) : options.today;
  const universe =
    options.universe ??
    createUniverse({
      seed,
      ...(today ? { today } : {}),
      ...(options.pathEnd ? { pathEnd: options.pathEnd } : {}),
      ...(options.strikesPerSide !== undefined ? { strikesPerSide: options.strikesPerSide } : {}),
    });
  const faults = parseFaults(options.faults);
  const tokenTtlSec = options.tokenTtlSec ?? 900;
  const quoteTokenTtlSec = options.quoteTokenTtlSec ?? 86_400;
  for (const [name, v] of [
    ["tokenTtlSec", tokenTtlSec],
    ["quoteTokenTtlSec", quoteTokenTtlSec],
  ] as const) {
    if (!(Number.isFinite(v) && v > 0))
      throw configError(`sim: ${name} must be a positive number of seconds, got ${v}`, {
        hint: "e.g. --token-ttl 900",
      });
  }
  const clientSecret = options.clientSecret ?? DEFAULT_CLIENT_SECRET;
  const refreshToken = options.refreshToken ?? DEFAULT_REFRESH_TOKEN;
  if (!clientSecret || !refreshToken)
    throw configError("sim: client secret and refresh token must be non-empty", {
      hint: "omit them for the defaults",
    });
  let wsUrl = "";
  const handler = new RestHandler({
    universe,
    auth: {
      seed,
      clientSecret,
      refreshToken,
      ...(options.clientId ? { clientId: options.clientId } : {}),
      tokenTtlSec,
      quoteTokenTtlSec,
    },
    faults,
    now,
    marketNow: options.marketNow ?? (() => universe.closeMs),
    dxlinkUrl: () => wsUrl,
    defaultPerPage: options.defaultPerPage ?? 250,
    maxPerPage: options.maxPerPage ?? 2000,
    byTypeLimit: 100,
    environment: options.environment ?? "production",
    ...(options.quoteTokenExpiresAt ? { quoteTokenExpiresAt: true } : {}),
  });
  const dxlink: DxlinkEndpoint = createDxlinkEndpoint({
    universe,
    seed: hash32(seed),
    faults: dxlinkFaults(faults),
    validateToken: handler.validateQuoteToken,
    now,
    ...(options.dxlink ?? {}),
  });

  let server: Server<DxWsData>;
  try {
    server = Bun.serve<DxWsData>({
      hostname: "127.0.0.1",
      port: options.port ?? 0,
      fetch(req, srv) {
        // The DXLink endpoint shares the port: `/dxlink` upgrades, everything else is REST.
        const url = req.url;
        const p = url.indexOf("/", url.indexOf("//") + 2);
        if (url.startsWith("/dxlink", p) && (url.length === p + 7 || url[p + 7] === "?")) {
          const r = dxlink.upgrade(req, srv);
          if (r === true) return undefined;
          return r === false
            ? new Response('{"error":{"code":"upgrade_required","message":"expected a WebSocket upgrade"}}', {
                status: 426,
                headers: { "content-type": "application/json" },
              })
            : r;
        }
        return handler.handle(req, srv);
      },
      websocket: dxlink.websocket,
      error() {
        return new Response('{"error":{"code":"internal_server_error","message":"sim internal error"}}', {
          status: 500,
          headers: { "content-type": "application/json" },
        });
      },
    });
  } catch (e) {
    dxlink.close();
    throw configError(`sim: cannot listen on 127.0.0.1:${options.port ?? 0}: ${(e as Error).message}`, {
      cause: e,
      hint: "choose another --port or 0 for a free one",
    });
  }
  const port = server.port as number;
  const url = `http://127.0.0.1:${port}`;
  wsUrl = `ws://127.0.0.1:${port}/dxlink`;
  let stopped = false;
  return {
    url,
    wsUrl,
    port,
    clientSecret,
    refreshToken,
    universe,
    faults,
    stats: handler.stats,
    dxlinkStats: dxlink.stats,
    validateQuoteToken: handler.validateQuoteToken,
    async stop() {
      if (stopped) return;
      stopped = true;
      dxlink.close();
      await server.stop(true);
    },
  };
}
