/**
 * The robust DXLink client. It keeps a desired state — per event type, the symbols (and candle
 * `fromTime`s) the user wants — and makes each connection converge to it:
 *
 *   fresh quote token → SETUP → (SETUP, AUTH_STATE) → AUTH → AUTHORIZED → per type: CHANNEL_REQUEST →
 *   CHANNEL_OPENED → FEED_SETUP → FEED_CONFIG → FEED_SUBSCRIPTION reset + chunked adds
 *
 * every step with its own timeout. Any failure (drop, 1009, watchdog, ERROR TIMEOUT, UNAUTHORIZED,
 * token about to expire) ends the connection and the run loop reconnects with exponential backoff and
 * full jitter, fetching a new token every time; a freshly fetched token that is rejected twice in a row
 * makes it give up (`gave-up` state) instead of looping. Subscription changes are coalesced over
 * `batchDelayMs` and sent as diffs against what this connection's server already has, so nothing is
 * subscribed twice; candle subscriptions resume from the last bar of a completed snapshot.
 *
 * Data is decoded by the server's FEED_CONFIG field list and handed to `onData` listeners as
 * `CompactBatch`es, synchronously: listeners must not block (use `BoundedBatchQueue` or
 * `LatestValueStore` from buffers.ts in between).
 */

import { sleep } from "../../core/cancel.ts";
import { candleKey } from "../../core/candle-symbol.ts";
import {
  authError,
  cancelledError,
  isTTError,
  protocolError,
  TTError,
  toTTError,
} from "../../core/errors.ts";
import { getLogger } from "../../core/log.ts";
import { registerSecret } from "../../core/redact.ts";
import { type BackoffOptions, fullJitter } from "../backoff.ts";
import { chunkSubscription, type SubscriptionItem } from "./chunking.ts";
import { type CompactBatch, decodeCompactData, decodeFullData, toNumber } from "./codec.ts";
import { Connection, type EndReason, type Message } from "./connection.ts";
import { DEFAULT_FIELDS, EVENT_TYPES, EventFlags, type EventType } from "./events.ts";

