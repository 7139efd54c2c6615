/**
 * Fault injection for the simulated exchange, from a spec string (`--faults`) or an options object.
 *
 *   rate-limit[=N[/s|/m]]   429 (no headers, API-style error body) for a request that would be the
 *                           (N+1)-th accepted within any sliding window (default 100/s)
 *   errors=F                a fraction F of requests fail with 500/502/503/504
 *   reset=F                 a fraction F of responses is cut mid-body and the connection reset
 *   truncate=F              a fraction F of responses is sent complete at the HTTP level but with a
 *                           truncated JSON body (status 200, invalid JSON)
 *   latency=D | D1-D2       added latency: uniform in [D/2, 3D/2], or uniform in [D1, D2]
 *   goaway=N                the N-th response on each keep-alive connection carries
 *                           `Connection: close` and the server closes that connection
 *   revoke=D                every D, all access tokens issued so far become invalid (→ 401)
 *   drop-ws=D               DXLink: the socket is dropped every D
 *   freeze-ws=D | D1-D2     DXLink: D after it opened a socket goes silent (no data, no close), for
 *                           ever, or from D1 to D2 after it opened
 *   slow-ws[=N]             DXLink: the server floods N events/s (default 200k) so the client becomes
 *                           the slow consumer; the server applies back-pressure
 *   ws-502=N                DXLink: every N-th WebSocket upgrade is answered 502
 *
 * Durations take ms/s/m/h (a bare number means seconds; for latency, milliseconds). Every random
 * choice comes from a PRNG seeded by the sim's seed and drawn in request order, so a given seed and
 * request sequence always fails the same requests.
 */
import { usageError } from "../core/errors.ts";
import { Rng } from "./universe/prng.ts";

export interface RateLimitFault {
  /** Requests allowed per window; the rest get 429 until the window rolls over. */
  limit: number;
  windowMs: number;
}

/** WebSocket faults handed to the DXLink endpoint untouched. */
export interface WsFaults {
  dropEveryMs?: number;
  freezeAfterMs?: number;
  /** How long a frozen socket stays frozen (default: for ever). */
  freezeForMs?: number;
  /** Flood rate in events/s (true = the DXLink endpoint's default). */
  slowConsumer?: boolean | number;
  upgrade502Every?: number;
}

export interface FaultPlan {
  rateLimit?: RateLimitFault;
  /** Fractions in [0, 1]. */
  errors?: number;
  reset?: number;
  truncate?: number;
  latency?: { minMs: number; maxMs: number };
  goawayEvery?: number;
  revokeEveryMs?: number;
  ws: WsFaults;
}

/** The object form accepted by `startSim({ faults })`: the same items as the spec, typed. */
export interface FaultOptions {
  rateLimit?: boolean | number | RateLimitFault;
  errors?: number;
  reset?: number;
  truncate?: number;
  /** Milliseconds (uniform in [x/2, 3x/2]) or an explicit range. */
  latency?: number | { minMs: number; maxMs: number };
  goaway?: number;
  /** Milliseconds. */
  revoke?: number;
  dropWs?: number;
  /** Milliseconds after a socket opens, optionally with a duration. */
  freezeWs?: number | { afterMs: number; forMs?: number };
  slowWs?: boolean | number;
  ws502?: number;
}

