/**
 * The sim's deterministic market: `createUniverse({ seed })` → prices, chains, greeks, metrics,
 * quotes and accounts for 507 underlyings, all pure functions of (seed, today, time).
 *
 * Everything is lazy and memoized per symbol: asking for AAPL builds AAPL's path (≈ 756 sessions)
 * once, in well under a millisecond, and nothing else. Time arguments are epoch milliseconds; the
 * daily path ends on `today`, intraday prices follow each session's bar, and after today's close the
 * price keeps drifting smoothly (so a live DXLink demo ticks) from today's close.
 *
 * Consumers: the REST routes (`src/sim/rest`), the DXLink server (`src/sim/dxlink`), the demo
 * pipeline (`dailyBars` → MetaStock files).
 */
import { usageError } from "../../core/errors.ts";
import { blackScholes } from "./blackscholes.ts";
import {
  DAY_MS,
  DEFAULT_SIM_TODAY,
  dayFromIso,
  isoFromDays,
  sessionCloseMs,
  sessionOnOrBefore,
  sessionOpenMs,
} from "./calendar.ts";
import { buildChain, type ChainExpiration, type ChainRoot, type OptionChain, standardRoot } from "./chain.ts";
import {
  barIndexOnOrBefore,
  buildPath,
  type DailyBars,
  historicalVolatility,
  intradayPrice,
  liveDrift,
  type PathModel,
  pathUpTo,
  roundCents,
  type SymbolProfile,
  sessionFraction,
  symbolProfile,
  TRADING_DAYS_PER_YEAR,
} from "./market.ts";
import { type OptionActivity, optionActivity } from "./option-activity.ts";
import { hash32, Rng } from "./prng.ts";
import {
  type OptionKey,
  occSymbol,
  parseOccSymbol,
  parseStreamerOptionSymbol,
  streamerOptionSymbol,
} from "./symbology.ts";
import { UNDERLYING_SYMBOLS } from "./tickers.ts";

export { blackScholes } from "./blackscholes.ts";
export { DEFAULT_SIM_TODAY, isoFromDays, isoTimestamp } from "./calendar.ts";
export type { ChainExpiration, ChainRoot, OptionChain } from "./chain.ts";
export type { DailyBars } from "./market.ts";
export type { OptionActivity } from "./option-activity.ts";
export type { OptionKey } from "./symbology.ts";
export {
  decimalText,
  occSymbol,
  parseOccSymbol,
  parseStreamerOptionSymbol,
  streamerOptionSymbol,
  strikeText,
} from "./symbology.ts";
export { UNDERLYING_SYMBOLS } from "./tickers.ts";

export interface UniverseOptions {
  /** Any string or number; the same seed gives the same market. Default "ttapi". */
  seed?: string | number;
  /** Last session of the daily path, `YYYY-MM-DD` (a weekend rolls back to Friday). Default 2026-08-04. */
  today?: string;
  /** Sessions of daily history ending today (default 756 ≈ 3 years). */
  historySessions?: number;
  /** Continuously compounded risk-free rate for option pricing (default 0.04). */
  riskFreeRate?: number;
  /**
   * Cap on listed strikes each side of the money per expiration (default 50, ≈ 80 kB of nested
   * chain JSON per underlying; real chains are larger). Lower it for lighter demo/bench payloads.
   */
  strikesPerSide?: number;
  /**
   * A later session the daily paths run through (default: `today`). The universe then shows the
   * market as it was on `today`: the same history every day, nothing after `today` visible. Used
   * to replay consecutive trading days (`ttapi run --demo --days N`), each day's universe taking
   * `today` one session later with the same `pathEnd`.
   */
  pathEnd?: string;
}

export interface EquityInfo {
  id: number;
  symbol: string;
  streamerSymbol: string;
  description: string;
  isEtf: boolean;
  isIndex: boolean;
  listedMarket: string;
  cusip: string;
  lendability: "Easy To Borrow" | "Locate Required" | "Preborrow";
  isIlliquid: boolean;
}

export interface Quote {
  symbol: string;
  bid: number;
  ask: number;
  bidSize: number;
  askSize: number;
  /** Mid of bid/ask. */
  mid: number;
  /** Last trade price. */
  last: number;
  tMs: number;
}