export interface QuoteTokenInfo {
  token: string;
  dxlinkUrl: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

const RECONNECT_BACKOFF: BackoffOptions = { baseMs: 1000, maxMs: 30_000 };

export type TokenReason = "initial" | "reconnect" | "expiring" | "rejected";
/** `signal` aborts when the client closes: a provider should stop its request then. */
export type QuoteTokenProvider = (ctx: {
  reason: TokenReason;
  signal?: AbortSignal;
}) => Promise<QuoteTokenInfo>;

export interface DxlinkClientOptions {
  getQuoteToken: QuoteTokenProvider;
  /** Field lists requested per event type (default: DEFAULT_FIELDS). */
  fields?: Partial<Record<EventType, readonly string[]>>;
  /** acceptAggregationPeriod in seconds (default 0.1). */
  aggregationPeriodSec?: number;
  dataFormat?: "COMPACT" | "FULL";
  /** Announced keepalive timeout in seconds, both ways (default 60). */
  keepaliveTimeoutSec?: number;
  /** Per handshake step (default 10 s). */
  stepTimeoutMs?: number;
  /** Hard cap of any frame we send (default 64 KiB). */
  maxFrameBytes?: number;
  /** Target size of subscription messages (default 8 KiB); halved after a 1009 close. */
  chunkBytes?: number;
  /** Max items per subscription message (default 500). */
  chunkItems?: number;
  /** Coalescing window for subscription changes (default 50 ms). */
  batchDelayMs?: number;
  /** Reconnect delays (full jitter; default base 1 s, ceiling 30 s). */
  backoff?: Partial<BackoffOptions>;
  /** A connection that lived this long resets the backoff (default 1 s). */
  stableAfterMs?: number;
  /** Reconnect with a fresh token this long before the token expires (default 10 min). */
  tokenRefreshBeforeMs?: number;
  /** Give up (state `gave-up`, E_NETWORK) after this many consecutive failed attempts (default: never). */
  maxAttempts?: number;
  /**
   * Give up (E_PROTOCOL, with the server's message) after this many consecutive connections ended by
   * ERROR BAD_ACTION (default 3); UNSUPPORTED_PROTOCOL gives up at once — retrying cannot fix either.
   */
  maxProtocolErrors?: number;
  /** Candle resume policy after a reconnect: from the last bar received, or from the original fromTime. */
  candleResume?: "last-bar" | "from-time";
  random?: () => number;
  now?: () => number;
  signal?: AbortSignal;
  /** WebSocket implementation: Bun's native one when available ("auto", default), or the `ws` package. */
  socket?: "auto" | "native" | "ws";
  /** Version string sent in SETUP. */
  version?: string;
}

export type ConnectionState =
  | { state: "connecting"; attempt: number }
  | { state: "authorized"; connection: number }
  | { state: "reconnecting"; attempt: number; delayMs: number; reason: string }
  | { state: "closed"; reason: string }
  | { state: "gave-up"; reason: string; error: TTError };

export interface DxlinkClientStats {
  connections: number;
  reconnects: number;
  tokenFetches: number;
  framesIn: number;
  bytesIn: number;
  eventsIn: number;
  eventsByType: Record<string, number>;
  rejectedPairs: number;
  /** Data pairs dropped because no field list was known for their type (not even a requested one). */
  pendingDropped: number;
  /** Data pairs decoded by the requested field list because FEED_CONFIG brought none. */
  fallbackDecoded: number;
  /** ERROR BAD_ACTION / UNSUPPORTED_PROTOCOL messages received. */
  protocolErrors: number;
  subscriptionMessages: number;
  subscriptionItemsSent: number;
  watchdogTrips: number;
  frameTooBig: number;
  lastMessageAt: number;
}

interface DesiredSub {
  fromTime: number | undefined;
}

interface ChannelConn {
  id: number;
  type: EventType;
  ready: boolean;
  /** Server field lists (merged FEED_CONFIG eventFields). */
  fields: Map<string, readonly string[]>;
  /** The list we asked for in FEED_SETUP: the fallback when the server never sends its own. */
  requested: readonly string[];
  /** The fallback has been used (logged once per channel). */
  fallbackUsed: boolean;
  format: "COMPACT" | "FULL";
  /** What this connection's server has: symbol → desired fromTime at the time it was sent. */
  sent: Map<string, number | undefined>;
  resetSent: boolean;
}

interface CandleProgress {
  /** The last snapshot for this symbol completed (SNAPSHOT_END/SNIP seen). */
  complete: boolean;
  lastBarTime: number;
}

export type DataListener = (batch: CompactBatch, channel: number) => void;
export type StateListener = (s: ConnectionState) => void;
export type SnapshotListener = (type: EventType, symbol: string) => void;

const DEFAULTS = {
  aggregationPeriodSec: 0.1,
  keepaliveTimeoutSec: 60,
  stepTimeoutMs: 10_000,
  maxFrameBytes: 64 * 1024,
  chunkBytes: 8 * 1024,
  chunkItems: 500,
  batchDelayMs: 50,
  stableAfterMs: 1000,
  tokenRefreshBeforeMs: 10 * 60_000,
};

export function channelFor(type: EventType): number {
  return 2 * EVENT_TYPES.indexOf(type) + 1;
}

export class DxlinkClient {
  readonly stats: DxlinkClientStats = {
    connections: 0,
    reconnects: 0,
    tokenFetches: 0,
    framesIn: 0,
    bytesIn: 0,
    eventsIn: 0,
    eventsByType: {},
    rejectedPairs: 0,
    pendingDropped: 0,
    fallbackDecoded: 0,
    protocolErrors: 0,
    subscriptionMessages: 0,
    subscriptionItemsSent: 0,
    watchdogTrips: 0,
    frameTooBig: 0,
    lastMessageAt: 0,
  };
  private readonly log = getLogger("dxlink");
  private readonly desired = new Map<EventType, Map<string, DesiredSub>>();
  private readonly candles = new Map<string, CandleProgress>();
  /** Candle series by meaning (`candleKey`) → the subscribed spelling, to match any echo form. */
  private readonly candleAliases = new Map<string, string>();
  private readonly dataListeners: DataListener[] = [];
  private readonly stateListeners: StateListener[] = [];
  private readonly snapshotListeners: SnapshotListener[] = [];
  private conn: Connection | null = null;
  private channels = new Map<number, ChannelConn>();
  private authorized = false;
  private stopped = false;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly stopCtl = new AbortController();
  private running: Promise<void> | null = null;
  private chunkBytes: number;
  private lastState: ConnectionState = { state: "closed", reason: "not started" };
  private readonly now: () => number;
  /**
   * Removed on close: a listener left on a long-lived signal (a whole run's) keeps this client —
   * and through its options everything its token provider reaches, in demo mode the simulated
   * exchange — alive until that signal is collected.
   */
  private readonly onAbort = () => void this.close();