export const FAULT_KINDS = [
  "rate-limit",
  "errors",
  "reset",
  "truncate",
  "latency",
  "goaway",
  "revoke",
  "drop-ws",
  "freeze-ws",
  "slow-ws",
  "ws-502",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const HINT = `valid items: ${FAULT_KINDS.join(", ")} (e.g. "rate-limit,errors=0.2,latency=20ms,revoke=60s")`;

export function emptyFaultPlan(): FaultPlan {
  return { ws: {} };
}

/** The fault plan's WebSocket part in the DXLink endpoint's terms (seconds). */
export function dxlinkFaults(p: FaultPlan): {
  dropEverySec?: number;
  freezeAfterSec?: number;
  freezeForSec?: number;
  slowConsumer?: boolean | { eventsPerSec?: number };
  upgrade502Every?: number;
} {
  const w = p.ws;
  return {
    ...(w.dropEveryMs !== undefined ? { dropEverySec: w.dropEveryMs / 1000 } : {}),
    ...(w.freezeAfterMs !== undefined ? { freezeAfterSec: w.freezeAfterMs / 1000 } : {}),
    ...(w.freezeForMs !== undefined ? { freezeForSec: w.freezeForMs / 1000 } : {}),
    ...(w.slowConsumer !== undefined
      ? {
          slowConsumer:
            typeof w.slowConsumer === "number" ? { eventsPerSec: w.slowConsumer } : w.slowConsumer,
        }
      : {}),
    ...(w.upgrade502Every !== undefined ? { upgrade502Every: w.upgrade502Every } : {}),
  };
}

/** Parse a `--faults` spec, an options object, or nothing (no faults). */
export function parseFaults(spec: string | FaultOptions | FaultPlan | undefined | null): FaultPlan {
  if (spec === undefined || spec === null || spec === "") return emptyFaultPlan();
  if (typeof spec === "string") return parseFaultSpec(spec);
  if ("ws" in spec && typeof spec.ws === "object") return validatePlan(spec as FaultPlan, "fault plan");
  return fromOptions(spec as FaultOptions);
}

export function parseFaultSpec(spec: string): FaultPlan {
  const plan = emptyFaultPlan();
  const seen = new Set<string>();
  for (const rawItem of spec.split(",")) {
    const item = rawItem.trim();
    if (!item) throw usageError(`--faults "${spec}": empty item`, { hint: HINT });
    const eq = item.indexOf("=");
    const name = (eq < 0 ? item : item.slice(0, eq)).trim();
    const value = eq < 0 ? undefined : item.slice(eq + 1).trim();
    if (!(FAULT_KINDS as readonly string[]).includes(name)) {
      throw usageError(`--faults: unknown item "${item}"`, { hint: HINT });
    }
    if (seen.has(name))
      throw usageError(`--faults: item "${name}" given twice`, { hint: "give each item once" });
    seen.add(name);
    const where = `--faults item "${item}"`;
    const need = (): string => {
      if (value === undefined || value === "") throw usageError(`${where}: missing value`, { hint: HINT });
      return value;
    };
    switch (name as FaultKind) {
      case "rate-limit":
        plan.rateLimit = value === undefined ? { limit: 100, windowMs: 1000 } : parseRate(value, where);
        break;
      case "errors":
        plan.errors = parseFraction(need(), where);
        break;
      case "reset":
        plan.reset = parseFraction(need(), where);
        break;
      case "truncate":
        plan.truncate = parseFraction(need(), where);
        break;
      case "latency": {
        const [ms, maxMs] = durationRange(need(), where, "ms");
        if (maxMs !== undefined) {
          if (maxMs < ms)
            throw usageError(`${where}: range upper bound below lower bound`, {
              hint: "write latency=10ms-50ms",
            });
          plan.latency = { minMs: ms, maxMs };
        } else {
          plan.latency = { minMs: ms / 2, maxMs: (ms * 3) / 2 };
        }
        break;
      }
      case "goaway":
        plan.goawayEvery = parsePositiveInt(need(), where);
        break;
      case "revoke":
        plan.revokeEveryMs = positiveDuration(need(), where);
        break;
      case "drop-ws":
        plan.ws.dropEveryMs = positiveDuration(need(), where);
        break;
      case "freeze-ws": {
        const [after, until] = durationRange(need(), where, "s");
        plan.ws.freezeAfterMs = after;
        if (until !== undefined) {
          if (until <= after)
            throw usageError(`${where}: freeze window ends before it starts`, {
              hint: "e.g. freeze-ws=30s-45s",
            });
          plan.ws.freezeForMs = until - after;
        }
        break;
      }
      case "slow-ws":
        plan.ws.slowConsumer = value === undefined ? true : parsePositiveInt(value, where);
        break;
      case "ws-502":
        plan.ws.upgrade502Every = parsePositiveInt(need(), where);
        break;
    }
  }
  return plan;
}

function fromOptions(o: FaultOptions): FaultPlan {
  const plan = emptyFaultPlan();
  const known = new Set([
    "rateLimit",
    "errors",
    "reset",
    "truncate",
    "latency",
    "goaway",
    "revoke",
    "dropWs",
    "freezeWs",
    "slowWs",
    "ws502",
  ]);
  for (const k of Object.keys(o)) {
    if (!known.has(k))
      throw usageError(`faults option "${k}" is unknown`, {
        hint: `valid options: ${[...known].join(", ")}`,
      });
  }
  if (o.rateLimit === true) plan.rateLimit = { limit: 100, windowMs: 1000 };
  else if (typeof o.rateLimit === "number") plan.rateLimit = { limit: o.rateLimit, windowMs: 1000 };
  else if (o.rateLimit) plan.rateLimit = { ...o.rateLimit };
  if (o.errors !== undefined) plan.errors = o.errors;
  if (o.reset !== undefined) plan.reset = o.reset;
  if (o.truncate !== undefined) plan.truncate = o.truncate;
  if (typeof o.latency === "number") plan.latency = { minMs: o.latency / 2, maxMs: (o.latency * 3) / 2 };
  else if (o.latency) plan.latency = { ...o.latency };
  if (o.goaway !== undefined) plan.goawayEvery = o.goaway;
  if (o.revoke !== undefined) plan.revokeEveryMs = o.revoke;
  if (o.dropWs !== undefined) plan.ws.dropEveryMs = o.dropWs;
  if (typeof o.freezeWs === "number") plan.ws.freezeAfterMs = o.freezeWs;
  else if (o.freezeWs) {
    plan.ws.freezeAfterMs = o.freezeWs.afterMs;
    if (o.freezeWs.forMs !== undefined) plan.ws.freezeForMs = o.freezeWs.forMs;
  }
  if (o.slowWs !== undefined && o.slowWs !== false) plan.ws.slowConsumer = o.slowWs;
  if (o.ws502 !== undefined) plan.ws.upgrade502Every = o.ws502;
  return validatePlan(plan, "faults option");
}

function validatePlan(p: FaultPlan, where: string): FaultPlan {
  for (const [k, v] of [
    ["errors", p.errors],
    ["reset", p.reset],
    ["truncate", p.truncate],
  ] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0 && v <= 1)) {
      throw usageError(`${where} "${k}": ${v} is not a fraction in [0, 1]`, { hint: "e.g. errors=0.2" });
    }
  }
  if (
    p.rateLimit &&
    !(Number.isInteger(p.rateLimit.limit) && p.rateLimit.limit > 0 && p.rateLimit.windowMs > 0)
  ) {
    throw usageError(`${where} "rate-limit": limit must be a positive integer per positive window`, {
      hint: "e.g. rate-limit=200/s",
    });
  }
  if (
    p.latency &&
    !(p.latency.minMs >= 0 && p.latency.maxMs >= p.latency.minMs && Number.isFinite(p.latency.maxMs))
  ) {
    throw usageError(`${where} "latency": invalid range`, { hint: "e.g. latency=20ms or latency=10ms-50ms" });
  }
  for (const [k, v] of [
    ["goaway", p.goawayEvery],
    ["revoke", p.revokeEveryMs],
    ["drop-ws", p.ws.dropEveryMs],
    ["freeze-ws", p.ws.freezeForMs],
    ["ws-502", p.ws.upgrade502Every],
  ] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v > 0))
      throw usageError(`${where} "${k}": ${v} must be positive`, { hint: HINT });
  }
  if (
    typeof p.ws.slowConsumer === "number" &&
    !(Number.isInteger(p.ws.slowConsumer) && p.ws.slowConsumer > 0)
  ) {
    throw usageError(`${where} "slow-ws": ${p.ws.slowConsumer} must be a positive integer (events/s)`, {
      hint: "e.g. slow-ws=100000",
    });
  }
  if (p.goawayEvery !== undefined && !Number.isInteger(p.goawayEvery)) {
    throw usageError(`${where} "goaway": ${p.goawayEvery} must be an integer`, { hint: "e.g. goaway=100" });
  }
  if (p.ws.freezeAfterMs !== undefined && !(Number.isFinite(p.ws.freezeAfterMs) && p.ws.freezeAfterMs >= 0)) {
    throw usageError(`${where} "freeze-ws": must be a non-negative duration`, { hint: "e.g. freeze-ws=30s" });
  }
  return p;
}

