/**
 * Option values: Black–Scholes greeks on the volatility surface at the underlying's price, and
 * the option's trading activity (open interest, volume, last trade) consistent with them.
 */
import { blackScholes } from "./blackscholes.ts";
import { DAY_MS, sessionCloseMs, sessionOpenMs } from "./calendar.ts";
import { sessionFraction } from "./market.ts";
import type { MarketState } from "./market-state.ts";
import { type OptionActivity, optionActivity } from "./option-activity.ts";
import { sessionAt, underlyingPrice } from "./prices.ts";
import { atmVolOf, surfaceVol } from "./surface.ts";
import type { OptionContract, OptionGreeks, SymbolState } from "./types.ts";

export function optionYears(c: OptionContract, tMs: number): number {
  // Expiration instant: 20:00 UTC for PM, 13:30 UTC for AM settlement.
  const expMs = c.settlement === "AM" ? sessionOpenMs(c.expiration) : sessionCloseMs(c.expiration);
  return Math.max(expMs - tMs, 0) / (365 * DAY_MS);
}

export function greeksOf(mk: MarketState, c: OptionContract, tMs: number): OptionGreeks {
  // A quote, a Greeks, a Summary and a Trade event of one option at one instant share one value
  // (recomputing gives the same numbers; the memo only saves the Black–Scholes work).
  const memo = mk.greeksMemo.get(c.streamer);
  if (memo && memo.t === tMs) return memo.g;
  const g = computeGreeks(mk, c, tMs);
  mk.greeksMemo.set(c.streamer, { t: tMs, g });
  return g;
}

function computeGreeks(mk: MarketState, c: OptionContract, tMs: number): OptionGreeks {
  const s = mk.state(c.underlying) as SymbolState;
  const spot = underlyingPrice(mk, s, tMs);
  const years = optionYears(c, tMs);
  const vol = surfaceVol(mk, s, c.strike, years);
  const r = blackScholes({
    spot,
    strike: c.strike,
    years,
    vol,
    rate: mk.rate,
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
}

export function activityOf(mk: MarketState, c: OptionContract, tMs: number): OptionActivity {
  const s = mk.state(c.underlying) as SymbolState;
  const { i, trading } = sessionAt(mk, s, tMs);
  const days = mk.path(s).bars.day;
  const g = greeksOf(mk, c, tMs);
  return optionActivity({
    seed: mk.seed,
    symbol: c.streamer,
    strike: c.strike,
    spot: mk.lastClose(s),
    atmVol: atmVolOf(mk, s, Math.max(c.expiration - mk.todayDay, 0.25) / 365),
    daysToExpiration: Math.max(c.expiration - mk.todayDay, 0),
    avgShareVolume: s.profile.avgVolume,
    day: days[i] as number,
    prevDay: i > 0 ? (days[i - 1] as number) : (days[i] as number) - 1,
    sessionFraction: trading ? sessionFraction(tMs).fraction : 1,
    theo: g.price,
  });
}