  constructor(private readonly opts: DxlinkClientOptions) {
    this.now = opts.now ?? Date.now;
    this.chunkBytes = Math.min(
      opts.chunkBytes ?? DEFAULTS.chunkBytes,
      opts.maxFrameBytes ?? DEFAULTS.maxFrameBytes,
    );
    opts.signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  get state(): ConnectionState {
    return this.lastState;
  }

  onData(fn: DataListener): () => void {
    this.dataListeners.push(fn);
    return () => remove(this.dataListeners, fn);
  }
  onState(fn: StateListener): () => void {
    this.stateListeners.push(fn);
    return () => remove(this.stateListeners, fn);
  }
  /** A history snapshot (e.g. a candle series) completed for a symbol. */
  onSnapshot(fn: SnapshotListener): () => void {
    this.snapshotListeners.push(fn);
    return () => remove(this.snapshotListeners, fn);
  }

  /** Start connecting (idempotent). Subscriptions may be added before or after. */
  start(): void {
    if (this.running || this.stopped) return;
    this.running = this.runLoop().catch((e) => {
      this.emitState({ state: "gave-up", reason: String((e as Error)?.message ?? e), error: toTTError(e) });
    });
  }

  /** Resolves when a connection is authorized (rejects if the client gives up or closes first). */
  ready(): Promise<void> {
    if (this.authorized) return Promise.resolve();
    const last = this.lastState;
    if (last.state === "gave-up") return Promise.reject(last.error);
    if (this.stopped)
      return Promise.reject(
        protocolError(`DXLink client closed: ${last.state === "closed" ? last.reason : "stopped"}`),
      );
    return new Promise((resolve, reject) => {
      const off = this.onState((s) => {
        if (s.state === "authorized") {
          off();
          resolve();
        } else if (s.state === "gave-up") {
          off();
          reject(s.error);
        } else if (s.state === "closed") {
          off();
          reject(protocolError(`DXLink client closed: ${s.reason}`));
        }
      });
    });
  }

  subscribe(type: EventType, symbols: string | readonly string[], opts: { fromTime?: number } = {}): void {
    let m = this.desired.get(type);
    if (!m) {
      m = new Map();
      this.desired.set(type, m);
    }
    for (const s of typeof symbols === "string" ? [symbols] : symbols) {
      const prev = m.get(s);
      if (prev && prev.fromTime === opts.fromTime) continue;
      m.set(s, { fromTime: opts.fromTime });
      if (type === "Candle") {
        this.candles.set(s, { complete: false, lastBarTime: Number.NEGATIVE_INFINITY });
        this.candleAliases.set(candleKey(s), s);
      }
    }
    this.scheduleFlush();
  }

  unsubscribe(type: EventType, symbols: string | readonly string[]): void {
    const m = this.desired.get(type);
    if (!m) return;
    for (const s of typeof symbols === "string" ? [symbols] : symbols) {
      m.delete(s);
      if (type === "Candle") {
        this.candles.delete(s);
        if (this.candleAliases.get(candleKey(s)) === s) this.candleAliases.delete(candleKey(s));
      }
    }
    this.scheduleFlush();
  }

  subscriptionCount(type?: EventType): number {
    if (type) return this.desired.get(type)?.size ?? 0;
    let n = 0;
    for (const m of this.desired.values()) n += m.size;
    return n;
  }

  /** Whether the last history snapshot of a candle symbol is complete. */
  candleSnapshotComplete(symbol: string): boolean {
    return this.candles.get(symbol)?.complete ?? false;
  }

  /**
   * End the current connection so the run loop reconnects (fresh token, subscriptions replayed):
   * for a caller that knows more about the feed than the keepalive watchdog, e.g. a feed that went
   * silent long before the server's keepalive timeout. Returns whether a connection was ended.
   */
  restartConnection(reason: string): boolean {
    const c = this.conn;
    if (!c || c.isEnded || this.stopped) return false;
    this.stats.watchdogTrips++;
    c.end({ kind: "watchdog", message: reason });
    return true;
  }

  /** Clean shutdown: CHANNEL_CANCEL each channel, close the socket, stop reconnecting. */
  async close(reason = "closed by the application"): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.opts.signal?.removeEventListener("abort", this.onAbort);
    this.stopCtl.abort();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    const c = this.conn;
    if (c && !c.isEnded) {
      for (const ch of this.channels.values()) c.send({ type: "CHANNEL_CANCEL", channel: ch.id });
      c.end({ kind: "stopped", message: reason }, true);
    }
    await this.running?.catch(() => {});
    this.emitState({ state: "closed", reason });
  }

