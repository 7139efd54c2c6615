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
 *
 * This file only validates the options and wires the parts together; one module per concern:
 * market-state (parameters and per-symbol memo), surface (volatility surface), prices
 * (underlying prices and session stats), options (chains and contract lookup), greeks (option
 * values and activity), quotes, metrics (market metrics and instrument records), accounts
 * (accounts, positions, balances); types holds the shapes they hand out.
 */
import { usageError } from "../../core/errors.ts";
import { AccountBook } from "./accounts.ts";
import { DEFAULT_SIM_TODAY, dayFromIso, isoFromDays, sessionOnOrBefore } from "./calendar.ts";
import { activityOf, greeksOf } from "./greeks.ts";
import { MarketState } from "./market-state.ts";
import { equityOf, metricsOf } from "./metrics.ts";
import { chainOf, optionOf } from "./options.ts";
import { dayStatsOf, underlyingPrice } from "./prices.ts";
import { quoteOf } from "./quotes.ts";
import { atmVolOf, surfaceVol } from "./surface.ts";
import type { Universe, UniverseOptions } from "./types.ts";

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

export type {
  DayStats,
  EquityInfo,
  ExpirationIv,
  MarketMetrics,
  OptionContract,
  OptionGreeks,
  Quote,
  SimAccount,
  SimBalance,
  SimPosition,
  Universe,
  UniverseOptions,
} from "./types.ts";

export function createUniverse(options: UniverseOptions = {}): Universe {
  const seed = String(options.seed ?? "ttapi");
  const todayDay = sessionOnOrBefore(dayFromIso(options.today ?? DEFAULT_SIM_TODAY));
  const sessions = options.historySessions ?? 756;
  if (!Number.isInteger(sessions) || sessions < 100) {
    throw usageError(`historySessions must be an integer ≥ 100, got ${sessions}`, {
      hint: "use the default (756)",
    });
  }
  const strikesPerSide = options.strikesPerSide;
  if (strikesPerSide !== undefined && !(Number.isInteger(strikesPerSide) && strikesPerSide >= 2)) {
    throw usageError(`strikesPerSide must be an integer ≥ 2, got ${strikesPerSide}`, {
      hint: "use the default (50)",
    });
  }
  const pathEndDay =
    options.pathEnd === undefined ? todayDay : sessionOnOrBefore(dayFromIso(options.pathEnd));
  if (pathEndDay < todayDay)
    throw usageError(`pathEnd ${options.pathEnd} is before today ${isoFromDays(todayDay)}`, {
      hint: "pathEnd is the last session of the replay, on or after today",
    });
  const mk = new MarketState({
    seed,
    todayDay,
    pathEndDay,
    sessions,
    rate: options.riskFreeRate ?? 0.04,
    strikesPerSide,
  });
  const book = new AccountBook(mk);
  const withState = <T>(symbol: string, f: (s: NonNullable<ReturnType<MarketState["state"]>>) => T) => {
    const s = mk.state(symbol);
    return s ? f(s) : undefined;
  };

  return {
    seed,
    today: isoFromDays(todayDay),
    todayDay,
    closeMs: mk.closeMs,
    riskFreeRate: mk.rate,
    symbols: mk.symbols,
    has: (symbol) => mk.rankOf.has(symbol),
    equity: (symbol) => withState(symbol, (s) => equityOf(mk, s)),
    profile: (symbol) => mk.state(symbol)?.profile,
    dailyBars: (symbol) => withState(symbol, (s) => mk.path(s).bars),
    priceAt: (symbol, tMs) => {
      const s = mk.state(symbol);
      if (s) return underlyingPrice(mk, s, tMs);
      return quoteOf(mk, symbol, tMs)?.last ?? Number.NaN;
    },
    dayStats: (symbol, tMs) => withState(symbol, (s) => dayStatsOf(mk, s, tMs)),
    quote: (symbol, tMs) => quoteOf(mk, symbol, tMs),
    impliedVol: (symbol, strike, years) =>
      withState(symbol, (s) => surfaceVol(mk, s, strike, years)) ?? Number.NaN,
    atmVol: (symbol, years) => withState(symbol, (s) => atmVolOf(mk, s, years)) ?? Number.NaN,
    chain: (symbol) => withState(symbol, (s) => chainOf(mk, s)),
    option: (symbol) => optionOf(mk, symbol),
    greeks: (optionSymbol, tMs) => {
      const c = optionOf(mk, optionSymbol);
      return c ? greeksOf(mk, c, tMs) : undefined;
    },
    optionActivity: (optionSymbol, tMs) => {
      const c = optionOf(mk, optionSymbol);
      return c ? activityOf(mk, c, tMs) : undefined;
    },
    metrics: (symbol) => withState(symbol, (s) => metricsOf(mk, s)),
    accounts: () => book.list,
    account: (n) => book.find(n),
    positions: (n, tMs) => {
      const a = book.find(n);
      return a ? book.positions(a, tMs) : [];
    },
    balances: (n, tMs) => {
      const a = book.find(n);
      return a ? book.balances(a, tMs) : undefined;
    },
  };
}
