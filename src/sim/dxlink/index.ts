/**
 * The simulated DXLink WebSocket endpoint. `createDxlinkEndpoint(opts)` returns a Bun.serve
 * `websocket` handler plus `upgrade(req, server)`; the sim's HTTP server mounts it at `/dxlink`.
 *
 * Faults (all deterministic in time, per connection):
 *  - `dropEverySec`: each connection is cut (no close frame) N s after it opened;
 *  - `freezeAfterSec`/`freezeForSec`: a connection goes silent (no data, no keepalive, no close, input
 *    ignored) N s after it opened, for M s (default: forever); `freezeConnections` limits how many
 *    connections freeze (default: all);
 *  - `slowConsumer`: the server pushes at a flood rate so the client becomes the slow consumer; the
 *    server itself applies back-pressure (skips live ticks while the socket's send buffer is full);
 *  - `upgrade502Every`: every Nth upgrade is answered 502 (retryable, as on the real host).
 */
import type { ServerWebSocket, WebSocketHandler } from "bun";
import { internalError } from "../../core/errors.ts";
import type { Universe } from "../universe/index.ts";
import type { DxMarket } from "./market.ts";
import { type DxlinkDialect, DxlinkSession } from "./session.ts";
import { type DxlinkStats, newDxlinkStats } from "./stats.ts";
import { marketFromUniverse } from "./universe-adapter.ts";

export type { DailyBar, DxMarket, Greeks, InstrumentInfo, OptionInfo, UnderlyingInfo } from "./market.ts";
export type { DxlinkDialect } from "./session.ts";
export type { DxlinkStats } from "./stats.ts";

export interface DxlinkFaults {
  dropEverySec?: number;
  freezeAfterSec?: number;
  freezeForSec?: number;
  freezeConnections?: number;
  slowConsumer?: boolean | { eventsPerSec?: number };
  upgrade502Every?: number;
}

export interface DxlinkEndpointOptions {
  /** The sim's universe (adapted with marketFromUniverse), or any DxMarket. */
  universe?: Universe;
  market?: DxMarket;
  seed?: number;
  faults?: DxlinkFaults;
  /** Accepts only tokens issued by the sim's `/api-quote-tokens` (and not expired). */
  validateToken: (token: string) => boolean;
  /** Client frames above this size close the socket with 1009 (default 64 KiB). */
  maxFrameBytes?: number;
  /** Client silence tolerated before ERROR TIMEOUT + close (default 60 s, as TastyTrade). */
  keepaliveTimeoutSec?: number;
  /** Live events per second per subscription (default 2). */
  eventsPerSecPerSymbol?: number;
  /** Cap on live events per second per connection (default 50,000). */
  maxEventsPerSec?: number;
  /** Max events per FEED_DATA frame (default 2,000). */
  maxEventsPerFrame?: number;
  /** Server behaviours to test clients against (canonical candle echo, no eventFields…). */
  dialect?: DxlinkDialect;
  now?: () => number;
}

export interface DxWsData {
  session?: DxlinkSession;
  connIndex: number;
}

export interface DxlinkEndpoint {
  websocket: WebSocketHandler<DxWsData>;
  upgrade(
    req: Request,
    server: { upgrade(req: Request, options: { data: DxWsData }): boolean },
  ): boolean | Response;
  stats: DxlinkStats;
  /** Sessions currently open (for tests). */
  sessions(): DxlinkSession[];
  close(): void;
}

interface ConnTimers {
  dropAt: number;
  freezeAt: number;
  freezeFor: number;
}

