/**
 * The volatility surface: an at-the-money term structure (today's 30-day IV level with a
 * short-dated event bump) bent by each symbol's put skew and smile in standardised moneyness.
 */
import type { MarketState } from "./market-state.ts";
import type { SymbolState } from "./types.ts";

export function atmVolOf(mk: MarketState, s: SymbolState, years: number): number {
  const p = mk.path(s);
  const level = p.iv30[p.iv30.length - 1] as number;
  // Short maturities carry the event bump; the term structure decays to the 30-day level.
  return level * (1 + s.profile.eventBump * Math.exp(-Math.max(years, 0) / 0.12));
}
export function surfaceVol(mk: MarketState, s: SymbolState, strike: number, years: number): number {
  const atm = atmVolOf(mk, s, years);
  const T = Math.max(years, 1 / 365);
  const m = Math.max(
    -3,
    Math.min(3, Math.log(strike / mk.lastClose(s)) / Math.sqrt(T) / Math.max(atm, 0.05)),
  );
  const factor = 1 - s.profile.skew * m + s.profile.smile * m * m;
  return atm * Math.min(3, Math.max(0.35, factor));
}