  // --- run loop -----------------------------------------------------------------------------------

  private async runLoop(): Promise<void> {
    let attempt = 0;
    let tokenReason: TokenReason = "initial";
    let rejectedStreak = 0;
    let protocolStreak = 0;
    let firstConnect = true;
    while (!this.stopped) {
      let info: QuoteTokenInfo;
      try {
        info = await this.fetchToken(tokenReason);
        // Closed while the token was on its way: open no connection (nobody would ever end it).
        if (this.stopped) return;
        registerSecret(info.token);
        this.stats.tokenFetches++;
      } catch (e) {
        if (this.stopped) return;
        const err = toTTError(e, "E_NETWORK", "quote token request failed");
        if (isTTError(e) && (e.code === "E_AUTH" || e.code === "E_CONFIG" || e.code === "E_CANCELLED"))
          return this.giveUp(err);
        if (!(await this.waitBeforeRetry(attempt++, err.message))) return;
        continue;
      }
      if (!firstConnect) this.stats.reconnects++;
      firstConnect = false;
      this.emitState({ state: "connecting", attempt });
      const outcome = await this.runConnection(info);
      if (this.stopped) return;
      const lived = this.now() - outcome.openedAt;
      if (outcome.authorized && lived >= (this.opts.stableAfterMs ?? DEFAULTS.stableAfterMs)) attempt = 0;
      const r = outcome.reason;
      if (r.kind === "protocol") {
        protocolStreak++;
        const unsupported = r.message.includes("UNSUPPORTED_PROTOCOL");
        if (unsupported || protocolStreak >= (this.opts.maxProtocolErrors ?? 3)) {
          return this.giveUp(
            protocolError(
              `DXLink ${r.message}${unsupported ? "" : ` (${protocolStreak} connections in a row)`}`,
              {
                hint: unsupported
                  ? "the DXLink server does not speak this client's protocol version; update ttapi"
                  : "the DXLink server rejects what this client sends; rerun with -vv and report the log",
              },
            ),
          );
        }
      } else if (outcome.authorized) protocolStreak = 0;
      if (r.kind === "auth-rejected") {
        rejectedStreak++;
        // A token fetched fresh because the previous one was rejected, rejected again: stop, don't loop.
        if (rejectedStreak >= 2) {
          return this.giveUp(
            authError(`DXLink rejected a freshly issued quote token: ${r.message}`, {
              hint: "check the account's market-data entitlement (api-quote-tokens) and that the DXLink URL matches the token",
            }),
          );
        }
        tokenReason = "rejected";
      } else {
        if (outcome.authorized) rejectedStreak = 0;
        tokenReason =
          r.kind === "unauthorized" ? "rejected" : r.kind === "token-expiring" ? "expiring" : "reconnect";
      }
      if (r.kind === "frame-too-big") {
        this.stats.frameTooBig++;
        this.chunkBytes = Math.max(512, Math.floor(this.chunkBytes / 2));
      }
      if (r.kind === "watchdog") this.stats.watchdogTrips++;
      // A planned token refresh reconnects at once; everything else backs off with jitter.
      const planned = r.kind === "token-expiring";
      if (planned) {
        this.emitState({ state: "reconnecting", attempt: 0, delayMs: 0, reason: r.message });
        continue;
      }
      if (!(await this.waitBeforeRetry(attempt++, `${r.kind}: ${r.message}`))) return;
    }
  }

  private async waitBeforeRetry(attempt: number, reason: string): Promise<boolean> {
    const max = this.opts.maxAttempts ?? Number.POSITIVE_INFINITY;
    if (attempt + 1 >= max) {
      this.giveUp(
        new TTError(
          "E_NETWORK",
          `DXLink: ${attempt + 1} consecutive connection attempts failed; last: ${reason}`,
          { hint: "check the network and the DXLink URL from /api-quote-tokens" },
        ),
      );
      return false;
    }
    const delayMs = fullJitter(attempt, { ...RECONNECT_BACKOFF, ...this.opts.backoff }, this.opts.random);
    this.log.info("reconnecting", { attempt: attempt + 1, delayMs, reason });
    this.emitState({ state: "reconnecting", attempt: attempt + 1, delayMs, reason });
    try {
      await sleep(delayMs, this.stopCtl.signal);
      return !this.stopped;
    } catch {
      return false;
    }
  }

