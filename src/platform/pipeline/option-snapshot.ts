/**
 * One DXLink subscription pass over many options: Quote, Greeks, Summary and Trade for every
 * symbol at once (the client splits the subscription into messages under the frame limit), and
 * the latest value of each field kept per symbol. The snapshot is complete when every symbol has
 * answered Quote and Greeks — the events without which a row means nothing — and Summary/Trade had
 * a short grace period to arrive too; or when the timeout passes. Symbols that never answered are
 * returned by name with what they lacked: the caller counts and reports them.
 */

import { type CompactBatch, type DxlinkClient, toNumber } from "../../client/index.ts";
import { cancelledError } from "../../core/errors.ts";
import { memoryGrowthGuard } from "./gc.ts";

export const REQUIRED_EVENTS = ["Quote", "Greeks"] as const;
export const OPTIONAL_EVENTS = ["Summary", "Trade"] as const;
export type SnapshotEvent = (typeof REQUIRED_EVENTS)[number] | (typeof OPTIONAL_EVENTS)[number];

/** What the feed said about one option (null: that event or field never arrived). */
export interface OptionTick {
  bid: number | null;
  ask: number | null;
  bidSize: number | null;
  askSize: number | null;
  last: number | null;
  volume: number | null;
  openInterest: number | null;
  prevVolume: number | null;
  impliedVolatility: number | null;
  delta: number | null;
  gamma: number | null;
  theta: number | null;
  vega: number | null;
  rho: number | null;
  theoPrice: number | null;
  /** Bit set of the events received (1 Quote, 2 Greeks, 4 Summary, 8 Trade). */
  seen: number;
}

const BIT: Record<SnapshotEvent, number> = { Quote: 1, Greeks: 2, Summary: 4, Trade: 8 };
const REQUIRED_MASK = BIT.Quote | BIT.Greeks;
const ALL_EVENTS = BIT.Quote | BIT.Greeks | BIT.Summary | BIT.Trade;

export interface OptionSnapshotOptions {
  /** Give up waiting after this long; the silent symbols are reported (default 60 s). */
  timeoutMs?: number;
  /** After every symbol answered Quote+Greeks, wait at most this long for Summary/Trade (default 1 s). */
  graceMs?: number;
  /**
   * Once some symbols answered, stop waiting when no further one has completed for this long: on
   * the real feed a symbol that has not answered by then never will (default 5 s).
   */
  idleMs?: number;
  /**
   * Symbols subscribed ahead of the answers (default 20,000): the next ones are subscribed as
   * earlier ones answer. All ~175k options of the full universe at once made the feed answer
   * ~700k events in one burst, buffered whole before the snapshot could fold them (~1 GB).
   */
  window?: number;
  signal?: AbortSignal;
  onProgress?: (answered: number, total: number) => void;
}

export interface Unanswered {
  symbol: string;
  /** The required events that never arrived. */
  lacks: SnapshotEvent[];
}

export interface OptionSnapshot {
  ticks: Map<string, OptionTick>;
  /** Symbols without a Quote or a Greeks event when the pass ended. */
  unanswered: Unanswered[];
  /** Symbols that answered Quote+Greeks but sent no Summary or no Trade (their columns are null). */
  partial: number;
  /** Why the pass ended: every symbol answered, or the timeout, idle rule or a closed feed. */
  endedBy: "complete" | "timeout" | "idle" | "closed";
}

/** A tick before any event arrived: every field unknown. */
export function emptyTick(): OptionTick {
  return {
    bid: null,
    ask: null,
    bidSize: null,
    askSize: null,
    last: null,
    volume: null,
    openInterest: null,
    prevVolume: null,
    impliedVolatility: null,
    delta: null,
    gamma: null,
    theta: null,
    vega: null,
    rho: null,
    theoPrice: null,
    seen: 0,
  };
}

/** Which tick field each event field fills. */
const FIELD_MAP: Record<SnapshotEvent, [string, keyof OptionTick][]> = {
  Quote: [
    ["bidPrice", "bid"],
    ["askPrice", "ask"],
    ["bidSize", "bidSize"],
    ["askSize", "askSize"],
  ],
  Greeks: [
    ["volatility", "impliedVolatility"],
    ["delta", "delta"],
    ["gamma", "gamma"],
    ["theta", "theta"],
    ["vega", "vega"],
    ["rho", "rho"],
    ["price", "theoPrice"],
  ],
  Summary: [
    ["openInterest", "openInterest"],
    ["prevDayVolume", "prevVolume"],
  ],
  Trade: [
    ["price", "last"],
    ["dayVolume", "volume"],
  ],
};

/**
 * Fold one batch into the ticks; returns how many symbols became complete (Quote+Greeks). Symbols
 * that now hold all four events are pushed to `settled` when given.
 */
