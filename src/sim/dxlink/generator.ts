/**
 * Live event generation for one subscription: fills a reusable record with every field of the type
 * (values consistent with the market model: the same underlying price feeds Quote, Trade, Summary,
 * TheoPrice and the options' Black–Scholes greeks at the same instant). The session then copies the
 * fields the client accepted, in the server's order. No allocation per event on this path.
 */

import { mulberry32 } from "../../core/prng.ts";
import {
  type DailyBar,
  type DxMarket,
  type InstrumentInfo,
  type OptionInfo,
  roundTick,
  type UnderlyingInfo,
} from "./market.ts";
import { EVENT_FLAGS } from "./schema.ts";

export type Record_ = Record<string, unknown>;

/** Per-subscription mutable state (sequence numbers, cumulative volume). */
export interface LiveState {
  type: string;
  symbol: string;
  inst: InstrumentInfo;
  underlying: UnderlyingInfo;
  seq: number;
  dayVolume: number;
  dayTurnover: number;
  lastPrice: number;
}

const DAY_MS = 86_400_000;

/** Small deterministic PRNG (mulberry32) so a session's sizes and sides are reproducible per seed. */
export class SessionRng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
}

export function newLiveState(
  market: DxMarket,
  type: string,
  symbol: string,
  inst: InstrumentInfo,
): LiveState | null {
  const underlying = inst.kind === "option" ? market.underlying(inst.underlying) : inst;
  if (!underlying) return null;
  // Event types that do not exist for an instrument kind produce no data, like the real feed.
  if (type === "Greeks" && inst.kind !== "option") return null;
  if (type === "Underlying" && inst.kind === "option") return null;
  return { type, symbol, inst, underlying, seq: 0, dayVolume: 0, dayTurnover: 0, lastPrice: Number.NaN };
}