/** The current (or given) session's summary at time t, consistent with the daily bars. */
export interface DayStats {
  /** Session date (days since epoch) the stats belong to. */
  day: number;
  open: number;
  high: number;
  low: number;
  last: number;
  /** The session's close once it is over, NaN while it trades. */
  close: number;
  prevClose: number;
  prevDay: number;
  /** Cumulative volume up to t. */
  volume: number;
  yearHigh: number;
  yearLow: number;
}

export interface OptionContract extends OptionKey {
  underlying: string;
  occ: string;
  streamer: string;
  chainType: "Standard" | "Non-standard";
  sharesPerContract: number;
  settlement: "AM" | "PM";
  expirationType: ChainExpiration["type"];
}

export interface OptionGreeks {
  symbol: string;
  price: number;
  volatility: number;
  delta: number;
  gamma: number;
  theta: number;
  vega: number;
  rho: number;
  underlyingPrice: number;
}

export interface ExpirationIv {
  expirationDate: string;
  settlementType: "AM" | "PM";
  optionChainType: "Standard" | "Non-standard";
  impliedVolatility: number;
}

export interface MarketMetrics {
  symbol: string;
  /** All volatilities are annualized decimals (0.25 = 25 %); rank/percentile are in [0, 1]. */
  ivIndex: number;
  ivIndex5DayChange: number;
  ivRank: number;
  ivPercentile: number;
  iv30: number;
  hv30: number;
  hv60: number;
  hv90: number;
  ivHv30Difference: number;
  beta: number;
  corrSpy3Month: number;
  dividendYield: number;
  dividendRatePerShare: number;
  marketCap: number;
  liquidityRating: number;
  liquidityRank: number;
  priceEarningsRatio: number;
  earningsPerShare: number;
  lendability: EquityInfo["lendability"];
  listedMarket: string;
  borrowRate: number;
  expirationIvs: ExpirationIv[];
  /** Next earnings date (single stocks) as days since epoch, or null. */
  nextEarningsDay: number | null;
  asOfMs: number;
}

export interface SimAccount {
  accountNumber: string;
  nickname: string;
  accountTypeName: string;
  marginOrCash: "Margin" | "Cash";
  openedDay: number;
  authorityLevel: "owner";
  optionsLevel: string;
  cash: number;
}

export interface SimPosition {
  accountNumber: string;
  symbol: string;
  instrumentType: "Equity" | "Equity Option";
  underlyingSymbol: string;
  /** Unsigned quantity; the sign lives in `direction`. */
  quantity: number;
  direction: "Long" | "Short";
  averageOpenPrice: number;
  multiplier: number;
  /** Mark price per unit (per share / per option contract share) at the requested time. */
  mark: number;
  closePrice: number;
  expiresAtMs: number | null;
  openedDay: number;
}

export interface SimBalance {
  accountNumber: string;
  currency: "USD";
  cash: number;
  longEquityValue: number;
  shortEquityValue: number;
  longDerivativeValue: number;
  shortDerivativeValue: number;
  netLiquidatingValue: number;
  equityBuyingPower: number;
  derivativeBuyingPower: number;
  maintenanceRequirement: number;
  day: number;
}

export interface Universe {
  readonly seed: string;
  /** ISO date of the last session of the daily path (the sim's "today"). */
  readonly today: string;
  readonly todayDay: number;
  /** Epoch ms of today's regular close: the default "market now" for deterministic snapshots. */
  readonly closeMs: number;
  readonly riskFreeRate: number;
  readonly symbols: readonly string[];
  has(symbol: string): boolean;
  equity(symbol: string): EquityInfo | undefined;
  profile(symbol: string): SymbolProfile | undefined;
  /** Daily OHLCV ending today (shared arrays: do not mutate). */
  dailyBars(symbol: string): DailyBars | undefined;
  /** Trade price at time t (NaN for an unknown symbol). Options accept OCC or streamer symbols. */
  priceAt(symbol: string, tMs: number): number;
  dayStats(symbol: string, tMs: number): DayStats | undefined;
  quote(symbol: string, tMs: number): Quote | undefined;
  /** Implied volatility of the surface for a strike and maturity (years) on today's spot. */
  impliedVol(symbol: string, strike: number, years: number): number;
  atmVol(symbol: string, years: number): number;
  chain(symbol: string): OptionChain | undefined;
  /** Look up a listed option by OCC (padded or not) or streamer symbol. */
  option(symbol: string): OptionContract | undefined;
  greeks(optionSymbol: string, tMs: number): OptionGreeks | undefined;
  /** Open interest, volume and last trade of a listed option at time t (its Summary and Trade). */
  optionActivity(optionSymbol: string, tMs: number): OptionActivity | undefined;
  metrics(symbol: string): MarketMetrics | undefined;
  accounts(): readonly SimAccount[];
  account(accountNumber: string): SimAccount | undefined;
  positions(accountNumber: string, tMs: number): SimPosition[];
  balances(accountNumber: string, tMs: number): SimBalance | undefined;
}

