/**
 * Per-underlying market model: static attributes (price level, volatility, dividend yield, volume),
 * the daily OHLCV path (seeded, stochastic-volatility random walk with earnings jumps), realized and
 * implied volatility histories, and intraday prices. Everything is a pure function of
 * (seed, symbol, today), computed once per symbol on first use.
 */
import { DAY_MS, sessionCloseMs, sessionOpenMs, sessionsEndingAt } from "./calendar.ts";
import { hash32, Rng } from "./prng.ts";
import { ETFS, INDEXES } from "./tickers.ts";

export const TRADING_DAYS_PER_YEAR = 252;

/** Approximate real price levels for the tickers people type first; others are drawn at random. */
const PRICE_HINTS: Record<string, number> = {
  SPY: 560,
  QQQ: 480,
  IWM: 220,
  DIA: 410,
  SPX: 5600,
  NDX: 19700,
  RUT: 2200,
  XLF: 44,
  XLE: 90,
  XLK: 225,
  GLD: 230,
  TLT: 95,
  EEM: 44,
  HYG: 79,
  XLV: 150,
  AAPL: 230,
  MSFT: 420,
  NVDA: 120,
  AMZN: 185,
  GOOGL: 170,
  GOOG: 172,
  META: 510,
  "BRK/B": 445,
  TSLA: 240,
  AVGO: 160,
  JPM: 210,
  V: 270,
  UNH: 560,
  XOM: 115,
  NFLX: 650,
  AMD: 150,
  F: 11.2,
  T: 19,
  INTC: 21,
  BAC: 40,
  SOFI: 7.4,
  NIO: 4.6,
  AAL: 11,
  "BF/B": 43,
  LCID: 3.3,
  RIVN: 14.5,
  PLTR: 30,
  COIN: 210,
  GME: 23,
  AMC: 4.9,
  WBA: 9.4,
  PARA: 10.8,
  SNAP: 8.9,
  PENN: 17,
};

export interface SymbolProfile {
  symbol: string;
  isEtf: boolean;
  isIndex: boolean;
  /** Long-run annualized volatility of the daily returns. */
  baseVol: number;
  dividendYield: number;
  /** Mean daily share volume. */
  avgVolume: number;
  beta: number;
  /** Last close of the daily path. */
  priceLevel: number;
  /** Implied-vol premium over realized (IV usually trades above HV). */
  ivPremium: number;
  /** Put skew and smile curvature of the volatility surface. */
  skew: number;
  smile: number;
  /** Short-dated vol bump (an upcoming event), relative to the 30-day level. */
  eventBump: number;
  earningsPhase: number;
}

export function symbolProfile(seed: string, symbol: string, rank: number): SymbolProfile {
  const rng = Rng.fromKey(seed, symbol, "profile");
  const isEtf = (ETFS as readonly string[]).includes(symbol);
  const isIndex = (INDEXES as readonly string[]).includes(symbol);
  const broad = isEtf || isIndex;
  const baseVol = broad ? rng.range(0.12, 0.22) : Math.exp(rng.range(Math.log(0.18), Math.log(0.7)));
  const hint = PRICE_HINTS[symbol];
  const priceLevel = hint ?? roundCents(Math.exp(rng.range(Math.log(6), Math.log(650))));
  // Bigger names (earlier in the list) trade more.
  const avgVolume = Math.round(((broad ? 4e7 : 2.5e7) / Math.sqrt(1 + rank / 8)) * rng.range(0.5, 1.5));
  return {
    symbol,
    isEtf,
    isIndex,
    baseVol,
    dividendYield: isIndex ? 0.013 : rng.next() < 0.35 ? 0 : rng.range(0.005, 0.04),
    avgVolume,
    beta: broad ? rng.range(0.85, 1.15) : rng.range(0.4, 2.2),
    priceLevel,
    ivPremium: rng.range(1.05, 1.25),
    skew: broad ? rng.range(0.12, 0.2) : rng.range(0.04, 0.12),
    smile: rng.range(0.01, 0.05),
    eventBump: broad ? rng.range(-0.05, 0.08) : rng.range(-0.05, 0.35),
    earningsPhase: rng.int(0, 62),
  };
}

