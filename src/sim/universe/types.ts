/**
 * The sim universe's public shapes: options, instruments, quotes, greeks, metrics and accounts as
 * `createUniverse` hands them out, plus the per-symbol memo the modules share.
 */
import type { ChainExpiration, OptionChain } from "./chain.ts";
import type { DailyBars, PathModel, SymbolProfile } from "./market.ts";
import type { OptionActivity } from "./option-activity.ts";
import type { OptionKey } from "./symbology.ts";

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

/** What the universe has computed for one underlying so far (each part built on first use). */
export interface SymbolState {
  rank: number;
  profile: SymbolProfile;
  path?: PathModel;
  chain?: OptionChain;
  metrics?: MarketMetrics;
  equity?: EquityInfo;
}