function parseFraction(v: string, where: string): number {
  const x = /^(?:\d+(?:\.\d*)?|\.\d+)$/.test(v) ? Number(v) : Number.NaN;
  if (!(x >= 0 && x <= 1))
    throw usageError(`${where}: "${v}" is not a fraction in [0, 1]`, { hint: "e.g. errors=0.2" });
  return x;
}

function parsePositiveInt(v: string, where: string): number {
  if (!/^\d+$/.test(v) || Number(v) <= 0)
    throw usageError(`${where}: "${v}" is not a positive integer`, { hint: "e.g. goaway=100" });
  return Number(v);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `20ms`, `1.5s`, `2m`, `1h`; a bare number is in `bareUnit`. */
export function parseDuration(v: string, where: string, bareUnit: "ms" | "s"): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(v.trim());
  if (!m) throw usageError(`${where}: "${v}" is not a duration`, { hint: "use e.g. 250ms, 2s, 1m, 1h" });
  return Number(m[1]) * (DURATION_UNITS[m[2] ?? bareUnit] as number);
}

/** "a" or "a-b" (durations) → [a, b or undefined], in ms. */
function durationRange(v: string, where: string, bareUnit: "ms" | "s"): [number, number | undefined] {
  const dash = v.indexOf("-");
  if (dash <= 0) return [parseDuration(v, where, bareUnit), undefined];
  return [
    parseDuration(v.slice(0, dash), where, bareUnit),
    parseDuration(v.slice(dash + 1), where, bareUnit),
  ];
}