  /** The provider's token, or a rejection as soon as the client closes (a slow REST call must not hold close()). */
  private fetchToken(reason: TokenReason): Promise<QuoteTokenInfo> {
    const signal = this.stopCtl.signal;
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(cancelledError("DXLink client closed while fetching a quote token"));
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      this.opts.getQuoteToken({ reason, signal }).then(
        (v) => {
          signal.removeEventListener("abort", onAbort);
          resolve(v);
        },
        (e) => {
          signal.removeEventListener("abort", onAbort);
          reject(e);
        },
      );
    });
  }

  private giveUp(error: TTError): void {
    this.stopped = true;
    this.log.error("giving up", { error: error.message });
    this.emitState({ state: "gave-up", reason: error.message, error });
  }

  private async runConnection(
    info: QuoteTokenInfo,
  ): Promise<{ reason: EndReason; authorized: boolean; openedAt: number }> {
    const step = this.opts.stepTimeoutMs ?? DEFAULTS.stepTimeoutMs;
    const conn = new Connection(
      info.dxlinkUrl,
      { onMessage: (m, c) => this.onMessage(m, c), onFrame: (n) => this.onFrame(n) },
      this.now,
      this.opts.socket ?? "auto",
    );
    this.conn = conn;
    this.channels = new Map();
    this.authorized = false;
    this.stats.connections++;
    let authorized = false;
    try {
      await conn.open(step);
      const ka = this.opts.keepaliveTimeoutSec ?? DEFAULTS.keepaliveTimeoutSec;
      const setupP = conn.waitFor((m) => m.type === "SETUP", step, "SETUP reply");
      const stateP = conn.waitFor((m) => m.type === "AUTH_STATE", step, "AUTH_STATE after SETUP");
      // Awaited only after the SETUP reply: if that fails first, this one must not go unhandled.
      stateP.catch(() => {});
      conn.send({
        type: "SETUP",
        channel: 0,
        version: this.opts.version ?? "0.1-ttapi/0.1.0",
        keepaliveTimeout: ka,
        acceptKeepaliveTimeout: ka,
      });
      const setup = await setupP;
      this.configureLiveness(conn, setup, ka);
      const first = await stateP;
      if (first.state !== "AUTHORIZED") {
        const authP = conn.waitFor((m) => m.type === "AUTH_STATE", step, "AUTH_STATE after AUTH");
        conn.send({ type: "AUTH", channel: 0, token: info.token });
        const st = await authP;
        if (st.state !== "AUTHORIZED") {
          conn.end({ kind: "auth-rejected", message: "AUTH answered UNAUTHORIZED" });
          return { reason: await conn.whenEnded(), authorized: false, openedAt: conn.openedAt };
        }
      }
      authorized = true;
      this.authorized = true;
      this.scheduleTokenRefresh(conn, info);
      this.emitState({ state: "authorized", connection: this.stats.connections });
      for (const type of this.desired.keys())
        if ((this.desired.get(type)?.size ?? 0) > 0) this.ensureChannel(conn, type);
    } catch (e) {
      const reason = isEndReason(e)
        ? e
        : { kind: "handshake" as const, message: String((e as Error)?.message ?? e) };
      conn.end(reason);
    }
    const reason = await conn.whenEnded();
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.authorized = false;
    this.log.debug("connection ended", { kind: reason.kind, message: reason.message });
    return { reason, authorized, openedAt: conn.openedAt };
  }

  private configureLiveness(conn: Connection, setup: Message, announced: number): void {
    // The server's keepaliveTimeout: how long it may stay silent. Its acceptKeepaliveTimeout: how long
    // it tolerates our silence. Units are seconds; guard against a server sending milliseconds.
    const serverSilence = secondsOf(setup.keepaliveTimeout, announced);
    const ourLimit = Math.min(secondsOf(setup.acceptKeepaliveTimeout, announced), announced);
    conn.watchdogMs = Math.round(serverSilence * 1000 * 1.25) + 250;
    conn.keepaliveEveryMs = Math.max(100, Math.min(30_000, (ourLimit * 1000) / 2));
    conn.startLiveness();
  }

  private scheduleTokenRefresh(conn: Connection, info: QuoteTokenInfo): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    const now = this.now();
    const life = info.expiresAt - now;
    // An expiry in the past (clock skew, a stale cached token) must not cause a reconnect loop:
    // the server will say UNAUTHORIZED if the token is really dead.
    if (!Number.isFinite(life) || life <= 0) return;
    const before = Math.min(
      this.opts.tokenRefreshBeforeMs ?? DEFAULTS.tokenRefreshBeforeMs,
      Math.max(life * 0.2, 0),
    );
    const inMs = Math.max(0, life - before);
    this.refreshTimer = setTimeout(
      () => {
        conn.end(
          { kind: "token-expiring", message: "quote token about to expire: reconnecting with a fresh one" },
          true,
        );
      },
      Math.min(inMs, 2 ** 31 - 1),
    );
  }

  // --- channels and subscriptions ------------------------------------------------------------------

  private ensureChannel(conn: Connection, type: EventType): void {
    const id = channelFor(type);
    if (this.channels.has(id)) return;
    const ch: ChannelConn = {
      id,
      type,
      ready: false,
      fields: new Map(),
      requested: [...(this.opts.fields?.[type] ?? DEFAULT_FIELDS[type])],
      fallbackUsed: false,
      format: "COMPACT",
      sent: new Map(),
      resetSent: false,
    };
    this.channels.set(id, ch);
    void this.openChannel(conn, ch).catch((e) => {
      conn.end(isEndReason(e) ? e : { kind: "handshake", message: String((e as Error)?.message ?? e) });
    });
  }

  private async openChannel(conn: Connection, ch: ChannelConn): Promise<void> {
    const step = this.opts.stepTimeoutMs ?? DEFAULTS.stepTimeoutMs;
    const openedP = conn.waitFor(
      (m) => m.type === "CHANNEL_OPENED" && m.channel === ch.id,
      step,
      `CHANNEL_OPENED ${ch.id}`,
    );
    conn.send({ type: "CHANNEL_REQUEST", channel: ch.id, service: "FEED", parameters: { contract: "AUTO" } });
    await openedP;
    const configP = conn.waitFor(
      (m) => m.type === "FEED_CONFIG" && m.channel === ch.id,
      step,
      `FEED_CONFIG ${ch.id}`,
    );
    conn.send({
      type: "FEED_SETUP",
      channel: ch.id,
      acceptAggregationPeriod: this.opts.aggregationPeriodSec ?? DEFAULTS.aggregationPeriodSec,
      acceptDataFormat: this.opts.dataFormat ?? "COMPACT",
      acceptEventFields: { [ch.type]: [...ch.requested] },
    });
    await configP;
    if (conn !== this.conn || conn.isEnded) return;
    ch.ready = true;
    this.flushChannel(conn, ch);
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.stopped) return;
    this.start();
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      const conn = this.conn;
      if (!conn || conn.isEnded || !this.authorized) return;
      for (const type of this.desired.keys()) this.ensureChannel(conn, type);
      for (const ch of this.channels.values()) if (ch.ready) this.flushChannel(conn, ch);
    }, this.opts.batchDelayMs ?? DEFAULTS.batchDelayMs);
  }

  /** Send the diff between the desired subscriptions of a type and what this connection has. */
  private flushChannel(conn: Connection, ch: ChannelConn): void {
    const want = this.desired.get(ch.type) ?? new Map<string, DesiredSub>();
    const add: SubscriptionItem[] = [];
    const removeItems: SubscriptionItem[] = [];
    for (const [symbol, d] of want) {
      if (ch.sent.has(symbol) && ch.sent.get(symbol) === d.fromTime) continue;
      const item: SubscriptionItem = { type: ch.type, symbol };
      if (ch.type === "Candle" || d.fromTime !== undefined) {
        const from = this.effectiveFromTime(symbol, d.fromTime);
        if (from !== undefined) item.fromTime = from;
      }
      add.push(item);
    }
    for (const [symbol, from] of ch.sent) {
      if (want.has(symbol)) continue;
      const item: SubscriptionItem = { type: ch.type, symbol };
      // fromTime is "ignored but mandatory" on remove for time-series subscriptions.
      if (ch.type === "Candle") item.fromTime = from ?? 0;
      removeItems.push(item);
    }
    const reset = !ch.resetSent;
    if (add.length === 0 && removeItems.length === 0 && !reset) return;
    const maxFrame = this.opts.maxFrameBytes ?? DEFAULTS.maxFrameBytes;
    const msgs = chunkSubscription(
      ch.id,
      { reset, remove: reset ? [] : removeItems, add },
      Math.min(this.chunkBytes, maxFrame),
      this.opts.chunkItems ?? DEFAULTS.chunkItems,
    );
    for (const m of msgs) {
      conn.send(m);
      this.stats.subscriptionMessages++;
      this.stats.subscriptionItemsSent += (m.add?.length ?? 0) + (m.remove?.length ?? 0);
    }
    ch.resetSent = true;
    for (const it of removeItems) ch.sent.delete(it.symbol);
    for (const it of add) {
      ch.sent.set(it.symbol, want.get(it.symbol)?.fromTime);
      if (ch.type === "Candle") {
        const p = this.candles.get(it.symbol);
        if (p) p.complete = false;
      }
    }
  }

  private effectiveFromTime(symbol: string, fromTime: number | undefined): number | undefined {
    if (this.opts.candleResume === "from-time") return fromTime;
    const p = this.candles.get(symbol);
    // Resume at the last bar only after a complete snapshot: a snapshot arrives newest first, so a
    // partial one has its newest bars and is missing the old ones.
    if (p?.complete && Number.isFinite(p.lastBarTime)) return Math.max(p.lastBarTime, fromTime ?? 0);
    return fromTime;
  }

  // --- incoming ---------------------------------------------------------------------------------

  private onFrame(bytes: number): void {
    this.stats.framesIn++;
    this.stats.bytesIn += bytes;
    this.stats.lastMessageAt = this.now();
  }

  private onMessage(m: Message, conn: Connection): void {
    if (conn !== this.conn) return;
    switch (m.type) {
      case "FEED_DATA":
        this.onFeedData(m);
        return;
      case "FEED_CONFIG":
        this.onFeedConfig(m);
        return;
      case "KEEPALIVE":
      case "SETUP":
      case "CHANNEL_OPENED":
        return;
      case "AUTH_STATE":
        if (this.authorized && m.state === "UNAUTHORIZED")
          conn.end({ kind: "unauthorized", message: "server revoked the authorization (token expired?)" });
        return;
      case "CHANNEL_CLOSED": {
        const ch = this.channels.get(m.channel ?? -1);
        if (!ch || this.stopped) return;
        // Unsolicited close: re-request the channel and replay its subscriptions.
        this.log.warn("server closed a channel; reopening", { channel: ch.id, type: ch.type });
        this.channels.delete(ch.id);
        if (this.authorized) this.ensureChannel(conn, ch.type);
        return;
      }
      case "ERROR": {
        const kind = String(m.error);
        const message = `server ERROR ${kind}: ${String(m.message ?? "")}`;
        this.log.warn("server error", { channel: m.channel, error: kind, message: m.message });
        if (kind === "TIMEOUT") conn.end({ kind: "server-timeout", message });
        else if (kind === "UNAUTHORIZED")
          conn.end({ kind: this.authorized ? "unauthorized" : "auth-rejected", message });
        else if (kind === "BAD_ACTION" || kind === "UNSUPPORTED_PROTOCOL") {
          this.stats.protocolErrors++;
          conn.end({ kind: "protocol", message });
        }
        return;
      }
    }
  }

  private onFeedConfig(m: Message): void {
    const ch = this.channels.get(m.channel ?? -1);
    if (!ch) return;
    if (m.dataFormat === "COMPACT" || m.dataFormat === "FULL") ch.format = m.dataFormat;
    const ef = m.eventFields as Record<string, unknown> | undefined;
    if (ef && typeof ef === "object") {
      for (const [type, list] of Object.entries(ef)) {
        if (Array.isArray(list) && list.every((x) => typeof x === "string"))
          ch.fields.set(type, list as string[]);
      }
    }
  }

  /**
   * The field list to decode a type's data with: the server's latest, else — the server must send
   * it before the first FEED_DATA but may not — the list this channel requested.
   */
  private fieldsOf(ch: ChannelConn, type: string): readonly string[] | undefined {
    const server = ch.fields.get(type);
    if (server) return server;
    if (type !== ch.type) return undefined;
    this.stats.fallbackDecoded++;
    if (!ch.fallbackUsed) {
      ch.fallbackUsed = true;
      this.log.warn("FEED_DATA before any eventFields: decoding by the requested field list", {
        channel: ch.id,
        type,
      });
    }
    return ch.requested;
  }

  private onFeedData(m: Message): void {
    const ch = this.channels.get(m.channel ?? -1);
    if (!ch) return;
    const data = m.data;
    const full =
      ch.format === "FULL" ||
      (Array.isArray(data) && data.length > 0 && typeof data[0] === "object" && data[0] !== null);
    this.deliver(
      ch,
      full ? decodeFullData(data, ch.type) : decodeCompactData(data, (t) => this.fieldsOf(ch, t)),
    );
  }

  private deliver(ch: ChannelConn, res: ReturnType<typeof decodeCompactData>): void {
    if (res.pending.length > 0) {
      // Another type on this channel with no field list at all: nothing to decode it by.
      const first = this.stats.pendingDropped === 0;
      this.stats.pendingDropped += res.pending.length;
      this.log[first ? "warn" : "debug"]("dropped FEED_DATA pairs without a field list", {
        channel: ch.id,
        types: [...new Set(res.pending.map((p) => p.type))],
        dropped: this.stats.pendingDropped,
      });
    }
    if (res.rejected.length > 0) {
      // The first rejection is a warning; the count goes on in the stats (and the final summary).
      const first = this.stats.rejectedPairs === 0;
      this.stats.rejectedPairs += res.rejected.length;
      this.log[first ? "warn" : "debug"]("rejected FEED_DATA pairs", {
        channel: ch.id,
        reasons: res.rejected.slice(0, 3).map((r) => r.reason),
        rejected: this.stats.rejectedPairs,
      });
    }
    for (const b of res.batches) {
      if (b.type === "Candle") this.canonicalCandleSymbols(b);
      this.stats.eventsIn += b.count;
      this.stats.eventsByType[b.type] = (this.stats.eventsByType[b.type] ?? 0) + b.count;
      if (b.type === "Candle") this.trackCandles(b);
      for (const fn of this.dataListeners) fn(b, ch.id);
    }
  }

  /** Rename candle events echoed in another spelling (`SPY{=d}`) to the subscribed one (`SPY{=1d}`). */
  private canonicalCandleSymbols(b: CompactBatch): void {
    const si = b.fields.indexOf("eventSymbol");
    if (si < 0) return;
    const w = b.fields.length;
    const values = b.values as unknown[];
    for (let e = 0; e < b.count; e++) {
      const sym = values[e * w + si];
      if (typeof sym !== "string" || this.candles.has(sym)) continue;
      const subscribed = this.candleAliases.get(candleKey(sym));
      if (subscribed !== undefined) values[e * w + si] = subscribed;
    }
  }

  private trackCandles(b: CompactBatch): void {
    const si = b.fields.indexOf("eventSymbol");
    const fi = b.fields.indexOf("eventFlags");
    const ti = b.fields.indexOf("time");
    if (si < 0) return;
    const w = b.fields.length;
    for (let e = 0; e < b.count; e++) {
      const sym = b.values[e * w + si];
      if (typeof sym !== "string") continue;
      const p = this.candles.get(sym);
      if (!p) continue;
      const flags = fi >= 0 ? (toNumber(b.values[e * w + fi]) ?? 0) : 0;
      const time = ti >= 0 ? toNumber(b.values[e * w + ti]) : null;
      if (time !== null && (flags & EventFlags.REMOVE_EVENT) === 0 && time > p.lastBarTime)
        p.lastBarTime = time;
      if ((flags & (EventFlags.SNAPSHOT_END | EventFlags.SNAPSHOT_SNIP)) !== 0 && !p.complete) {
        p.complete = true;
        for (const fn of this.snapshotListeners) fn("Candle", sym);
      }
    }
  }

  private emitState(s: ConnectionState): void {
    this.lastState = s;
    for (const fn of [...this.stateListeners]) {
      try {
        fn(s);
      } catch (e) {
        this.log.warn("state listener threw", { error: (e as Error)?.message });
      }
    }
  }
}

function remove<T>(arr: T[], x: T): void {
  const i = arr.indexOf(x);
  if (i >= 0) arr.splice(i, 1);
}

function isEndReason(e: unknown): e is EndReason {
  return typeof e === "object" && e !== null && "kind" in e && "message" in e && !(e instanceof Error);
}

/** Seconds from a SETUP field; a value that can only be milliseconds (≥ 1000) is converted. */
function secondsOf(v: unknown, fallback: number): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) return fallback;
  return n >= 1000 ? n / 1000 : n;
}