interface SymbolState {
  rank: number;
  profile: SymbolProfile;
  path?: PathModel;
  chain?: OptionChain;
  options?: Map<string, OptionContract>;
  metrics?: MarketMetrics;
  equity?: EquityInfo;
}

export function createUniverse(options: UniverseOptions = {}): Universe {
  const seed = String(options.seed ?? "ttapi");
  const todayDay = sessionOnOrBefore(dayFromIso(options.today ?? DEFAULT_SIM_TODAY));
  const sessions = options.historySessions ?? 756;
  if (!Number.isInteger(sessions) || sessions < 100) {
    throw usageError(`historySessions must be an integer ≥ 100, got ${sessions}`, {
      hint: "use the default (756)",
    });
  }
  const rate = options.riskFreeRate ?? 0.04;
  const strikesPerSide = options.strikesPerSide;
  if (strikesPerSide !== undefined && !(Number.isInteger(strikesPerSide) && strikesPerSide >= 2)) {
    throw usageError(`strikesPerSide must be an integer ≥ 2, got ${strikesPerSide}`, {
      hint: "use the default (50)",
    });
  }
  const closeMs = sessionCloseMs(todayDay);
  const pathEndDay =
    options.pathEnd === undefined ? todayDay : sessionOnOrBefore(dayFromIso(options.pathEnd));
  if (pathEndDay < todayDay)
    throw usageError(`pathEnd ${options.pathEnd} is before today ${isoFromDays(todayDay)}`, {
      hint: "pathEnd is the last session of the replay, on or after today",
    });
  const symbols = UNDERLYING_SYMBOLS;
  const rankOf = new Map<string, number>(symbols.map((s, i) => [s, i]));
  const states = new Map<string, SymbolState>();
  // OCC root → underlying, for every root any chain can have (standard, index weekly, adjusted).
  const rootToUnderlying = new Map<string, string>();

  const state = (symbol: string): SymbolState | undefined => {
    let s = states.get(symbol);
    if (s) return s;
    const rank = rankOf.get(symbol);
    if (rank === undefined) return undefined;
    s = { rank, profile: symbolProfile(seed, symbol, rank) };
    states.set(symbol, s);
    return s;
  };
  const path = (s: SymbolState): PathModel => {
    if (!s.path) {
      const full = buildPath(seed, s.profile, pathEndDay, sessions);
      s.path = pathEndDay === todayDay ? full : pathUpTo(full, todayDay);
      if (s.path.bars.day.length < 100)
        throw usageError(`today ${isoFromDays(todayDay)} leaves fewer than 100 sessions of history`, {
          hint: "move pathEnd closer to today or raise historySessions",
        });
    }
    return s.path;
  };
  const lastClose = (s: SymbolState): number => {
    const c = path(s).bars.close;
    return c[c.length - 1] as number;
  };
  const dailySd = (s: SymbolState): number => {
    const p = path(s);
    return (p.iv30[p.iv30.length - 1] as number) / Math.sqrt(TRADING_DAYS_PER_YEAR);
  };

  // --- volatility surface -------------------------------------------------------------------
  const atmVolOf = (s: SymbolState, years: number): number => {
    const p = path(s);
    const level = p.iv30[p.iv30.length - 1] as number;
    // Short maturities carry the event bump; the term structure decays to the 30-day level.
    return level * (1 + s.profile.eventBump * Math.exp(-Math.max(years, 0) / 0.12));
  };
  const surfaceVol = (s: SymbolState, strike: number, years: number): number => {
    const atm = atmVolOf(s, years);
    const T = Math.max(years, 1 / 365);
    const m = Math.max(-3, Math.min(3, Math.log(strike / lastClose(s)) / Math.sqrt(T) / Math.max(atm, 0.05)));
    const factor = 1 - s.profile.skew * m + s.profile.smile * m * m;
    return atm * Math.min(3, Math.max(0.35, factor));
  };

  // --- prices ---------------------------------------------------------------------------------
  const underlyingPrice = (s: SymbolState, tMs: number): number => {
    const p = path(s);
    const days = p.bars.day;
    const n = days.length;
    const day = Math.floor(tMs / DAY_MS);
    const i = barIndexOnOrBefore(days, day);
    if (i < 0) return p.bars.open[0] as number;
    if (tMs >= closeMs) {
      // After the path's last close: a smooth drift anchored so that it is continuous at the close.
      const c = lastClose(s);
      const sd = dailySd(s);
      const anchor = liveDrift(seed, s.profile.symbol, c, sd, closeMs) / c;
      return roundCents(liveDrift(seed, s.profile.symbol, c, sd, tMs) / anchor);
    }
    if (days[i] === day) {
      const { fraction, inSession } = sessionFraction(tMs);
      if (inSession) return roundCents(intradayPrice(p, i, fraction));
      if (fraction < 0) return i > 0 ? (p.bars.close[i - 1] as number) : (p.bars.open[i] as number);
    }
    return p.bars.close[Math.min(i, n - 1)] as number;
  };

  const dayStatsOf = (s: SymbolState, tMs: number): DayStats => {
    const p = path(s);
    const b = p.bars;
    const n = b.day.length;
    const day = Math.floor(tMs / DAY_MS);
    let i = barIndexOnOrBefore(b.day, day);
    if (i < 0) i = 0;
    const sessionDay = b.day[i] as number;
    const beforeOpen = sessionDay === day && tMs < sessionOpenMs(day);
    const trading = sessionDay === day && !beforeOpen && tMs < sessionCloseMs(day) && tMs < closeMs;
    // Before today's open the "current" session is still the previous one.
    if (beforeOpen && i > 0) i--;
    const last = underlyingPrice(s, tMs);
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
    } else if (i === n - 1 && tMs >= closeMs) {
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
  };

  // --- chains and options ------------------------------------------------------------------------
  const chainOf = (s: SymbolState): OptionChain => {
    if (!s.chain) {
      s.chain = buildChain({
        seed,
        profile: s.profile,
        rank: s.rank,
        today: todayDay,
        spot: lastClose(s),
        atmVol: (years) => atmVolOf(s, years),
        ...(strikesPerSide !== undefined ? { strikesPerSide } : {}),
      });
      const map = new Map<string, OptionContract>();
      for (const root of s.chain.roots) {
        rootToUnderlying.set(root.root, s.profile.symbol);
        for (const e of root.expirations) {
          for (const strike of e.strikes) {
            for (const isCall of [true, false]) {
              const key = { root: root.root, expiration: e.day, isCall, strike };
              const c: OptionContract = {
                ...key,
                underlying: s.profile.symbol,
                occ: occSymbol(key),
                streamer: streamerOptionSymbol(key),
                chainType: root.chainType,
                sharesPerContract: root.sharesPerContract,
                settlement: e.settlement,
                expirationType: e.type,
              };
              map.set(c.streamer, c);
            }
          }
        }
      }
      s.options = map;
    }
    return s.chain;
  };

  const underlyingForRoot = (root: string): string | undefined => {
    const known = rootToUnderlying.get(root);
    if (known) return known;
    // Candidates: the root itself, BRKB → BRK/B, SPXW → SPX, BABA2 → BABA, XYZ1 → XYZ…
    const candidates = [root, ...symbols.filter((sym) => standardRoot(sym) === root)];
    const stripped = root.replace(/\d+$/, "");
    if (stripped !== root)
      candidates.push(...symbols.filter((sym) => standardRoot(sym).startsWith(stripped)));
    for (const [idx, weekly] of [
      ["SPX", "SPXW"],
      ["NDX", "NDXP"],
      ["RUT", "RUTW"],
    ] as const)
      if (root === weekly) candidates.push(idx);
    for (const sym of candidates) {
      const s = state(sym);
      if (!s) continue;
      chainOf(s);
      if (rootToUnderlying.get(root) === sym) return sym;
    }
    return undefined;
  };

  const optionOf = (symbol: string): OptionContract | undefined => {
    const key = symbol.startsWith(".") ? parseStreamerOptionSymbol(symbol) : parseOccSymbol(symbol);
    if (!key) return undefined;
    const underlying = underlyingForRoot(key.root);
    if (!underlying) return undefined;
    const s = state(underlying);
    if (!s) return undefined;
    chainOf(s);
    return s.options?.get(streamerOptionSymbol(key));
  };

  const optionYears = (c: OptionContract, tMs: number): number => {
    // Expiration instant: 20:00 UTC for PM, 13:30 UTC for AM settlement.
    const expMs = c.settlement === "AM" ? sessionOpenMs(c.expiration) : sessionCloseMs(c.expiration);
    return Math.max(expMs - tMs, 0) / (365 * DAY_MS);
  };

  const greeksOf = (c: OptionContract, tMs: number): OptionGreeks => {
    const s = state(c.underlying) as SymbolState;
    const spot = underlyingPrice(s, tMs);
    const years = optionYears(c, tMs);
    const vol = surfaceVol(s, c.strike, years);
    const r = blackScholes({
      spot,
      strike: c.strike,
      years,
      vol,
      rate,
      dividendYield: s.profile.dividendYield,
      isCall: c.isCall,
    });
    return {
      symbol: c.streamer,
      price: r.price,
      volatility: vol,
      delta: r.delta,
      gamma: r.gamma,
      theta: r.theta,
      vega: r.vega,
      rho: r.rho,
      underlyingPrice: spot,
    };
  };

  const activityOf = (c: OptionContract, tMs: number): OptionActivity => {
    const s = state(c.underlying) as SymbolState;
    const stats = dayStatsOf(s, tMs);
    const g = greeksOf(c, tMs);
    const trading = Number.isNaN(stats.close);
    return optionActivity({
      seed,
      symbol: c.streamer,
      strike: c.strike,
      spot: lastClose(s),
      atmVol: atmVolOf(s, Math.max(c.expiration - todayDay, 0.25) / 365),
      daysToExpiration: Math.max(c.expiration - todayDay, 0),
      avgShareVolume: s.profile.avgVolume,
      day: stats.day,
      prevDay: stats.prevDay,
      sessionFraction: trading ? sessionFraction(tMs).fraction : 1,
      theo: g.price,
    });
  };

  // --- quotes -------------------------------------------------------------------------------------
  const sizeAt = (symbol: string, tMs: number, side: number): number =>
    1 + (hash32(`${seed}|${symbol}|${Math.floor(tMs / 1000)}|${side}`) % 30);

  const quoteOf = (symbol: string, tMs: number): Quote | undefined => {
    const s = state(symbol);
    if (s) {
      const mid = underlyingPrice(s, tMs);
      const half = Math.max(0.005, roundCents(mid * 0.0001));
      const bid = roundCents(mid - half);
      const ask = roundCents(Math.max(mid + half, bid + 0.01));
      return {
        symbol,
        bid,
        ask,
        bidSize: sizeAt(symbol, tMs, 0),
        askSize: sizeAt(symbol, tMs, 1),
        mid: roundCents((bid + ask) / 2),
        last: mid,
        tMs,
      };
    }
    const c = optionOf(symbol);
    if (!c) return undefined;
    const g = greeksOf(c, tMs);
    const theo = g.price;
    const half = Math.max(0.01, Math.min(theo * 0.04, 0.5));
    const bid = Math.max(0, roundCents(theo - half));
    const ask = Math.max(0.01, roundCents(theo + half));
    return {
      symbol,
      bid,
      ask,
      bidSize: sizeAt(symbol, tMs, 0),
      askSize: sizeAt(symbol, tMs, 1),
      mid: roundCents((bid + ask) / 2),
      last: roundCents(theo),
      tMs,
    };
  };

  // --- metrics -----------------------------------------------------------------------------------
  const metricsOf = (s: SymbolState): MarketMetrics => {
    if (s.metrics) return s.metrics;
    const p = path(s);
    const n = p.iv30.length;
    const iv = p.iv30[n - 1] as number;
    let lo = Infinity;
    let hi = -Infinity;
    let below = 0;
    const from = Math.max(0, n - 252);
    for (let k = from; k < n; k++) {
      const v = p.iv30[k] as number;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      if (v < iv) below++;
    }
    const close = p.bars.close;
    const hv30 = historicalVolatility(close, 30);
    const rng = Rng.fromKey(seed, s.profile.symbol, "metrics");
    const price = lastClose(s);
    const chain = chainOf(s);
    const expirationIvs: ExpirationIv[] = [];
    for (const root of chain.roots) {
      for (const e of root.expirations) {
        expirationIvs.push({
          expirationDate: e.date,
          settlementType: e.settlement,
          optionChainType: root.chainType,
          impliedVolatility: round6(atmVolOf(s, Math.max(e.daysToExpiration, 0.25) / 365)),
        });
      }
    }
    const single = !s.profile.isEtf && !s.profile.isIndex;
    const eps = single ? Math.round((price / rng.range(12, 45)) * 100) / 100 : Number.NaN;
    const info = equityOf(s);
    let nextEarnings: number | null = null;
    if (single) {
      const daysIdx = p.bars.day;
      // Earnings jumps land every 63 sessions on the path; the next one is that many sessions on.
      const sinceLast = (n - 1 + s.profile.earningsPhase) % 63;
      nextEarnings = (daysIdx[n - 1] as number) + Math.round(((63 - sinceLast) * 7) / 5);
    }
    s.metrics = {
      symbol: s.profile.symbol,
      ivIndex: round6(iv),
      ivIndex5DayChange: round6(iv - (p.iv30[n - 6] as number)),
      ivRank: round6(hi > lo ? (iv - lo) / (hi - lo) : 0),
      ivPercentile: round6(below / (n - from)),
      iv30: round6(atmVolOf(s, 30 / 365)),
      hv30: round6(hv30),
      hv60: round6(historicalVolatility(close, 60)),
      hv90: round6(historicalVolatility(close, 90)),
      ivHv30Difference: round6(atmVolOf(s, 30 / 365) - hv30),
      beta: round6(s.profile.beta),
      corrSpy3Month: round6(
        s.profile.isEtf || s.profile.isIndex ? rng.range(0.8, 0.99) : rng.range(0.2, 0.85),
      ),
      dividendYield: round6(s.profile.dividendYield),
      dividendRatePerShare: roundCents(price * s.profile.dividendYield),
      marketCap: Math.round(price * rng.range(2e8, 1.5e10)),
      liquidityRating: Math.max(1, Math.min(5, 5 - Math.floor(s.rank / 100))),
      liquidityRank: round6(s.rank / symbols.length),
      priceEarningsRatio: single ? roundCents(price / eps) : Number.NaN,
      earningsPerShare: eps,
      lendability: info.lendability,
      listedMarket: info.listedMarket,
      borrowRate: info.lendability === "Easy To Borrow" ? 0 : round6(rng.range(0.5, 25)),
      expirationIvs,
      nextEarningsDay: nextEarnings,
      asOfMs: closeMs,
    };
    return s.metrics;
  };

  const equityOf = (s: SymbolState): EquityInfo => {
    if (s.equity) return s.equity;
    const sym = s.profile.symbol;
    const h = hash32(`${seed}|${sym}|equity`);
    const kind = s.profile.isIndex
      ? "Index"
      : s.profile.isEtf
        ? "ETF Trust"
        : sym.includes("/")
          ? "Class B Common Stock"
          : "Common Stock";
    const lendability =
      s.rank < 400 || s.profile.isEtf ? "Easy To Borrow" : h % 3 === 0 ? "Locate Required" : "Preborrow";
    s.equity = {
      id: 1000 + s.rank * 7 + (h % 5),
      symbol: sym,
      streamerSymbol: sym,
      description: `${sym} ${kind} (simulated)`,
      isEtf: s.profile.isEtf,
      isIndex: s.profile.isIndex,
      listedMarket: s.profile.isIndex ? "XCBO" : s.profile.isEtf ? "ARCX" : h % 2 === 0 ? "XNAS" : "XNYS",
      cusip: cusipFor(h),
      lendability,
      isIlliquid: s.rank >= 480,
    };
    return s.equity;
  };

  // --- accounts ----------------------------------------------------------------------------------
  const accountList: SimAccount[] = buildAccounts(seed, todayDay);
  const positionPlans = new Map<string, PositionPlan[]>();
  const plansFor = (a: SimAccount): PositionPlan[] => {
    let plans = positionPlans.get(a.accountNumber);
    if (!plans) {
      plans = planPositions(seed, a, accountList.indexOf(a), (sym) => {
        const s = state(sym);
        return s ? { chain: chainOf(s), close: lastClose(s), path: path(s) } : undefined;
      });
      positionPlans.set(a.accountNumber, plans);
    }
    return plans;
  };

  const positionsOf = (a: SimAccount, tMs: number): SimPosition[] =>
    plansFor(a).map((pl) => {
      const isOption = pl.symbol.length === 21;
      const mark = isOption
        ? (quoteOf(pl.symbol, tMs)?.mid ?? 0)
        : underlyingPrice(state(pl.underlying) as SymbolState, tMs);
      const c = isOption ? optionOf(pl.symbol) : undefined;
      return {
        accountNumber: a.accountNumber,
        symbol: pl.symbol,
        instrumentType: isOption ? "Equity Option" : "Equity",
        underlyingSymbol: pl.underlying,
        quantity: pl.quantity,
        direction: pl.direction,
        averageOpenPrice: pl.averageOpenPrice,
        multiplier: isOption ? 100 : 1,
        mark,
        closePrice: isOption
          ? roundCents(quoteOf(pl.symbol, closeMs - DAY_MS)?.mid ?? mark)
          : dayStatsOf(state(pl.underlying) as SymbolState, tMs).prevClose,
        expiresAtMs: c ? sessionCloseMs(c.expiration) : null,
        openedDay: pl.openedDay,
      };
    });

  const balancesOf = (a: SimAccount, tMs: number): SimBalance => {
    let longEq = 0;
    let shortEq = 0;
    let longDer = 0;
    let shortDer = 0;
    for (const p of positionsOf(a, tMs)) {
      const value = p.mark * p.quantity * p.multiplier;
      if (p.instrumentType === "Equity") {
        if (p.direction === "Long") longEq += value;
        else shortEq += value;
      } else if (p.direction === "Long") longDer += value;
      else shortDer += value;
    }
    const net = a.cash + longEq - shortEq + longDer - shortDer;
    const maintenance = 0.25 * longEq + 0.3 * shortEq + 0.2 * shortDer;
    const margin = a.marginOrCash === "Margin";
    return {
      accountNumber: a.accountNumber,
      currency: "USD",
      cash: roundCents(a.cash),
      longEquityValue: roundCents(longEq),
      shortEquityValue: roundCents(shortEq),
      longDerivativeValue: roundCents(longDer),
      shortDerivativeValue: roundCents(shortDer),
      netLiquidatingValue: roundCents(net),
      equityBuyingPower: roundCents(Math.max(0, margin ? 2 * (net - maintenance) : a.cash)),
      derivativeBuyingPower: roundCents(Math.max(0, net - maintenance)),
      maintenanceRequirement: roundCents(maintenance),
      day: Math.floor(tMs / DAY_MS),
    };
  };

  return {
    seed,
    today: isoFromDays(todayDay),
    todayDay,
    closeMs,
    riskFreeRate: rate,
    symbols,
    has: (symbol) => rankOf.has(symbol),
    equity: (symbol) => {
      const s = state(symbol);
      return s ? equityOf(s) : undefined;
    },
    profile: (symbol) => state(symbol)?.profile,
    dailyBars: (symbol) => {
      const s = state(symbol);
      return s ? path(s).bars : undefined;
    },
    priceAt: (symbol, tMs) => {
      const s = state(symbol);
      if (s) return underlyingPrice(s, tMs);
      return quoteOf(symbol, tMs)?.last ?? Number.NaN;
    },
    dayStats: (symbol, tMs) => {
      const s = state(symbol);
      return s ? dayStatsOf(s, tMs) : undefined;
    },
    quote: quoteOf,
    impliedVol: (symbol, strike, years) => {
      const s = state(symbol);
      return s ? surfaceVol(s, strike, years) : Number.NaN;
    },
    atmVol: (symbol, years) => {
      const s = state(symbol);
      return s ? atmVolOf(s, years) : Number.NaN;
    },
    chain: (symbol) => {
      const s = state(symbol);
      return s ? chainOf(s) : undefined;
    },
    option: optionOf,
    greeks: (optionSymbol, tMs) => {
      const c = optionOf(optionSymbol);
      return c ? greeksOf(c, tMs) : undefined;
    },
    optionActivity: (optionSymbol, tMs) => {
      const c = optionOf(optionSymbol);
      return c ? activityOf(c, tMs) : undefined;
    },
    metrics: (symbol) => {
      const s = state(symbol);
      return s ? metricsOf(s) : undefined;
    },
    accounts: () => accountList,
    account: (n) => accountList.find((a) => a.accountNumber === n),
    positions: (n, tMs) => {
      const a = accountList.find((x) => x.accountNumber === n);
      return a ? positionsOf(a, tMs) : [];
    },
    balances: (n, tMs) => {
      const a = accountList.find((x) => x.accountNumber === n);
      return a ? balancesOf(a, tMs) : undefined;
    },
  };
}

