/**
 * DXLink event types as the client uses them: the shared catalog from core (types, field kinds,
 * flags) plus the client's default field lists and lookups.
 */
import { EVENT_SCHEMAS, EVENT_TYPES, type EventType, type FieldKind } from "../../core/dxlink-events.ts";

export {
  EVENT_SCHEMAS,
  EVENT_TYPES,
  EventFlags,
  type EventType,
  type FieldKind,
} from "../../core/dxlink-events.ts";

/** The field list we ask for by default: what a recorder wants, nothing exotic. */
export const DEFAULT_FIELDS: Record<EventType, readonly string[]> = {
  Quote: [
    "eventType",
    "eventSymbol",
    "eventTime",
    "sequence",
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
    "time",
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
    "time",
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
    "sequence",
    "exchangeCode",
    "price",
    "size",
    "bidPrice",
    "askPrice",
    "exchangeSaleConditions",
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
    "time",
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

export function isEventType(s: string): s is EventType {
  return (EVENT_TYPES as readonly string[]).includes(s);
}

/**
 * The kind of a field. For a type or field we don't know (a server may add some) the kind cannot be
 * known, so its values are kept as text: the recorder stores them as strings, which loses nothing.
 */
export function fieldKind(type: string, field: string): FieldKind {
  const schema = (EVENT_SCHEMAS as Record<string, Record<string, FieldKind> | undefined>)[type];
  return schema?.[field] ?? "string";
}

/** A decoded event as a plain object: numbers are finite or null, strings and booleans as sent. */
export type DxEvent = { eventType: string; eventSymbol: string } & Record<
  string,
  number | string | boolean | null
>;
