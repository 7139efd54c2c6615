/**
 * Underlying prices at any instant: the daily bar's close between sessions, the intraday path
 * inside a session, a smooth drift after today's close; and the session summary (open, high, low,
 * volume so far, 52-week range) consistent with them.
 */
import { DAY_MS, sessionCloseMs, sessionOpenMs } from "./calendar.ts";
import { barIndexOnOrBefore, intradayPrice, liveDrift, roundCents, sessionFraction } from "./market.ts";
import type { MarketState } from "./market-state.ts";
import type { DayStats, SymbolState } from "./types.ts";

export function underlyingPrice(mk: MarketState, s: SymbolState, tMs: number): number {
  const p = mk.path(s);
  const days = p.bars.day;
  const n = days.length;
  const day = Math.floor(tMs / DAY_MS);
  const i = barIndexOnOrBefore(days, day);
  if (i < 0) return p.bars.open[0] as number;
  if (tMs >= mk.closeMs) {
    // After the path's last close: a smooth drift anchored so that it is continuous at the close.
    const c = mk.lastClose(s);
    const sd = mk.dailySd(s);
    const anchor = liveDrift(mk.seed, s.profile.symbol, c, sd, mk.closeMs) / c;
    return roundCents(liveDrift(mk.seed, s.profile.symbol, c, sd, tMs) / anchor);
  }
  if (days[i] === day) {
    const { fraction, inSession } = sessionFraction(tMs);
    if (inSession) return roundCents(intradayPrice(p, i, fraction));
    if (fraction < 0) return i > 0 ? (p.bars.close[i - 1] as number) : (p.bars.open[i] as number);
  }
  return p.bars.close[Math.min(i, n - 1)] as number;
}

/** The bar of the session t belongs to, and whether that session is trading at t. */
export function sessionAt(mk: MarketState, s: SymbolState, tMs: number): { i: number; trading: boolean } {
  const b = mk.path(s).bars;
  const day = Math.floor(tMs / DAY_MS);
  let i = barIndexOnOrBefore(b.day, day);
  if (i < 0) i = 0;
  const sessionDay = b.day[i] as number;
  const beforeOpen = sessionDay === day && tMs < sessionOpenMs(day);
  const trading = sessionDay === day && !beforeOpen && tMs < sessionCloseMs(day) && tMs < mk.closeMs;
  // Before today's open the "current" session is still the previous one.
  if (beforeOpen && i > 0) i--;
  return { i, trading };
}

export function dayStatsOf(mk: MarketState, s: SymbolState, tMs: number): DayStats {
  const p = mk.path(s);
  const b = p.bars;
  const n = b.day.length;
  const { i, trading } = sessionAt(mk, s, tMs);
  const last = underlyingPrice(mk, s, tMs);
  const fraction = trading ? sessionFraction(tMs).fraction : 1;
  const o = b.open[i] as number;
  let hi = b.high[i] as number;
  let lo = b.low[i] as number;
  if (trading) {
    // Only the part of the bar traded so far: bound by the prices seen (sampled at 1/20 steps).
    hi = Math.max(o, last);
    lo = Math.min(o, last);
    for (let k = 1; k < 20 && k / 20 < fraction; k++) {
      const px = intradayPrice(p, i, k / 20);
      hi = Math.max(hi, px);
      lo = Math.min(lo, px);
    }
    hi = roundCents(hi);
    lo = roundCents(lo);
  } else if (i === n - 1 && tMs >= mk.closeMs) {
    hi = Math.max(hi, last);
    lo = Math.min(lo, last);
  }
  let yearHigh = -Infinity;
  let yearLow = Infinity;
  for (let k = Math.max(0, i - 251); k <= i; k++) {
    yearHigh = Math.max(yearHigh, b.high[k] as number);
    yearLow = Math.min(yearLow, b.low[k] as number);
  }
  return {
    day: b.day[i] as number,
    open: o,
    high: hi,
    low: lo,
    last,
    close: trading ? Number.NaN : (b.close[i] as number),
    prevClose: i > 0 ? (b.close[i - 1] as number) : o,
    prevDay: i > 0 ? (b.day[i - 1] as number) : (b.day[i] as number) - 1,
    volume: Math.round((b.volume[i] as number) * Math.min(1, Math.max(0, fraction))),
    yearHigh: Math.max(yearHigh, hi),
    yearLow: Math.min(yearLow, lo),
  };
}