export function createDxlinkEndpoint(opts: DxlinkEndpointOptions): DxlinkEndpoint {
  const now = opts.now ?? Date.now;
  const faults = opts.faults ?? {};
  const stats = newDxlinkStats();
  const slow = faults.slowConsumer;
  const floodRate = slow ? (typeof slow === "object" && slow.eventsPerSec ? slow.eventsPerSec : 200_000) : 0;
  const market = opts.market ?? (opts.universe ? marketFromUniverse(opts.universe) : null);
  if (!market) throw internalError("createDxlinkEndpoint needs a universe or a market");
  const sessionCfg = {
    market,
    validateToken: opts.validateToken,
    now,
    stats,
    keepaliveTimeoutSec: opts.keepaliveTimeoutSec ?? 60,
    eventsPerSecPerSymbol: slow ? 1e9 : (opts.eventsPerSecPerSymbol ?? 2),
    maxEventsPerSec: slow ? floodRate : (opts.maxEventsPerSec ?? 50_000),
    maxEventsPerFrame: opts.maxEventsPerFrame ?? 2_000,
    backpressureBytes: 4 * 1024 * 1024,
    seed: opts.seed ?? 1,
    dialect: opts.dialect,
  };
  const live = new Map<DxlinkSession, ConnTimers>();
  let connCounter = 0;
  let upgrades = 0;
  let lastHousekeeping = 0;

  const timer = setInterval(() => {
    const t = now();
    const doHousekeeping = t - lastHousekeeping >= 100;
    if (doHousekeeping) lastHousekeeping = t;
    for (const [s, ft] of live) {
      if (t >= ft.dropAt) {
        s.drop();
        continue;
      }
      if (t >= ft.freezeAt) {
        ft.freezeAt = Number.POSITIVE_INFINITY;
        s.frozenUntil = t + ft.freezeFor;
        stats.freezesInjected++;
      }
      s.pump(t);
      if (doHousekeeping) s.housekeeping(t);
    }
  }, 10);

  const websocket: WebSocketHandler<DxWsData> = {
    maxPayloadLength: opts.maxFrameBytes ?? 64 * 1024,
    // DXLink liveness is KEEPALIVE messages, not WebSocket pings ("ping frames don't count").
    sendPings: false,
    idleTimeout: 960,
    open(ws: ServerWebSocket<DxWsData>) {
      const index = ws.data.connIndex;
      const session = new DxlinkSession(
        index,
        {
          send: (text) => ws.send(text),
          close: (code, reason) => ws.close(code, reason),
          terminate: () => ws.terminate(),
          bufferedAmount: () => ws.getBufferedAmount(),
        },
        sessionCfg,
      );
      ws.data.session = session;
      stats.connections++;
      stats.openConnections++;
      const freezes =
        faults.freezeAfterSec !== undefined &&
        (faults.freezeConnections === undefined || index < faults.freezeConnections);
      live.set(session, {
        dropAt: faults.dropEverySec
          ? session.openedAt + faults.dropEverySec * 1000
          : Number.POSITIVE_INFINITY,
        freezeAt: freezes ? session.openedAt + (faults.freezeAfterSec ?? 0) * 1000 : Number.POSITIVE_INFINITY,
        freezeFor: faults.freezeForSec !== undefined ? faults.freezeForSec * 1000 : Number.POSITIVE_INFINITY,
      });
    },
    message(ws, message) {
      ws.data.session?.onMessage(typeof message === "string" ? message : message.toString("utf8"));
    },
    close(ws, code, reason) {
      const s = ws.data.session;
      if (!s) return;
      s.markClosed();
      if (live.delete(s)) stats.openConnections--;
      if (code === 1009 || /too big/i.test(reason)) stats.oversizeCloses++;
    },
  };

  return {
    websocket,
    upgrade(req, server) {
      upgrades++;
      if (faults.upgrade502Every && upgrades % faults.upgrade502Every === 0) {
        stats.upgradesRejected++;
        return new Response("Bad Gateway", { status: 502 });
      }
      return server.upgrade(req, { data: { connIndex: connCounter++ } });
    },
    stats,
    sessions: () => [...live.keys()],
    close() {
      clearInterval(timer);
      for (const s of live.keys()) s.close(1001, "server shutting down");
      live.clear();
    },
  };
}