/** Daily OHLCV, ascending by day (days since epoch). Typed columns: cheap to hand to polars. */
export interface DailyBars {
  symbol: string;
  day: Int32Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

export interface PathModel {
  bars: DailyBars;
  /** Annualized close-to-close volatility over the trailing 20 sessions, per bar (NaN early on). */
  hv20: Float64Array;
  /** The sim's 30-day implied-volatility level per bar (what the IV index was that day). */
  iv30: Float64Array;
  /** Per-bar phases of the intraday wiggle. */
  phase: Float64Array;
}

export function roundCents(x: number): number {
  return Math.round(x * 100) / 100;
}

/**
 * Daily path: log-returns with an Ornstein–Uhlenbeck log-volatility (quiet and stormy regimes, so
 * HV30/60/90 differ) and a quarterly earnings jump for single stocks. The path is scaled so that the
 * last close equals the profile's price level: the levels a user sees today stay realistic.
 */
export function buildPath(seed: string, p: SymbolProfile, lastDay: number, sessions: number): PathModel {
  const rng = Rng.fromKey(seed, p.symbol, "path");
  const days = sessionsEndingAt(lastDay, sessions);
  const n = days.length;
  const logRet = new Float64Array(n);
  const dayVol = new Float64Array(n);
  let x = rng.normal() * 0.3; // log-vol deviation
  const kappa = 0.04;
  const volOfVol = 0.12;
  for (let i = 0; i < n; i++) {
    x += -kappa * x + volOfVol * rng.normal();
    const sigma = p.baseVol * Math.exp(x - 0.5 * 0.15);
    const sd = sigma / Math.sqrt(TRADING_DAYS_PER_YEAR);
    dayVol[i] = sd;
    let r = 0.07 / TRADING_DAYS_PER_YEAR - 0.5 * sd * sd + sd * rng.normal();
    if (!p.isEtf && !p.isIndex && (i + p.earningsPhase) % 63 === 0) r += rng.normal() * sd * 4;
    logRet[i] = i === 0 ? 0 : r;
  }
  let cum = 0;
  const cumLog = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    cum += logRet[i] as number;
    cumLog[i] = cum;
  }
  const last = cumLog[n - 1] as number;
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const volume = new Float64Array(n);
  const phase = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = roundCents(p.priceLevel * Math.exp((cumLog[i] as number) - last));
    const prev = i === 0 ? c : (close[i - 1] as number);
    const sd = dayVol[i] as number;
    // The open gaps from the previous close by a fraction of the day's move.
    const o = i === 0 ? c : roundCents(prev * Math.exp(0.3 * sd * rng.normal()));
    const hi = roundCents(Math.max(o, c) * (1 + Math.abs(rng.normal()) * sd * 0.6));
    const lo = roundCents(Math.min(o, c) * (1 - Math.abs(rng.normal()) * sd * 0.6));
    close[i] = c;
    open[i] = o;
    high[i] = Math.max(hi, o, c);
    low[i] = Math.max(0.01, Math.min(lo, o, c));
    const move = Math.abs(Math.log(c / prev)) / Math.max(sd, 1e-6);
    volume[i] = Math.round(p.avgVolume * Math.exp(0.25 * rng.normal()) * (0.8 + 0.2 * move));
    phase[i] = rng.next() * 2 * Math.PI;
  }
  const hv20 = rollingVol(close, 20);
  const iv30 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const h = hv20[i] as number;
    const realized = Number.isFinite(h) ? h : p.baseVol;
    // IV mean-reverts to the long-run level and follows realized vol with a premium.
    iv30[i] = p.ivPremium * (0.45 * p.baseVol + 0.55 * realized);
  }
  return { bars: { symbol: p.symbol, day: days, open, high, low, close, volume }, hv20, iv30, phase };
}

/** Annualized standard deviation of log close-to-close returns over trailing `window` returns. */
export function rollingVol(close: Float64Array, window: number): Float64Array {
  const n = close.length;
  const out = new Float64Array(n).fill(Number.NaN);
  for (let i = window; i < n; i++) {
    let sum = 0;
    let sumSq = 0;
    for (let j = i - window + 1; j <= i; j++) {
      const r = Math.log((close[j] as number) / (close[j - 1] as number));
      sum += r;
      sumSq += r * r;
    }
    const mean = sum / window;
    const variance = (sumSq - window * mean * mean) / (window - 1);
    out[i] = Math.sqrt(Math.max(variance, 0) * TRADING_DAYS_PER_YEAR);
  }
  return out;
}