function positiveDuration(v: string, where: string): number {
  const ms = parseDuration(v, where, "s");
  if (ms <= 0) throw usageError(`${where}: duration must be positive`, { hint: "e.g. revoke=60s" });
  return ms;
}

function parseRate(v: string, where: string): RateLimitFault {
  const m = /^(\d+)(?:\/(s|m|\d+(?:\.\d+)?(?:ms|s|m)))?$/.exec(v);
  if (!m || Number(m[1]) <= 0)
    throw usageError(`${where}: "${v}" is not a rate`, { hint: "e.g. rate-limit=200/s, rate-limit=1000/m" });
  const per = m[2] ?? "s";
  const windowMs = per === "s" ? 1000 : per === "m" ? 60_000 : parseDuration(per, where, "s");
  return { limit: Number(m[1]), windowMs };
}

/** What the REST layer should do to one request. */
export interface FaultDecision {
  kind: "none" | "rate-limit" | "error" | "reset" | "truncate";
  status?: number;
  latencyMs: number;
  goaway: boolean;
}

/**
 * Per-server fault state. Draws a fixed number of uniforms per request (so enabling one fault does
 * not shift the random choices of another) from a stream seeded by the sim seed.
 */
export class FaultInjector {
  private readonly rng: Rng;
  private requestNo = 0;
  /** Times of the last `limit` accepted requests (a ring): the sliding-window log of the rate limit. */
  private accepted: Float64Array | null = null;
  private acceptedHead = 0;

  constructor(
    readonly plan: FaultPlan,
    seed: string,
  ) {
    this.rng = Rng.fromKey(seed, "faults");
  }

  /**
   * `connection` identifies the client's TCP connection (remote address:port) so `goaway` counts
   * requests per keep-alive connection; without it, requests are counted globally.
   */
  decide(nowMs: number, connection?: string): FaultDecision {
    const p = this.plan;
    this.requestNo++;
    const uError = this.rng.next();
    const uStatus = this.rng.next();
    const uReset = this.rng.next();
    const uTruncate = this.rng.next();
    const uLatency = this.rng.next();
    const latencyMs = p.latency ? p.latency.minMs + (p.latency.maxMs - p.latency.minMs) * uLatency : 0;
    const goaway = p.goawayEvery !== undefined && this.countOnConnection(connection) % p.goawayEvery === 0;
    if (p.rateLimit) {
      // Sliding window, not fixed buckets: a burst can't slip through by straddling a boundary.
      const { limit, windowMs } = p.rateLimit;
      if (!this.accepted || this.accepted.length !== limit) {
        this.accepted = new Float64Array(limit).fill(Number.NEGATIVE_INFINITY);
        this.acceptedHead = 0;
      }
      const oldest = this.accepted[this.acceptedHead] as number;
      if (nowMs - oldest < windowMs) return { kind: "rate-limit", status: 429, latencyMs, goaway };
      this.accepted[this.acceptedHead] = nowMs;
      this.acceptedHead = (this.acceptedHead + 1) % limit;
    }
    if (p.errors && uError < p.errors) {
      const status = [500, 502, 503, 504][Math.floor(uStatus * 4)] as number;
      return { kind: "error", status, latencyMs, goaway };
    }
    if (p.reset && uReset < p.reset) return { kind: "reset", latencyMs, goaway };
    if (p.truncate && uTruncate < p.truncate) return { kind: "truncate", latencyMs, goaway };
    return { kind: "none", latencyMs, goaway };
  }

  private readonly perConnection = new Map<string, number>();

  private countOnConnection(connection: string | undefined): number {
    if (connection === undefined) return this.requestNo;
    // Connections that closed before their N-th request leave an entry; bound the map.
    if (this.perConnection.size > 50_000) this.perConnection.clear();
    const n = (this.perConnection.get(connection) ?? 0) + 1;
    if (this.plan.goawayEvery !== undefined && n % this.plan.goawayEvery === 0)
      this.perConnection.delete(connection);
    else this.perConnection.set(connection, n);
    return n;
  }

  /** Revocation epoch at `nowMs` relative to the server start: tokens from an older epoch are dead. */
  revocationEpoch(nowMs: number, startMs: number): number {
    return this.plan.revokeEveryMs ? Math.floor((nowMs - startMs) / this.plan.revokeEveryMs) : 0;
  }
}