/** Fill `ev` with a fresh event for `st` at `nowMs`. */
export function fillLiveEvent(
  market: DxMarket,
  st: LiveState,
  nowMs: number,
  rng: SessionRng,
  ev: Record_,
): void {
  const u = st.underlying;
  const spot = market.spot(u, nowMs);
  const isOption = st.inst.kind === "option";
  const g = isOption ? market.optionGreeks(st.inst as OptionInfo, spot, nowMs) : null;
  const price = g ? roundTick(Math.max(g.price, 0.01)) : spot;
  st.seq = (st.seq + 1) & 0x3fffff;
  ev.eventType = st.type;
  ev.eventSymbol = st.symbol;
  // TastyTrade sends eventTime 0; clients must use their own receive time for staleness.
  ev.eventTime = 0;
  switch (st.type) {
    case "Quote": {
      const oq = isOption ? market.optionQuote?.(st.inst as OptionInfo, nowMs) : null;
      if (oq) {
        // The option's own market (the REST quote): bid/ask around the Black–Scholes value.
        ev.sequence = st.seq;
        ev.timeNanoPart = 0;
        ev.bidTime = nowMs;
        ev.askTime = nowMs;
        ev.bidExchangeCode = "Q";
        ev.askExchangeCode = "Q";
        ev.bidPrice = oq.bid;
        ev.askPrice = oq.ask;
        ev.bidSize = oq.bidSize;
        ev.askSize = oq.askSize;
        return;
      }
      const half = isOption
        ? Math.max(0.025, roundTick(price * 0.01))
        : Math.max(0.005, roundTick(price * 0.0001));
      const noSizes = u.kind === "index" && !isOption;
      ev.sequence = st.seq;
      ev.timeNanoPart = 0;
      ev.bidTime = nowMs;
      ev.askTime = nowMs;
      ev.bidExchangeCode = "Q";
      ev.askExchangeCode = "Q";
      ev.bidPrice = roundTick(Math.max(0, price - half));
      ev.askPrice = roundTick(price + half);
      ev.bidSize = noSizes ? Number.NaN : rng.int(1, 40) * (isOption ? 1 : 100);
      ev.askSize = noSizes ? Number.NaN : rng.int(1, 40) * (isOption ? 1 : 100);
      return;
    }
    case "Trade":
    case "TimeAndSale": {
      const act =
        isOption && st.type === "Trade" ? market.optionTrading?.(st.inst as OptionInfo, nowMs) : null;
      if (act) {
        // An option's Trade is its day so far: last price and day volume from the market model,
        // the same on every connection (no per-session accumulation).
        ev.time = nowMs;
        ev.timeNanoPart = 0;
        ev.sequence = st.seq;
        ev.exchangeCode = "Q";
        ev.price = act.last;
        ev.size = act.volume > 0 ? 1 + (act.volume % 10) : 0;
        ev.change = Number.NaN;
        ev.dayId = market.today;
        ev.dayVolume = act.volume;
        ev.dayTurnover = Math.round(act.volume * act.last);
        ev.tickDirection = "ZERO";
        ev.extendedTradingHours = false;
        return;
      }
      const size = rng.int(1, 20) * (isOption ? 1 : 100);
      st.dayVolume += size;
      st.dayTurnover += size * price;
      const prev = st.lastPrice;
      st.lastPrice = price;
      ev.time = nowMs;
      ev.timeNanoPart = 0;
      ev.sequence = st.seq;
      ev.exchangeCode = "Q";
      ev.price = price;
      ev.size = size;
      if (st.type === "Trade") {
        ev.change = isOption ? Number.NaN : roundTick(price - u.prevClose);
        ev.dayId = market.today;
        ev.dayVolume = st.dayVolume;
        ev.dayTurnover = Math.round(st.dayTurnover);
        ev.tickDirection =
          Number.isNaN(prev) || prev === price ? "ZERO" : price > prev ? "UPTICK" : "DOWNTICK";
        ev.extendedTradingHours = false;
      } else {
        const half = isOption ? 0.05 : 0.01;
        ev.eventFlags = 0;
        ev.index = nowMs * 1024 + (st.seq & 1023);
        ev.bidPrice = roundTick(Math.max(0, price - half));
        ev.askPrice = roundTick(price + half);
        ev.exchangeSaleConditions = "";
        ev.tradeThroughExempt = "\u0000";
        ev.aggressorSide = rng.next() < 0.5 ? "BUY" : "SELL";
        ev.spreadLeg = false;
        ev.extendedTradingHours = false;
        ev.validTick = true;
        ev.type = "NEW";
        ev.buyer = "";
        ev.seller = "";
      }
      return;
    }
    case "Greeks": {
      const gr = g!;
      ev.eventFlags = 0;
      ev.index = 0;
      ev.time = nowMs;
      ev.sequence = st.seq;
      ev.price = gr.price;
      ev.volatility = gr.volatility;
      ev.delta = gr.delta;
      ev.gamma = gr.gamma;
      ev.theta = gr.theta;
      ev.rho = gr.rho;
      ev.vega = gr.vega;
      return;
    }
    case "TheoPrice": {
      ev.eventFlags = 0;
      ev.index = 0;
      ev.time = nowMs;
      ev.sequence = st.seq;
      ev.price = g ? g.price : spot;
      ev.underlyingPrice = spot;
      ev.delta = g ? g.delta : 1;
      ev.gamma = g ? g.gamma : 0;
      ev.dividend = u.dividendYield;
      ev.interest = market.rate;
      return;
    }
    case "Summary": {
      const bars = market.dailyBars(u.symbol);
      const today = bars[bars.length - 1];
      const prev = bars[bars.length - 2];
      ev.dayId = market.today;
      if (isOption || !today) {
        ev.dayOpenPrice = Number.NaN;
        ev.dayHighPrice = Number.NaN;
        ev.dayLowPrice = Number.NaN;
        ev.dayClosePrice = Number.NaN;
        ev.prevDayClosePrice = Number.NaN;
        const act = isOption ? market.optionTrading?.(st.inst as OptionInfo, nowMs) : null;
        ev.prevDayVolume = act ? act.prevVolume : Number.NaN;
        ev.openInterest = act ? act.openInterest : openInterestOf(st.symbol);
      } else {
        ev.dayOpenPrice = today.open;
        ev.dayHighPrice = Math.max(today.high, spot);
        ev.dayLowPrice = Math.min(today.low, spot);
        ev.dayClosePrice = spot;
        ev.prevDayClosePrice = prev ? prev.close : Number.NaN;
        ev.prevDayVolume = prev ? prev.volume : Number.NaN;
        ev.openInterest = Number.NaN;
      }
      ev.dayClosePriceType = "PRELIMINARY";
      ev.prevDayId = prev ? prev.day : market.today - 1;
      ev.prevDayClosePriceType = "FINAL";
      return;
    }
    case "Profile": {
      const bars = market.dailyBars(u.symbol);
      let hi = Number.NaN;
      let lo = Number.NaN;
      for (let i = Math.max(0, bars.length - 252); i < bars.length; i++) {
        const b = bars[i]!;
        if (!(hi >= b.high)) hi = b.high;
        if (!(lo <= b.low)) lo = b.low;
      }
      ev.description = isOption ? `${u.description} option` : u.description;
      ev.shortSaleRestriction = "INACTIVE";
      ev.tradingStatus = "ACTIVE";
      ev.statusReason = "";
      ev.haltStartTime = 0;
      ev.haltEndTime = 0;
      ev.highLimitPrice = Number.NaN;
      ev.lowLimitPrice = Number.NaN;
      ev.high52WeekPrice = isOption ? Number.NaN : hi;
      ev.low52WeekPrice = isOption ? Number.NaN : lo;
      ev.beta = Number.NaN;
      ev.earningsPerShare = Number.NaN;
      ev.dividendFrequency = u.dividendYield > 0 ? 4 : 0;
      ev.exDividendAmount = u.dividendYield > 0 ? roundTick((u.price * u.dividendYield) / 4) : Number.NaN;
      ev.exDividendDayId = 0;
      ev.shares = Number.NaN;
      ev.freeFloat = Number.NaN;
      return;
    }
    case "Underlying": {
      const callVolume = 1000 + rng.int(0, 50_000);
      const putVolume = 1000 + rng.int(0, 50_000);
      ev.eventFlags = 0;
      ev.index = 0;
      ev.time = nowMs;
      ev.sequence = st.seq;
      ev.volatility = u.atmVol;
      ev.frontVolatility = u.atmVol * 1.03;
      ev.backVolatility = u.atmVol * 0.98;
      ev.callVolume = callVolume;
      ev.putVolume = putVolume;
      ev.putCallRatio = putVolume / callVolume;
      return;
    }
  }
}