export function foldBatch(b: CompactBatch, ticks: Map<string, OptionTick>, settled?: string[]): number {
  const type = b.type as SnapshotEvent;
  const map = FIELD_MAP[type];
  if (!map) return 0;
  const w = b.fields.length;
  const si = b.fields.indexOf("eventSymbol");
  if (si < 0) return 0;
  const idx = map.map(([f, k]) => [b.fields.indexOf(f), k] as const);
  let completed = 0;
  for (let e = 0; e < b.count; e++) {
    const base = e * w;
    const tick = ticks.get(b.values[base + si] as string);
    if (!tick) continue; // not ours (another consumer of the same client)
    for (const [i, k] of idx) if (i >= 0) (tick[k] as number | null) = toNumber(b.values[base + i]);
    const before = tick.seen;
    tick.seen |= BIT[type];
    if ((before & REQUIRED_MASK) !== REQUIRED_MASK && (tick.seen & REQUIRED_MASK) === REQUIRED_MASK)
      completed++;
    if (before !== ALL_EVENTS && tick.seen === ALL_EVENTS) settled?.push(b.values[base + si] as string);
  }
  return completed;
}

export async function collectOptionSnapshot(
  dx: DxlinkClient,
  symbols: readonly string[],
  o: OptionSnapshotOptions = {},
): Promise<OptionSnapshot> {
  const ticks = new Map<string, OptionTick>();
  for (const s of symbols) ticks.set(s, emptyTick());
  const total = ticks.size;
  let answered = 0;
  let endedBy: OptionSnapshot["endedBy"] = "complete";
  let lastProgressAt = Date.now();
  const types = [...REQUIRED_EVENTS, ...OPTIONAL_EVENTS];
  let finish!: () => void;
  const finished = new Promise<void>((r) => {
    finish = r;
  });
  let grace: ReturnType<typeof setTimeout> | null = null;
  const allOptional = () => {
    for (const t of ticks.values()) if (t.seen !== ALL_EVENTS) return false;
    return true;
  };
  const guard = memoryGrowthGuard();
  const offData = dx.onData((b) => {
    guard(b.count);
    const settled: string[] = [];
    const n = foldBatch(b, ticks, settled);
    // A symbol with all four events needs nothing more: its subscription goes at once. Held to
    // the end, 175k live subscriptions kept ~4M objects alive in the feed and the client (~1 GB).
    if (settled.length > 0) for (const t of types) dx.unsubscribe(t, settled);
    if (n === 0 && answered < total) return;
    answered += n;
    if (n > 0) {
      lastProgressAt = Date.now();
      o.onProgress?.(answered, total);
      subscribeUpTo(answered + window);
    }
    if (answered < total) return;
    if (allOptional()) finish();
    else grace ??= setTimeout(finish, o.graceMs ?? 1000);
  });
  const offState = dx.onState((s) => {
    if (s.state === "gave-up" || s.state === "closed") {
      if (answered < total) endedBy = "closed";
      finish();
    }
  });
  const timer = setTimeout(() => {
    if (answered < total) endedBy = "timeout";
    finish();
  }, o.timeoutMs ?? 60_000);
  const idleMs = o.idleMs ?? 5_000;
  const list = [...ticks.keys()];
  const window = Math.max(1, o.window ?? 20_000);
  let subscribed = 0;
  const subscribeUpTo = (n: number) => {
    const next = list.slice(subscribed, Math.min(n, list.length));
    if (next.length === 0) return;
    subscribed += next.length;
    for (const t of types) dx.subscribe(t, next);
  };
  const idleTimer = setInterval(
    () => {
      const quiet = Date.now() - lastProgressAt;
      // Symbols that never answer must not hold the window shut: after half the idle time
      // without progress the next window is subscribed anyway (and the idle clock restarts).
      if (subscribed < list.length && quiet > idleMs / 2) {
        subscribeUpTo(subscribed + window);
        lastProgressAt = Date.now();
      } else if (answered > 0 && answered < total && quiet > idleMs) {
        endedBy = "idle";
        finish();
      }
    },
    Math.max(20, Math.min(500, idleMs / 4)),
  );
  const onAbort = () => finish();
  o.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    if (list.length === 0) finish();
    else subscribeUpTo(window);
    await finished;
    if (o.signal?.aborted) throw cancelledError("option snapshot cancelled", { cause: o.signal.reason });
    const st = dx.state;
    if (st.state === "gave-up") throw st.error;
  } finally {
    clearTimeout(timer);
    clearInterval(idleTimer);
    if (grace) clearTimeout(grace);
    offData();
    offState();
    o.signal?.removeEventListener("abort", onAbort);
    const live = list.slice(0, subscribed).filter((s) => ticks.get(s)!.seen !== ALL_EVENTS);
    if (live.length > 0) for (const t of types) dx.unsubscribe(t, live);
  }
  const unanswered: Unanswered[] = [];
  let partial = 0;
  for (const [symbol, t] of ticks) {
    const lacks = REQUIRED_EVENTS.filter((e) => (t.seen & BIT[e]) === 0);
    if (lacks.length > 0) unanswered.push({ symbol, lacks });
    else if (t.seen !== ALL_EVENTS) partial++;
  }
  return { ticks, unanswered, partial, endedBy };
}