function round6(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : Number.NaN;
}

function cusipFor(h: number): string {
  const alphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
  let x = h;
  let out = "";
  for (let i = 0; i < 9; i++) {
    out += alphabet[x % alphabet.length];
    x = Math.floor(x / alphabet.length) + (i + 1) * 7919;
  }
  return out;
}

/** Two accounts per seed: a margin account with stocks and options, and a small cash IRA. */
function buildAccounts(seed: string, todayDay: number): SimAccount[] {
  const rng = Rng.fromKey(seed, "accounts");
  const number = (prefix: string) => `${prefix}${String(rng.int(10000, 99999))}`;
  return [
    {
      accountNumber: number("5WT"),
      nickname: "Individual",
      accountTypeName: "Individual",
      marginOrCash: "Margin",
      openedDay: todayDay - rng.int(400, 2000),
      authorityLevel: "owner",
      optionsLevel: "Defined Risk Spreads",
      cash: Math.round(rng.range(20_000, 150_000) * 100) / 100,
    },
    {
      accountNumber: number("5WU"),
      nickname: "Roth IRA",
      accountTypeName: "Roth IRA",
      marginOrCash: "Cash",
      openedDay: todayDay - rng.int(100, 1500),
      authorityLevel: "owner",
      optionsLevel: "Covered And Cash Secured",
      cash: Math.round(rng.range(5_000, 40_000) * 100) / 100,
    },
  ];
}

