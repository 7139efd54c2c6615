/**
 * DxMarket over the sim's deterministic universe: the DXLink server streams exactly the prices, bars
 * and Black–Scholes greeks the REST routes serve (same `priceAt`, same volatility surface).
 */
import { BoundedMemo } from "../bounded-memo.ts";
import type { Universe } from "../universe/index.ts";
import { MEMO_SIZE } from "../universe/market-state.ts";
import type {
  DailyBar,
  DxMarket,
  Greeks,
  InstrumentInfo,
  OptionInfo,
  OptionQuote,
  OptionTrading,
  UnderlyingInfo,
} from "./market.ts";

export function marketFromUniverse(u: Universe): DxMarket {
  const underlyings = new Map<string, UnderlyingInfo | null>();
  // A candle subscription asks a symbol's whole history once: a few symbols' bars are kept.
  const bars = new BoundedMemo<string, DailyBar[]>(64);
  const options = new BoundedMemo<string, OptionInfo | null>(MEMO_SIZE);
  // Prices are pure functions of (symbol, time) but not cheap; the server asks for the same
  // instant many times per flush (one per event), so the last answer per recent symbol is kept.
  const spotCache = new BoundedMemo<string, { t: number; price: number }>(MEMO_SIZE);
  const greeksCache = new BoundedMemo<string, { t: number; g: Greeks }>(MEMO_SIZE);
  const tradingCache = new BoundedMemo<string, { t: number; a: OptionTrading | null }>(MEMO_SIZE);

  const underlying = (symbol: string): UnderlyingInfo | null => {
    let info = underlyings.get(symbol);
    if (info !== undefined) return info;
    const eq = u.has(symbol) ? u.equity(symbol) : undefined;
    const p = u.profile(symbol);
    const b = u.dailyBars(symbol);
    if (!eq || !p || !b || b.close.length === 0) info = null;
    else {
      const n = b.close.length;
      info = {
        kind: eq.isIndex ? "index" : eq.isEtf ? "etf" : "equity",
        symbol,
        description: eq.description,
        price: b.close[n - 1] as number,
        prevClose: (n > 1 ? b.close[n - 2] : b.close[n - 1]) as number,
        atmVol: u.atmVol(symbol, 30 / 365),
        dividendYield: p.dividendYield,
      };
    }
    underlyings.set(symbol, info);
    return info;
  };

  const option = (symbol: string): OptionInfo | null => {
    let info = options.get(symbol);
    if (info !== undefined) return info;
    const c = symbol.startsWith(".") ? u.option(symbol) : undefined;
    info = c
      ? {
          kind: "option",
          symbol,
          underlying: c.underlying,
          strike: c.strike,
          expiration: c.expiration,
          isCall: c.isCall,
        }
      : null;
    options.set(symbol, info);
    return info;
  };

  return {
    today: u.todayDay,
    rate: u.riskFreeRate,
    lookup: (symbol: string): InstrumentInfo | null => underlying(symbol) ?? option(symbol),
    underlying,
    spot: (info, nowMs) => {
      const c = spotCache.get(info.symbol);
      if (c && c.t === nowMs) return c.price;
      const price = u.priceAt(info.symbol, nowMs);
      spotCache.set(info.symbol, { t: nowMs, price });
      return price;
    },
    dailyBars: (symbol) => {
      let list = bars.get(symbol);
      if (!list) {
        const b = u.dailyBars(symbol);
        list = [];
        if (b) {
          for (let i = 0; i < b.day.length; i++) {
            list.push({
              day: b.day[i] as number,
              open: b.open[i] as number,
              high: b.high[i] as number,
              low: b.low[i] as number,
              close: b.close[i] as number,
              volume: b.volume[i] as number,
            });
          }
        }
        bars.set(symbol, list);
      }
      return list;
    },
    optionQuote: (opt, nowMs): OptionQuote | null => {
      const q = u.quote(opt.symbol, nowMs);
      return q ? { bid: q.bid, ask: q.ask, bidSize: q.bidSize, askSize: q.askSize } : null;
    },
    optionTrading: (opt, nowMs): OptionTrading | null => {
      // Summary and Trade of one option at one instant share one value.
      const c = tradingCache.get(opt.symbol);
      if (c && c.t === nowMs) return c.a;
      const a = u.optionActivity(opt.symbol, nowMs) ?? null;
      tradingCache.set(opt.symbol, { t: nowMs, a });
      return a;
    },
    optionGreeks: (opt, _underlyingPrice, nowMs): Greeks => {
      const c = greeksCache.get(opt.symbol);
      if (c && c.t === nowMs) return c.g;
      const g = u.greeks(opt.symbol, nowMs);
      if (g) greeksCache.set(opt.symbol, { t: nowMs, g });
      if (!g)
        return {
          price: Number.NaN,
          volatility: Number.NaN,
          delta: Number.NaN,
          gamma: Number.NaN,
          theta: Number.NaN,
          vega: Number.NaN,
          rho: Number.NaN,
        };
      return g;
    },
  };
}
