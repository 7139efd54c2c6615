/**
 * Two-sided quotes: underlyings one basis point either side of the price, options 4 % (between
 * one cent and 50 cents) either side of their Black–Scholes value; sizes seeded per second.
 */
import { greeksOf } from "./greeks.ts";
import { roundCents } from "./market.ts";
import type { MarketState } from "./market-state.ts";
import { optionOf } from "./options.ts";
import { underlyingPrice } from "./prices.ts";
import { hash32 } from "./prng.ts";
import type { Quote } from "./types.ts";

function sizeAt(mk: MarketState, symbol: string, tMs: number, side: number): number {
  return 1 + (hash32(`${mk.seed}|${symbol}|${Math.floor(tMs / 1000)}|${side}`) % 30);
}

export function quoteOf(mk: MarketState, symbol: string, tMs: number): Quote | undefined {
  const s = mk.state(symbol);
  if (s) {
    const mid = underlyingPrice(mk, s, tMs);
    const half = Math.max(0.005, roundCents(mid * 0.0001));
    const bid = roundCents(mid - half);
    const ask = roundCents(Math.max(mid + half, bid + 0.01));
    return {
      symbol,
      bid,
      ask,
      bidSize: sizeAt(mk, symbol, tMs, 0),
      askSize: sizeAt(mk, symbol, tMs, 1),
      mid: roundCents((bid + ask) / 2),
      last: mid,
      tMs,
    };
  }
  const c = optionOf(mk, symbol);
  if (!c) return undefined;
  const g = greeksOf(mk, c, tMs);
  const theo = g.price;
  const half = Math.max(0.01, Math.min(theo * 0.04, 0.5));
  const bid = Math.max(0, roundCents(theo - half));
  const ask = Math.max(0.01, roundCents(theo + half));
  return {
    symbol,
    bid,
    ask,
    bidSize: sizeAt(mk, symbol, tMs, 0),
    askSize: sizeAt(mk, symbol, tMs, 1),
    mid: roundCents((bid + ask) / 2),
    last: roundCents(theo),
    tMs,
  };
}
