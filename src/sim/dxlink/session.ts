/**
 * One DXLink connection on the simulated server: the protocol state machine (SETUP → AUTH →
 * AUTHORIZED → channels), FEED_SETUP/FEED_CONFIG negotiation, subscriptions, candle history
 * snapshots, live data scheduling with aggregation, keepalive, and the per-connection faults.
 *
 * Transport-agnostic: the endpoint hands it a `Transport` (Bun's ServerWebSocket in practice), so
 * the state machine can also be driven directly.
 */
import { formatCandleSymbol } from "../../core/candle-symbol.ts";
import { jsonDouble } from "../../core/dxlink-compact.ts";
import {
  fillCandle,
  fillEmptyCandleSnapshot,
  fillLiveEvent,
  type LiveState,
  newLiveState,
  type Record_,
  SessionRng,
} from "./generator.ts";
import type { DailyBar, DxMarket } from "./market.ts";
import { acceptFields, CANDLE_TYPE, EVENT_FLAGS, parseCandleSymbol } from "./schema.ts";
import type { DxlinkStats } from "./stats.ts";

export interface Transport {
  /** Returns bytes written, 0 if dropped, -1 if queued under back-pressure. */
  send(text: string): number;
  close(code: number, reason: string): void;
  terminate(): void;
  bufferedAmount(): number;
}

export interface SessionConfig {
  market: DxMarket;
  validateToken: (token: string) => boolean;
  now: () => number;
  stats: DxlinkStats;
  /** Seconds of client silence tolerated before ERROR TIMEOUT + close. */
  keepaliveTimeoutSec: number;
  /** Live events per second per subscription. */
  eventsPerSecPerSymbol: number;
  /** Cap on live events per second for the whole connection. */
  maxEventsPerSec: number;
  /** Max events in one FEED_DATA frame (snapshots are split). */
  maxEventsPerFrame: number;
  /** Above this many buffered bytes, live ticks are skipped (conflated) until the socket drains. */
  backpressureBytes: number;
  seed: number;
  /** How the server speaks where the real one's behaviour is undocumented or varies. */
  dialect?: DxlinkDialect;
}

/**
 * Server behaviours a production client must survive (all off by default):
 *  - `candleEcho: "canonical"`: FEED_DATA names candles in dxFeed's canonical form (`SPY{=d}` for a
 *    `SPY{=1d}` subscription) instead of echoing the subscribed string;
 *  - `omitEventFields`: FEED_CONFIG never carries `eventFields` (data follows the requested list);
 *  - `setupError`: SETUP is answered with this ERROR (e.g. `UNSUPPORTED_PROTOCOL`) and the socket closed.
 */
export interface DxlinkDialect {
  candleEcho?: "subscribed" | "canonical";
  omitEventFields?: boolean;
  setupError?: { error: "BAD_ACTION" | "UNSUPPORTED_PROTOCOL"; message: string };
}

type Phase = "new" | "setup" | "authorized" | "closed";

interface Sub {
  type: string;
  symbol: string;
  /** The symbol FEED_DATA names (the subscribed one, or its canonical candle form). */
  echo: string;
  live: LiveState | null;
  /** Candle: bars still to be sent as snapshot (descending), then live updates of the last bar. */
  candle?: { bars: readonly DailyBar[]; fromTime: number; pending: boolean; lastBar: DailyBar | null };
  removed: boolean;
}

interface Channel {
  id: number;
  contract: string;
  format: "COMPACT" | "FULL";
  aggregationMs: number;
  requestedFields: Record<string, string[]>;
  /** Field list per type announced to the client (FEED_CONFIG eventFields), sent lazily. */
  announced: Map<string, readonly string[]>;
  subs: Map<string, Sub>;
  order: Sub[];
  orderDirty: boolean;
  cursor: number;
  carry: number;
  lastFlushAt: number;
  snapshotQueue: Sub[];
}

const VERSION = "1.0-ttapi-sim-dxlink/1.0";

export class DxlinkSession {
  readonly id: number;
  phase: Phase = "new";
  readonly openedAt: number;
  lastRecvAt: number;
  lastSentAt: number;
  /** What we promised to send at least every N s (client's acceptKeepaliveTimeout). */
  private sendKeepaliveSec: number;
  private token: string | null = null;
  private readonly channels = new Map<number, Channel>();
  private readonly rng: SessionRng;
  private readonly ev: Record_ = {};
  frozenUntil = 0;
  freezesLeft = 0;