/** Historical volatility over the last `window` returns of the path (annualized). */
export function historicalVolatility(close: Float64Array, window: number): number {
  const n = close.length;
  if (n <= window) return Number.NaN;
  let sum = 0;
  let sumSq = 0;
  for (let j = n - window; j < n; j++) {
    const r = Math.log((close[j] as number) / (close[j - 1] as number));
    sum += r;
    sumSq += r * r;
  }
  const mean = sum / window;
  return Math.sqrt(Math.max((sumSq - window * mean * mean) / (window - 1), 0) * TRADING_DAYS_PER_YEAR);
}

/**
 * Price inside a session: a path from the open to the close with a deterministic wiggle that
 * vanishes at both ends and stays inside [low, high], so intraday prices agree with the daily bar.
 */
export function intradayPrice(path: PathModel, i: number, fraction: number): number {
  const b = path.bars;
  const o = b.open[i] as number;
  const c = b.close[i] as number;
  const hi = b.high[i] as number;
  const lo = b.low[i] as number;
  const f = Math.min(1, Math.max(0, fraction));
  const ph = path.phase[i] as number;
  const envelope = Math.sin(Math.PI * f);
  const wiggle =
    envelope * (0.6 * Math.sin(5 * f * Math.PI + ph) + 0.4 * Math.sin(13 * f * Math.PI + 2 * ph));
  const span = (hi - lo) / 2;
  const p = o + (c - o) * f + wiggle * span;
  return Math.min(hi, Math.max(lo, p));
}

/**
 * After the last session of the path the market keeps moving (a live demo must tick): a smooth
 * quasi-random drift around the last close built from incommensurate sinusoids, O(1) for any t,
 * with a scale of about one daily standard deviation.
 */
export function liveDrift(
  seed: string,
  symbol: string,
  lastClose: number,
  dailySd: number,
  tMs: number,
): number {
  const h = hash32(`${seed}\u0001${symbol}\u0001live`);
  const p1 = ((h & 0xff) / 255) * 2 * Math.PI;
  const p2 = (((h >>> 8) & 0xff) / 255) * 2 * Math.PI;
  const p3 = (((h >>> 16) & 0xff) / 255) * 2 * Math.PI;
  const minutes = tMs / 60_000;
  const s =
    0.55 * Math.sin(minutes / 97.3 + p1) +
    0.3 * Math.sin(minutes / 23.1 + p2) +
    0.15 * Math.sin(minutes / 3.7 + p3);
  const secondJitter = 0.02 * Math.sin(tMs / 1000 / 1.618 + p1 + p2);
  return roundCents(lastClose * Math.exp(dailySd * (s + secondJitter)));
}

/** Index of the bar whose day is `day`, or of the last bar before it (-1 if none). Binary search. */
export function barIndexOnOrBefore(days: Int32Array, day: number): number {
  let lo = 0;
  let hi = days.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((days[mid] as number) <= day) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

/**
 * Where t falls in the session of its UTC day (regular hours always lie inside one UTC day):
 * fraction 0 at the open, 1 at the close, negative before, above 1 after.
 */
export function sessionFraction(tMs: number): { day: number; fraction: number; inSession: boolean } {
  const day = Math.floor(tMs / DAY_MS);
  const open = sessionOpenMs(day);
  const close = sessionCloseMs(day);
  const fraction = (tMs - open) / (close - open);
  return { day, fraction, inSession: tMs >= open && tMs < close };
}

/**
 * The path as it looked on an earlier session: a view (no copy) of its bars up to and including
 * `lastDay`. A universe whose market date moves day by day (`ttapi run --demo --days N`) builds one
 * path through the last day and looks at it through these views, so every day sees the same
 * history and tomorrow's bar is never visible today.
 */
export function pathUpTo(path: PathModel, lastDay: number): PathModel {
  const i = barIndexOnOrBefore(path.bars.day, lastDay);
  const end = i + 1;
  if (end >= path.bars.day.length) return path;
  const b = path.bars;
  return {
    bars: {
      symbol: b.symbol,
      day: b.day.subarray(0, end),
      open: b.open.subarray(0, end),
      high: b.high.subarray(0, end),
      low: b.low.subarray(0, end),
      close: b.close.subarray(0, end),
      volume: b.volume.subarray(0, end),
    },
    hv20: path.hv20.subarray(0, end),
    iv30: path.iv30.subarray(0, end),
    phase: path.phase.subarray(0, end),
  };
}
