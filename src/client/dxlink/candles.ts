/**
 * Candle history: daily candles for many symbols from a date, complete when every symbol's history
 * snapshot has ended (SNAPSHOT_END/SNIP) — not when the stream goes quiet for a while. Reconnects are
 * the client's business: it replays the subscriptions, and bars received twice are merged by time
 * (the later value wins, so the live last bar ends at its newest state).
 */
import { candleSymbolFor } from "../../core/candle-symbol.ts";
import { cancelledError } from "../../core/errors.ts";
import type { DxlinkClient } from "./client.ts";
import { type CompactBatch, toNumber } from "./codec.ts";
import { EventFlags } from "./events.ts";

export interface CandleBar {
  /** The requested symbol (without the `{=1d}` suffix). */
  symbol: string;
  /** Bar start, epoch ms. */
  time: number;
  open: number | null;
  high: number | null;
  low: number | null;
  close: number | null;
  volume: number | null;
  vwap: number | null;
  openInterest: number | null;
  impVolatility: number | null;
}

export interface CandleHistoryOptions {
  /** First bar wanted, epoch ms. */
  fromTime: number;
  /** Candle period (default `1d`). */
  period?: string;
  /** Regular trading hours only (`tho=true`) for daily or longer periods, as the SDKs do (default true). */
  regularHours?: boolean;
  /** Give up waiting after this long and report the incomplete symbols (default 120 s). */
  timeoutMs?: number;
  /**
   * After at least one snapshot completed, stop waiting once no candle of a requested symbol has
   * arrived for this long; the silent ones are reported incomplete (default 15 s).
   */
  idleMs?: number;
  signal?: AbortSignal;
  /** Leave the subscriptions in place afterwards (for live updates); default false. */
  keepSubscribed?: boolean;
}

export interface CandleHistory {
  bars: Map<string, CandleBar[]>;
  /** Symbols whose snapshot did not complete in time (unknown symbols end up here). */
  incomplete: string[];
}

/** The subscription symbol, e.g. `SPY{=1d,tho=true}`; the server may echo it as `SPY{=d,tho=true}`. */
export function candleSymbol(symbol: string, period = "1d", regularHours = true): string {
  return candleSymbolFor(symbol, period, regularHours);
}

export async function fetchCandleHistory(
  client: DxlinkClient,
  symbols: readonly string[],
  opts: CandleHistoryOptions,
): Promise<CandleHistory> {
  const period = opts.period ?? "1d";
  const byCandle = new Map<string, string>();
  // The client hands events over under the subscribed spelling (it matches echoes by meaning).
  for (const s of symbols) byCandle.set(candleSymbol(s, period, opts.regularHours ?? true), s);
  const rows = new Map<string, Map<number, CandleBar>>();
  for (const s of symbols) rows.set(s, new Map());
  const done = new Set<string>();

  let lastProgressAt = Date.now();
  const offData = client.onData((b) => {
    if (b.type !== "Candle") return;
    // Progress = data for a symbol still waiting for its snapshot (live updates of finished ones don't count).
    for (const sym of collect(b, byCandle, rows)) {
      if (!done.has(sym)) {
        lastProgressAt = Date.now();
        break;
      }
    }
  });
  let finish!: () => void;
  const finished = new Promise<void>((r) => {
    finish = r;
  });
  const offSnap = client.onSnapshot((type, sym) => {
    if (type !== "Candle" || !byCandle.has(sym)) return;
    done.add(sym);
    if (done.size === byCandle.size) finish();
  });
  const offState = client.onState((s) => {
    if (s.state === "gave-up" || s.state === "closed") finish();
  });
  const timer = setTimeout(finish, opts.timeoutMs ?? 120_000);
  // Unknown symbols never answer (no data, no error, as on the real feed): once some snapshots are
  // complete and the rest have been silent for idleMs, stop waiting for them.
  const idleMs = opts.idleMs ?? 15_000;
  const idleTimer = setInterval(
    () => {
      if (done.size > 0 && Date.now() - lastProgressAt > idleMs) finish();
    },
    Math.max(50, Math.min(1000, idleMs / 4)),
  );
  const onAbort = () => finish();
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const list = [...byCandle.keys()];
    client.subscribe("Candle", list, { fromTime: opts.fromTime });
    if (list.length === 0) finish();
    await finished;
    if (opts.signal?.aborted) throw cancelledError("candle history cancelled", { cause: opts.signal.reason });
    const st = client.state;
    if (st.state === "gave-up") throw st.error;
  } finally {
    clearTimeout(timer);
    clearInterval(idleTimer);
    offData();
    offSnap();
    offState();
    opts.signal?.removeEventListener("abort", onAbort);
    if (!opts.keepSubscribed) client.unsubscribe("Candle", [...byCandle.keys()]);
  }
  const bars = new Map<string, CandleBar[]>();
  for (const [sym, m] of rows)
    bars.set(
      sym,
      [...m.values()].filter((b) => b.time >= opts.fromTime).sort((a, b) => a.time - b.time),
    );
  const incomplete = [...byCandle].filter(([c]) => !done.has(c)).map(([, s]) => s);
  return { bars, incomplete };
}

function collect(
  b: CompactBatch,
  byCandle: Map<string, string>,
  rows: Map<string, Map<number, CandleBar>>,
): Set<string> {
  const f = b.fields;
  const w = f.length;
  const idx = (name: string) => f.indexOf(name);
  const si = idx("eventSymbol");
  const ti = idx("time");
  const seen = new Set<string>();
  if (si < 0 || ti < 0) return seen;
  const fi = idx("eventFlags");
  const oi = idx("open");
  const hi = idx("high");
  const li = idx("low");
  const ci = idx("close");
  const vi = idx("volume");
  const wi = idx("VWAP") >= 0 ? idx("VWAP") : idx("vwap");
  const oii = idx("openInterest");
  const ivi = idx("impVolatility");
  const num = (base: number, i: number) => (i < 0 ? null : toNumber(b.values[base + i]));
  for (let e = 0; e < b.count; e++) {
    const base = e * w;
    const sym = b.values[base + si];
    const plain = typeof sym === "string" ? byCandle.get(sym) : undefined;
    if (plain === undefined) continue;
    seen.add(sym as string);
    const time = num(base, ti);
    if (time === null) continue;
    const flags = num(base, fi) ?? 0;
    const m = rows.get(plain)!;
    if ((flags & EventFlags.REMOVE_EVENT) !== 0) {
      m.delete(time);
      continue;
    }
    m.set(time, {
      symbol: plain,
      time,
      open: num(base, oi),
      high: num(base, hi),
      low: num(base, li),
      close: num(base, ci),
      volume: num(base, vi),
      vwap: num(base, wi),
      openInterest: num(base, oii),
      impVolatility: num(base, ivi),
    });
  }
  return seen;
}
