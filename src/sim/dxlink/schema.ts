/**
 * The event fields the simulated server knows, per type (dxLink spec names). A client's requested
 * field list is intersected with these; unknown names (e.g. a lower-case `vwap`) are dropped, which is
 * exactly the "server list differs from the requested one" case a client must survive.
 */
export const SIM_EVENT_FIELDS: Record<string, readonly string[]> = {
  Quote: [
    "eventType",
    "eventSymbol",
    "eventTime",
    "sequence",
    "timeNanoPart",
    "bidTime",
    "bidExchangeCode",
    "bidPrice",
    "bidSize",
    "askTime",
    "askExchangeCode",
    "askPrice",
    "askSize",
  ],
  Trade: [
    "eventType",
    "eventSymbol",
    "eventTime",
    "time",
    "timeNanoPart",
    "sequence",
    "exchangeCode",
    "price",
    "change",
    "size",
    "dayId",
    "dayVolume",
    "dayTurnover",
    "tickDirection",
    "extendedTradingHours",
  ],
  Greeks: [
    "eventType",
    "eventSymbol",
    "eventTime",
    "eventFlags",
    "index",
    "time",
    "sequence",
    "price",
    "volatility",
    "delta",
    "gamma",
    "theta",
    "rho",
    "vega",
  ],
  Summary: [
    "eventType",
    "eventSymbol",
    "eventTime",
    "dayId",
    "dayOpenPrice",
    "dayHighPrice",
    "dayLowPrice",
    "dayClosePrice",
    "dayClosePriceType",
    "prevDayId",
    "prevDayClosePrice",
    "prevDayClosePriceType",
    "prevDayVolume",
    "openInterest",
  ],
  Profile: [
    "eventType",
    "eventSymbol",
    "eventTime",
    "description",
    "shortSaleRestriction",
    "tradingStatus",
    "statusReason",
    "haltStartTime",
    "haltEndTime",
    "highLimitPrice",
    "lowLimitPrice",
    "high52WeekPrice",
    "low52WeekPrice",
    "beta",
    "earningsPerShare",
    "dividendFrequency",
    "exDividendAmount",
    "exDividendDayId",
    "shares",
    "freeFloat",
  ],
  TheoPrice: [
    "eventType",
    "eventSymbol",
    "eventTime",
    "eventFlags",
    "index",
    "time",
    "sequence",
    "price",
    "underlyingPrice",
    "delta",
    "gamma",
    "dividend",
    "interest",
  ],
  TimeAndSale: [
    "eventType",
    "eventSymbol",
    "eventTime",
    "eventFlags",
    "index",
    "time",
    "timeNanoPart",
    "sequence",
    "exchangeCode",
    "price",
    "size",
    "bidPrice",
    "askPrice",
    "exchangeSaleConditions",
    "tradeThroughExempt",
    "aggressorSide",
    "spreadLeg",
    "extendedTradingHours",
    "validTick",
    "type",
    "buyer",
    "seller",
  ],
  Underlying: [
    "eventType",
    "eventSymbol",
    "eventTime",
    "eventFlags",
    "index",
    "time",
    "sequence",
    "volatility",
    "frontVolatility",
    "backVolatility",
    "callVolume",
    "putVolume",
    "putCallRatio",
  ],
  Candle: [
    "eventType",
    "eventSymbol",
    "eventTime",
    "eventFlags",
    "index",
    "time",
    "sequence",
    "count",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "VWAP",
    "bidVolume",
    "askVolume",
    "impVolatility",
    "openInterest",
  ],
};

/** The server's field list for a type: the requested fields it knows (in the requested order), or all. */
export function acceptFields(type: string, requested: readonly string[] | undefined): string[] | null {
  const known = SIM_EVENT_FIELDS[type];
  if (!known) return null;
  if (!requested || requested.length === 0) return [...known];
  const set = new Set(known);
  const out: string[] = [];
  for (const f of requested) if (set.has(f) && !out.includes(f)) out.push(f);
  return out.length > 0 ? out : [...known];
}

/** Event types with an index/time (snapshot semantics apply): only Candle gets a history here. */
export const CANDLE_TYPE = "Candle";

export const EVENT_FLAGS = {
  TX_PENDING: 0x01,
  REMOVE_EVENT: 0x02,
  SNAPSHOT_BEGIN: 0x04,
  SNAPSHOT_END: 0x08,
  SNAPSHOT_SNIP: 0x10,
} as const;

/** `AAPL{=1d}` / `SPY{=1d,tho=true}` → base and period; null when the symbol is not a candle symbol. */
export function parseCandleSymbol(
  symbol: string,
): { base: string; period: string; attrs: Record<string, string> } | null {
  const open = symbol.indexOf("{");
  if (open <= 0 || !symbol.endsWith("}")) return null;
  const base = symbol.slice(0, open);
  const attrs: Record<string, string> = {};
  let period = "";
  for (const part of symbol.slice(open + 1, -1).split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (key === "") period = value;
    else attrs[key] = value;
  }
  return period ? { base, period, attrs } : null;
}
