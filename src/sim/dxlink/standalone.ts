/**
 * A minimal stand-alone DXLink sim for tests and benches of the streaming stack: the DXLink endpoint
 * at `/dxlink` plus `GET /api-quote-tokens` (TastyTrade's envelope and field names), with quote tokens
 * that expire after `tokenTtlSec` and can be revoked. The full sim (`startSim`) mounts the same
 * endpoint next to its REST routes; this one exists so DXLink tests need nothing else.
 */
import type { Server } from "bun";
import { createUniverse, type Universe } from "../universe/index.ts";
import {
  createDxlinkEndpoint,
  type DxlinkEndpoint,
  type DxlinkEndpointOptions,
  type DxWsData,
} from "./index.ts";

export interface StandaloneDxlinkOptions
  extends Omit<DxlinkEndpointOptions, "validateToken" | "universe" | "market"> {
  universe?: Universe;
  /** Quote token lifetime (default 24 h, as TastyTrade). */
  tokenTtlSec?: number;
}

export interface StandaloneDxlink {
  /** HTTP base URL (for `/api-quote-tokens`). */
  url: string;
  /** The DXLink WebSocket URL. */
  wsUrl: string;
  endpoint: DxlinkEndpoint;
  universe: Universe;
  /** Tokens issued so far. */
  tokensIssued(): number;
  /** Invalidate every token issued so far (sessions using them get UNAUTHORIZED). */
  revokeAll(): void;
  stop(): Promise<void>;
}

export function startStandaloneDxlink(opts: StandaloneDxlinkOptions = {}): StandaloneDxlink {
  const universe = opts.universe ?? createUniverse({ seed: opts.seed ?? 1 });
  const now = opts.now ?? Date.now;
  const ttlMs = (opts.tokenTtlSec ?? 86_400) * 1000;
  const tokens = new Map<string, number>();
  let issued = 0;
  const endpoint = createDxlinkEndpoint({
    ...opts,
    universe,
    validateToken: (t) => {
      const exp = tokens.get(t);
      return exp !== undefined && now() < exp;
    },
  });
  const server: Server<DxWsData> = Bun.serve<DxWsData>({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req, srv) {
      const path = new URL(req.url).pathname;
      if (path === "/dxlink") {
        const r = endpoint.upgrade(req, srv);
        if (r === true) return undefined;
        return r === false ? new Response("expected a WebSocket upgrade", { status: 400 }) : r;
      }
      if (path === "/api-quote-tokens") {
        issued++;
        const token = `sim-quote-${issued}-${(Math.imul(issued, 2654435761) >>> 0).toString(36)}`;
        const expiresAt = now() + ttlMs;
        tokens.set(token, expiresAt);
        return Response.json({
          data: {
            token,
            "dxlink-url": `ws://127.0.0.1:${srv.port}/dxlink`,
            level: "api",
            "expires-at": new Date(expiresAt).toISOString(),
          },
          context: "/api-quote-tokens",
        });
      }
      return new Response("not found", { status: 404 });
    },
    websocket: endpoint.websocket,
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    wsUrl: `ws://127.0.0.1:${server.port}/dxlink`,
    endpoint,
    universe,
    tokensIssued: () => issued,
    revokeAll: () => tokens.clear(),
    async stop() {
      endpoint.close();
      await server.stop(true);
    },
  };
}