function openInterestOf(symbol: string): number {
  let h = 0;
  for (let i = 0; i < symbol.length; i++) h = (Math.imul(h, 31) + symbol.charCodeAt(i)) | 0;
  return (h >>> 0) % 20_000;
}

/** A daily candle event. `live` candles reflect the intraday price on today's bar. */
export function fillCandle(
  symbol: string,
  bar: DailyBar,
  flags: number,
  seq: number,
  ev: Record_,
  liveSpot?: number,
): void {
  const time = bar.day * DAY_MS;
  let { open, high, low, close } = bar;
  if (liveSpot !== undefined) {
    close = liveSpot;
    high = Math.max(high, liveSpot);
    low = Math.min(low, liveSpot);
  }
  ev.eventType = "Candle";
  ev.eventSymbol = symbol;
  ev.eventTime = 0;
  ev.eventFlags = flags;
  ev.index = time;
  ev.time = time;
  ev.sequence = seq;
  ev.count = Math.max(1, Math.round(bar.volume / 250));
  ev.open = open;
  ev.high = high;
  ev.low = low;
  ev.close = close;
  ev.volume = bar.volume;
  ev.VWAP = roundTick((open + high + low + close) / 4);
  ev.bidVolume = Math.round(bar.volume * 0.48);
  ev.askVolume = Math.round(bar.volume * 0.52);
  ev.impVolatility = Number.NaN;
  ev.openInterest = Number.NaN;
}

/** The event dxFeed sends for an empty history: a removed, snapshot-complete placeholder. */
export function fillEmptyCandleSnapshot(symbol: string, fromTime: number, ev: Record_): void {
  fillCandle(
    symbol,
    {
      day: Math.floor(fromTime / DAY_MS),
      open: Number.NaN,
      high: Number.NaN,
      low: Number.NaN,
      close: Number.NaN,
      volume: Number.NaN,
    },
    EVENT_FLAGS.SNAPSHOT_BEGIN | EVENT_FLAGS.SNAPSHOT_END | EVENT_FLAGS.REMOVE_EVENT,
    0,
    ev,
  );
  ev.time = fromTime;
  ev.index = fromTime;
  ev.count = 0;
}