  constructor(
    id: number,
    private readonly transport: Transport,
    private readonly cfg: SessionConfig,
  ) {
    this.id = id;
    this.openedAt = cfg.now();
    this.lastRecvAt = this.openedAt;
    this.lastSentAt = this.openedAt;
    this.sendKeepaliveSec = cfg.keepaliveTimeoutSec;
    this.rng = new SessionRng(cfg.seed ^ Math.imul(id, 0x9e3779b1));
  }

  get frozen(): boolean {
    return this.cfg.now() < this.frozenUntil;
  }

  /** Incoming text frame. */
  onMessage(text: string): void {
    if (this.phase === "closed") return;
    const now = this.cfg.now();
    this.cfg.stats.messagesIn++;
    // A frozen server reads nothing (and so also does not count the client as alive).
    if (now < this.frozenUntil) return;
    this.lastRecvAt = now;
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(text);
    } catch {
      this.error(0, "INVALID_MESSAGE", "The message is not valid JSON.");
      return;
    }
    if (msg === null || typeof msg !== "object" || typeof msg.type !== "string") {
      this.error(0, "INVALID_MESSAGE", "The message has no type.");
      return;
    }
    const channel = typeof msg.channel === "number" ? msg.channel : 0;
    const type = msg.type;
    if (this.phase === "new" && type !== "SETUP") {
      this.violation(`${type} before SETUP`);
      return;
    }
    switch (type) {
      case "SETUP": {
        this.onSetup(msg);
        return;
      }
      case "AUTH": {
        this.onAuth(msg);
        return;
      }
      case "KEEPALIVE":
        return;
      case "ERROR":
        return;
    }
    if (this.phase !== "authorized") {
      this.violation(`${type} before AUTH_STATE AUTHORIZED`);
      return;
    }
    switch (type) {
      case "CHANNEL_REQUEST": {
        this.onChannelRequest(channel, msg);
        return;
      }
      case "CHANNEL_CANCEL": {
        this.onChannelCancel(channel);
        return;
      }
      case "FEED_SETUP": {
        this.onFeedSetup(channel, msg);
        return;
      }
      case "FEED_SUBSCRIPTION": {
        this.onFeedSubscription(channel, msg);
        return;
      }
      default:
        this.error(channel, "BAD_ACTION", `Unsupported message type ${type}.`);
    }
  }

  private onSetup(msg: Record<string, unknown>): void {
    if (this.phase !== "new") {
      this.violation("SETUP sent twice");
      return;
    }
    const forced = this.cfg.dialect?.setupError;
    if (forced) {
      this.error(0, forced.error, forced.message);
      this.close(1002, "unsupported protocol");
      return;
    }
    if (typeof msg.version !== "string") {
      this.error(0, "UNSUPPORTED_PROTOCOL", "SETUP needs a version.");
      this.close(1002, "unsupported protocol");
      return;
    }
    const accept = Number(msg.acceptKeepaliveTimeout);
    if (Number.isFinite(accept) && accept > 0) this.sendKeepaliveSec = Math.min(Math.max(accept, 0.2), 3600);
    this.phase = "setup";
    this.send({
      type: "SETUP",
      channel: 0,
      keepaliveTimeout: this.sendKeepaliveSec,
      acceptKeepaliveTimeout: this.cfg.keepaliveTimeoutSec,
      version: VERSION,
    });
    this.send({ type: "AUTH_STATE", channel: 0, state: "UNAUTHORIZED" });
  }

  private onAuth(msg: Record<string, unknown>): void {
    const token = typeof msg.token === "string" ? msg.token : "";
    if (token && this.cfg.validateToken(token)) {
      this.token = token;
      this.phase = "authorized";
      this.send({ type: "AUTH_STATE", channel: 0, state: "AUTHORIZED", userId: `sim-user-${this.id}` });
    } else {
      this.cfg.stats.authFailures++;
      this.token = null;
      this.phase = "setup";
      this.send({ type: "AUTH_STATE", channel: 0, state: "UNAUTHORIZED" });
    }
  }

  private onChannelRequest(id: number, msg: Record<string, unknown>): void {
    if (id <= 0) {
      this.error(0, "BAD_ACTION", "Channel 0 is reserved.");
      return;
    }
    if (msg.service !== "FEED") {
      this.error(id, "BAD_ACTION", `Unsupported service ${String(msg.service)}.`);
      return;
    }
    const params = (msg.parameters ?? {}) as Record<string, unknown>;
    const contract = typeof params.contract === "string" ? params.contract : "AUTO";
    this.channels.set(id, {
      id,
      contract,
      format: "COMPACT",
      aggregationMs: 100,
      requestedFields: {},
      announced: new Map(),
      subs: new Map(),
      order: [],
      orderDirty: false,
      cursor: 0,
      carry: 0,
      lastFlushAt: this.cfg.now(),
      snapshotQueue: [],
    });
    this.send({
      type: "CHANNEL_OPENED",
      channel: id,
      service: "FEED",
      parameters: { contract, subFormat: "LIST" },
    });
  }

  private onChannelCancel(id: number): void {
    if (this.channels.delete(id)) this.send({ type: "CHANNEL_CLOSED", channel: id });
  }

  private channel(id: number): Channel | null {
    const ch = this.channels.get(id);
    if (!ch) this.error(id, "BAD_ACTION", `Channel ${id} is not open.`);
    return ch ?? null;
  }

  private onFeedSetup(id: number, msg: Record<string, unknown>): void {
    const ch = this.channel(id);
    if (!ch) return;
    if (msg.acceptDataFormat === "FULL" || msg.acceptDataFormat === "COMPACT")
      ch.format = msg.acceptDataFormat;
    const agg = Number(msg.acceptAggregationPeriod);
    if (Number.isFinite(agg) && agg >= 0) ch.aggregationMs = Math.min(Math.max(agg * 1000, 10), 60_000);
    const fields = msg.acceptEventFields;
    if (fields && typeof fields === "object") {
      for (const [type, list] of Object.entries(fields as Record<string, unknown>)) {
        if (!Array.isArray(list)) continue;
        ch.requestedFields[type] = list.filter((x): x is string => typeof x === "string");
        // A changed list must be re-announced before the next data of that type.
        ch.announced.delete(type);
      }
    }
    // The immediate reply carries no eventFields (TastyTrade does the same); they follow lazily.
    this.send({
      type: "FEED_CONFIG",
      channel: id,
      dataFormat: ch.format,
      aggregationPeriod: ch.aggregationMs / 1000,
    });
  }

  private onFeedSubscription(id: number, msg: Record<string, unknown>): void {
    const ch = this.channel(id);
    if (!ch) return;
    if (msg.reset === true) {
      ch.subs.clear();
      ch.snapshotQueue.length = 0;
      ch.orderDirty = true;
    }
    if (Array.isArray(msg.remove)) {
      for (const item of msg.remove) {
        const it = item as Record<string, unknown>;
        const key = `${it.type}\u0001${it.symbol}`;
        const sub = ch.subs.get(key);
        if (sub) {
          sub.removed = true;
          ch.subs.delete(key);
          ch.orderDirty = true;
        }
      }
    }
    if (Array.isArray(msg.add)) {
      for (const item of msg.add) {
        const it = item as Record<string, unknown>;
        if (typeof it.type !== "string" || typeof it.symbol !== "string") continue;
        this.cfg.stats.subscriptionAdds++;
        const key = `${it.type}\u0001${it.symbol}`;
        const existing = ch.subs.get(key);
        if (existing) {
          this.cfg.stats.duplicateAdds++;
          // A new fromTime on add replaces the old one (and restarts the history).
          if (it.type !== CANDLE_TYPE || typeof it.fromTime !== "number") continue;
          existing.removed = true;
        }
        const sub = this.makeSub(
          it.type,
          it.symbol,
          typeof it.fromTime === "number" ? it.fromTime : undefined,
        );
        ch.subs.set(key, sub);
        ch.orderDirty = true;
        if (sub.candle) ch.snapshotQueue.push(sub);
      }
    }
  }

  private makeSub(type: string, symbol: string, fromTime: number | undefined): Sub {
    const m = this.cfg.market;
    if (type === CANDLE_TYPE) {
      const cs = parseCandleSymbol(symbol);
      const u = cs && cs.unit === "d" && cs.count === 1 ? m.underlying(cs.base) : null;
      const echo = cs && this.cfg.dialect?.candleEcho === "canonical" ? formatCandleSymbol(cs) : symbol;
      if (!u) return { type, symbol, echo, live: null, removed: false };
      const all = m.dailyBars(u.symbol);
      // Without fromTime a candle subscription is a plain "latest candle" one.
      const from = fromTime ?? (all.length > 0 ? all[all.length - 1]!.day * 86_400_000 : 0);
      const bars = all.filter((b) => b.day * 86_400_000 >= from);
      const live = newLiveState(m, "Quote", u.symbol, u);
      return {
        type,
        symbol,
        echo,
        live,
        removed: false,
        candle: { bars, fromTime: from, pending: true, lastBar: all[all.length - 1] ?? null },
      };
    }
    const inst = m.lookup(symbol);
    // Unknown symbols are accepted and produce nothing, like the real server.
    return {
      type,
      symbol,
      echo: symbol,
      live: inst ? newLiveState(m, type, symbol, inst) : null,
      removed: false,
    };
  }

  /** Called by the endpoint's scheduler. Sends due data; returns events sent. */
  pump(now: number): number {
    if (this.phase !== "authorized" || now < this.frozenUntil) return 0;
    if (this.token !== null && !this.cfg.validateToken(this.token)) {
      // Token expired or revoked mid-stream: tell the client and stop serving data.
      this.token = null;
      this.phase = "setup";
      this.channels.clear();
      this.error(0, "UNAUTHORIZED", "The token has expired or was revoked.");
      this.send({ type: "AUTH_STATE", channel: 0, state: "UNAUTHORIZED" });
      return 0;
    }
    let sent = 0;
    const backpressured = this.transport.bufferedAmount() > this.cfg.backpressureBytes;
    if (backpressured) this.cfg.stats.backpressureSkips++;
    let totalSubs = 0;
    for (const ch of this.channels.values()) totalSubs += ch.subs.size;
    for (const ch of this.channels.values()) {
      if (now - ch.lastFlushAt < ch.aggregationMs) continue;
      const dt = (now - ch.lastFlushAt) / 1000;
      ch.lastFlushAt = now;
      if (backpressured) continue;
      sent += this.flushSnapshots(ch, now);
      if (totalSubs === 0 || ch.subs.size === 0) continue;
      const share = ch.subs.size / totalSubs;
      const rate = Math.min(ch.subs.size * this.cfg.eventsPerSecPerSymbol, this.cfg.maxEventsPerSec * share);
      ch.carry += rate * Math.min(dt, 1);
      const n = Math.floor(ch.carry);
      ch.carry -= n;
      if (n > 0) sent += this.flushLive(ch, n, now);
    }
    return sent;
  }

  private rebuildOrder(ch: Channel): void {
    if (!ch.orderDirty) return;
    ch.order = [...ch.subs.values()].filter((s) => s.live !== null && !s.candle?.pending);
    ch.orderDirty = false;
    if (ch.cursor >= ch.order.length) ch.cursor = 0;
  }

  private flushSnapshots(ch: Channel, now: number): number {
    if (ch.snapshotQueue.length === 0) return 0;
    const batch = new FrameBuilder(ch, this.cfg.maxEventsPerFrame, (text, types) =>
      this.sendData(text, types),
    );
    let sent = 0;
    for (const sub of ch.snapshotQueue) {
      if (sub.removed || !sub.candle) continue;
      const c = sub.candle;
      const fields = this.fieldsFor(ch, CANDLE_TYPE);
      const spot = sub.live ? this.cfg.market.spot(sub.live.underlying, now) : undefined;
      // dxFeed sends a time-series snapshot newest first: SNAPSHOT_BEGIN on the first event,
      // SNAPSHOT_END on the last (oldest). An empty history is one removed placeholder event.
      if (c.bars.length === 0) {
        fillEmptyCandleSnapshot(sub.echo, c.fromTime, this.ev);
        batch.add(CANDLE_TYPE, fields, this.ev);
        sent++;
      }
      for (let i = c.bars.length - 1; i >= 0; i--) {
        const bar = c.bars[i]!;
        let flags = 0;
        if (i === c.bars.length - 1) flags |= EVENT_FLAGS.SNAPSHOT_BEGIN;
        if (i === 0) flags |= EVENT_FLAGS.SNAPSHOT_END;
        fillCandle(sub.echo, bar, flags, 0, this.ev, bar === c.lastBar ? spot : undefined);
        batch.add(CANDLE_TYPE, fields, this.ev);
        sent++;
      }
      c.pending = false;
      ch.orderDirty = true;
    }
    ch.snapshotQueue.length = 0;
    batch.flush();
    return sent;
  }

  private flushLive(ch: Channel, n: number, now: number): number {
    this.rebuildOrder(ch);
    const order = ch.order;
    if (order.length === 0) return 0;
    const batch = new FrameBuilder(ch, this.cfg.maxEventsPerFrame, (text, types) =>
      this.sendData(text, types),
    );
    const m = this.cfg.market;
    for (let k = 0; k < n; k++) {
      if (ch.cursor >= order.length) ch.cursor = 0;
      const sub = order[ch.cursor++]!;
      const st = sub.live!;
      if (sub.candle) {
        const bar = sub.candle.lastBar;
        if (!bar) continue;
        fillCandle(sub.echo, bar, 0, st.seq++ & 0x3fffff, this.ev, m.spot(st.underlying, now));
      } else {
        fillLiveEvent(m, st, now, this.rng, this.ev);
      }
      batch.add(sub.type, this.fieldsFor(ch, sub.type), this.ev);
    }
    batch.flush();
    return n;
  }

  /** The server's field list for a type on a channel; announced by FEED_CONFIG before first use. */
  private fieldsFor(ch: Channel, type: string): readonly string[] {
    let fields = ch.announced.get(type);
    if (!fields) {
      fields = acceptFields(type, ch.requestedFields[type]) ?? ["eventType", "eventSymbol"];
      ch.announced.set(type, fields);
      if (!this.cfg.dialect?.omitEventFields)
        this.send({
          type: "FEED_CONFIG",
          channel: ch.id,
          dataFormat: ch.format,
          aggregationPeriod: ch.aggregationMs / 1000,
          eventFields: { [type]: fields },
        });
    }
    return fields;
  }

  private sendData(text: string, types: Map<string, number>): void {
    for (const [type, count] of types) {
      this.cfg.stats.eventsOut += count;
      this.cfg.stats.eventsByType[type] = (this.cfg.stats.eventsByType[type] ?? 0) + count;
    }
    this.sendText(text);
  }

  /** Keepalive duties; called by the endpoint about every 100 ms. */
  housekeeping(now: number): void {
    if (this.phase === "closed" || now < this.frozenUntil) return;
    if (now - this.lastRecvAt > this.cfg.keepaliveTimeoutSec * 1000) {
      this.cfg.stats.keepaliveTimeouts++;
      const ago = Math.round((now - this.lastRecvAt) / 1000);
      this.error(
        0,
        "TIMEOUT",
        `The timeout has been reached. The message was last received ${ago} seconds ago.`,
      );
      this.close(1000, "keepalive timeout");
      return;
    }
    if (this.phase !== "new" && now - this.lastSentAt > (this.sendKeepaliveSec * 1000) / 2) {
      this.send({ type: "KEEPALIVE", channel: 0 });
    }
  }

  private violation(what: string): void {
    this.cfg.stats.badActions++;
    this.error(0, "BAD_ACTION", `Protocol violation: ${what}.`);
    this.close(1008, "protocol violation");
  }

  private error(channel: number, error: string, message: string): void {
    this.send({ type: "ERROR", channel, error, message });
  }

  private send(msg: object): void {
    this.sendText(JSON.stringify(msg));
  }

  private sendText(text: string): void {
    if (this.phase === "closed") return;
    this.lastSentAt = this.cfg.now();
    this.cfg.stats.framesOut++;
    this.cfg.stats.bytesOut += text.length;
    this.transport.send(text);
  }

  close(code: number, reason: string): void {
    if (this.phase === "closed") return;
    this.phase = "closed";
    this.transport.close(code, reason);
  }

  /** Abrupt drop (no close frame), as a network failure looks to the client. */
  drop(): void {
    if (this.phase === "closed") return;
    this.phase = "closed";
    this.cfg.stats.dropsInjected++;
    this.transport.terminate();
  }

  markClosed(): void {
    this.phase = "closed";
  }
}

