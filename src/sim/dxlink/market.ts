/**
 * What the DXLink server needs to know about the simulated market, as a narrow interface so the
 * protocol code does not depend on how the universe is built. `marketFromUniverse` (universe-adapter.ts)
 * adapts the sim's deterministic universe to it.
 *
 * Prices are functions of (symbol, time) in the market model, so every connection, every event type
 * and every reconnect sees the same, consistent price at the same instant.
 */

export interface DailyBar {
  /** Days since 1970-01-01 (UTC). */
  day: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface UnderlyingInfo {
  kind: "equity" | "etf" | "index";
  symbol: string;
  description: string;
  /** Today's reference price (the universe's close for today). */
  price: number;
  prevClose: number;
  /** Annualised implied volatility of the at-the-money options (the surface's level). */
  atmVol: number;
  dividendYield: number;
}

export interface OptionInfo {
  kind: "option";
  symbol: string;
  underlying: string;
  strike: number;
  /** Expiration as days since epoch. */
  expiration: number;
  isCall: boolean;
}

export type InstrumentInfo = UnderlyingInfo | OptionInfo;

export interface Greeks {
  price: number;
  volatility: number;
  delta: number;
  gamma: number;
  theta: number;
  vega: number;
  rho: number;
}

/** An option's two-sided market (the same bid/ask the REST quote routes serve). */
export interface OptionQuote {
  bid: number;
  ask: number;
  bidSize: number;
  askSize: number;
}

/** An option's trading activity: Summary's open interest and volumes, Trade's last price. */
export interface OptionTrading {
  openInterest: number;
  /** Contracts traded so far today. */
  volume: number;
  prevVolume: number;
  last: number;
}

export interface DxMarket {
  /** The simulated "today" (days since epoch). */
  readonly today: number;
  readonly rate: number;
  /** Instrument for a streamer symbol (`AAPL`, `BRK/B`, `.SPY260821C500`), or null if unknown. */
  lookup(symbol: string): InstrumentInfo | null;
  underlying(symbol: string): UnderlyingInfo | null;
  /** Live price of an underlying at a wall-clock instant (consistent across event types and connections). */
  spot(u: UnderlyingInfo, nowMs: number): number;
  /** Daily bars of an underlying, ascending, ending with today's bar. */
  dailyBars(symbol: string): readonly DailyBar[];
  /** Option value and greeks at a given underlying price (the sim's own Black–Scholes + vol surface). */
  optionGreeks(option: OptionInfo, underlyingPrice: number, nowMs: number): Greeks;
  /** The option's quote at an instant; without it Quote events are spread around the model value. */
  optionQuote?(option: OptionInfo, nowMs: number): OptionQuote | null;
  /** The option's activity at an instant; without it Summary/Trade carry generic values. */
  optionTrading?(option: OptionInfo, nowMs: number): OptionTrading | null;
}

/** Prices on the wire: whole cents. */
export function roundTick(p: number): number {
  return Math.round(p * 100) / 100;
}