interface PositionPlan {
  symbol: string;
  underlying: string;
  quantity: number;
  direction: "Long" | "Short";
  averageOpenPrice: number;
  openedDay: number;
}

function planPositions(
  seed: string,
  account: SimAccount,
  index: number,
  lookup: (sym: string) => { chain: OptionChain; close: number; path: PathModel } | undefined,
): PositionPlan[] {
  const rng = Rng.fromKey(seed, "positions", index);
  const stocks = index === 0 ? ["AAPL", "MSFT", "SPY", "BRK/B", "F"] : ["QQQ", "KO", "JNJ"];
  const plans: PositionPlan[] = [];
  for (const sym of stocks) {
    const info = lookup(sym);
    if (!info) continue;
    const bars = info.path.bars;
    const k = bars.day.length - 1 - rng.int(5, 400);
    plans.push({
      symbol: sym,
      underlying: sym,
      quantity: rng.int(1, 20) * (sym === "F" ? 100 : 10),
      direction: "Long",
      averageOpenPrice: bars.close[k] as number,
      openedDay: bars.day[k] as number,
    });
  }
  const optionUnderlyings = index === 0 ? ["SPY", "AAPL", "TSLA"] : ["QQQ"];
  for (const sym of optionUnderlyings) {
    const info = lookup(sym);
    if (!info) continue;
    const root = info.chain.roots[0] as ChainRoot;
    const exp =
      root.expirations.find((e) => e.type === "Regular" && e.daysToExpiration > 7) ?? root.expirations[0];
    if (!exp) continue;
    // A short out-of-the-money put (cash-secured in the IRA) and, in margin, a long call.
    const otmPut =
      [...exp.strikes].reverse().find((k) => k < info.close * 0.95) ?? (exp.strikes[0] as number);
    const key = { root: root.root, expiration: exp.day, isCall: false, strike: otmPut };
    plans.push({
      symbol: occSymbol(key),
      underlying: sym,
      quantity: rng.int(1, 3),
      direction: "Short",
      averageOpenPrice: roundCents(rng.range(0.8, 4)),
      openedDay: exp.day - exp.daysToExpiration - rng.int(1, 20),
    });
    if (account.marginOrCash === "Margin") {
      const otmCall =
        exp.strikes.find((k) => k > info.close * 1.03) ?? (exp.strikes[exp.strikes.length - 1] as number);
      const callKey = { root: root.root, expiration: exp.day, isCall: true, strike: otmCall };
      plans.push({
        symbol: occSymbol(callKey),
        underlying: sym,
        quantity: rng.int(1, 5),
        direction: "Long",
        averageOpenPrice: roundCents(rng.range(0.5, 6)),
        openedDay: exp.day - exp.daysToExpiration - rng.int(1, 20),
      });
    }
  }
  return plans;
}