/**
 * Accumulates events into FEED_DATA frames: consecutive events of one type share a `[type, values]`
 * pair, a channel carrying several types yields several pairs in one frame, and a frame is cut at
 * `maxEvents` events.
 */
class FrameBuilder {
  private data: unknown[] = [];
  private values: unknown[] | null = null;
  private currentType = "";
  private count = 0;
  private types: Map<string, number> = new Map();

  constructor(
    private readonly ch: Channel,
    private readonly maxEvents: number,
    private readonly emit: (text: string, types: Map<string, number>) => void,
  ) {}

  add(type: string, fields: readonly string[], ev: Record_): void {
    if (this.ch.format === "FULL") {
      // FULL events are self-describing: the type travels with each one even if not requested.
      const obj: Record<string, unknown> = { eventType: type };
      for (const f of fields) {
        const v = ev[f];
        if (v === undefined) continue;
        obj[f] = jsonDouble(v);
      }
      this.data.push(obj);
    } else {
      if (this.values === null || this.currentType !== type) {
        this.values = [];
        this.currentType = type;
        this.data.push(type, this.values);
      }
      const vals = this.values;
      for (let i = 0; i < fields.length; i++) vals.push(jsonDouble(ev[fields[i]!]));
    }
    this.types.set(type, (this.types.get(type) ?? 0) + 1);
    if (++this.count >= this.maxEvents) this.flush();
  }

  flush(): void {
    if (this.count === 0) return;
    this.emit(JSON.stringify({ type: "FEED_DATA", channel: this.ch.id, data: this.data }), this.types);
    this.data = [];
    this.values = null;
    this.count = 0;
    this.types = new Map();
  }
}
