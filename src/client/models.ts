/**
 * Typed records for the TastyTrade REST payloads ttapi uses, kept flat and close to the wire:
 * one record per wire object, field names are the kebab-case keys in camelCase, numbers are
 * numbers (converted from strings in `wire.ts`), sentinels are null. Each `decodeX` takes the
 * wire object (one element of `data.items`, or `data` itself) and a `where` label for errors.
 */
import type { Json, JsonObject } from "../core/json.ts";
import { registerSecret } from "../core/redact.ts";
import {
  arr,
  asObject,
  bool,
  date,
  int,
  num,
  numOrUnset,
  obj,
  objects,
  reqStr,
  signed,
  str,
  strings,
  time,
} from "./wire.ts";

// ---------------------------------------------------------------------------------------------
// Accounts

export interface Account {
  accountNumber: string;
  nickname: string | null;
  accountTypeName: string | null;
  marginOrCash: string | null;
  isClosed: boolean | null;
  isFirmError: boolean | null;
  isFirmProprietary: boolean | null;
  isForeign: boolean | null;
  isFuturesApproved: boolean | null;
  /** `false` in captures, a string in swagger: kept as text. */
  dayTraderStatus: string | null;
  investmentObjective: string | null;
  suitableOptionsLevel: string | null;
  createdAt: number | null;
  openedAt: number | null;
  authorityLevel: string | null;
}

/** One `/customers/me/accounts` item: `{account:{…}, authority-level}`. Registers the number as secret. */
export function decodeAccount(item: JsonObject, where = "accounts"): Account {
  const a = asObject(item.account ?? item, `${where}: account`);
  const accountNumber = reqStr(a, "account-number", where);
  registerSecret(accountNumber);
  return {
    accountNumber,
    nickname: str(a, "nickname", where),
    accountTypeName: str(a, "account-type-name", where),
    marginOrCash: str(a, "margin-or-cash", where),
    isClosed: bool(a, "is-closed", where),
    isFirmError: bool(a, "is-firm-error", where),
    isFirmProprietary: bool(a, "is-firm-proprietary", where),
    isForeign: bool(a, "is-foreign", where),
    isFuturesApproved: bool(a, "is-futures-approved", where),
    dayTraderStatus: str(a, "day-trader-status", where),
    investmentObjective: str(a, "investment-objective", where),
    suitableOptionsLevel: str(a, "suitable-options-level", where),
    createdAt: time(a, "created-at", where),
    openedAt: time(a, "opened-at", where),
    authorityLevel: str(item, "authority-level", where),
  };
}

// ---------------------------------------------------------------------------------------------
// Balances (one item per currency)

export interface Balance {
  accountNumber: string;
  currency: string | null;
  cashBalance: number | null;
  netLiquidatingValue: number | null;
  equityBuyingPower: number | null;
  derivativeBuyingPower: number | null;
  dayTradingBuyingPower: number | null;
  maintenanceRequirement: number | null;
  longEquityValue: number | null;
  shortEquityValue: number | null;
  longDerivativeValue: number | null;
  shortDerivativeValue: number | null;
  /** Signed by `pending-cash-effect` (Debit → negative). */
  pendingCash: number | null;
  snapshotDate: string | null;
  updatedAt: number | null;
}

export function decodeBalance(b: JsonObject, where = "balances"): Balance {
  const accountNumber = reqStr(b, "account-number", where);
  registerSecret(accountNumber);
  return {
    accountNumber,
    currency: str(b, "currency", where),
    cashBalance: num(b, "cash-balance", where),
    netLiquidatingValue: num(b, "net-liquidating-value", where),
    equityBuyingPower: num(b, "equity-buying-power", where),
    derivativeBuyingPower: num(b, "derivative-buying-power", where),
    dayTradingBuyingPower: num(b, "day-trading-buying-power", where),
    maintenanceRequirement: num(b, "maintenance-requirement", where),
    longEquityValue: num(b, "long-equity-value", where),
    shortEquityValue: num(b, "short-equity-value", where),
    longDerivativeValue: num(b, "long-derivative-value", where),
    shortDerivativeValue: num(b, "short-derivative-value", where),
    pendingCash: signed(b, "pending-cash", where),
    snapshotDate: date(b, "snapshot-date", where),
    updatedAt: time(b, "updated-at", where),
  };
}

// ---------------------------------------------------------------------------------------------
// Positions

export interface Position {
  accountNumber: string;
  symbol: string;
  instrumentType: string | null;
  underlyingSymbol: string | null;
  streamerSymbol: string | null;
  /** Unsigned as on the wire; see `quantityDirection`. */
  quantity: number | null;
  quantityDirection: string | null;
  /** `quantity` with the sign of `quantity-direction` (Short → negative). */
  signedQuantity: number | null;
  averageOpenPrice: number | null;
  closePrice: number | null;
  mark: number | null;
  markPrice: number | null;
  multiplier: number | null;
  costEffect: string | null;
  expiresAt: number | null;
  createdAt: number | null;
  updatedAt: number | null;
}

export function decodePosition(p: JsonObject, where = "positions"): Position {
  const accountNumber = reqStr(p, "account-number", where);
  registerSecret(accountNumber);
  const quantity = num(p, "quantity", where);
  const quantityDirection = str(p, "quantity-direction", where);
  return {
    accountNumber,
    symbol: reqStr(p, "symbol", where),
    instrumentType: str(p, "instrument-type", where),
    underlyingSymbol: str(p, "underlying-symbol", where),
    streamerSymbol: str(p, "streamer-symbol", where),
    quantity,
    quantityDirection,
    signedQuantity: quantity === null ? null : quantityDirection === "Short" ? -quantity : quantity,
    averageOpenPrice: num(p, "average-open-price", where),
    closePrice: num(p, "close-price", where),
    mark: num(p, "mark", where),
    markPrice: num(p, "mark-price", where),
    multiplier: num(p, "multiplier", where),
    costEffect: str(p, "cost-effect", where),
    expiresAt: time(p, "expires-at", where),
    createdAt: time(p, "created-at", where),
    updatedAt: time(p, "updated-at", where),
  };
}

// ---------------------------------------------------------------------------------------------
// Instruments

export interface TickSize {
  threshold: number | null;
  value: number | null;
}

function decodeTickSizes(o: JsonObject, field: string, where: string): TickSize[] {
  return objects(o, field, where).map((t) => ({
    threshold: num(t, "threshold", where),
    value: num(t, "value", where),
  }));
}

export interface Equity {
  id: number | null;
  symbol: string;
  streamerSymbol: string | null;
  instrumentType: string | null;
  description: string | null;
  shortDescription: string | null;
  listedMarket: string | null;
  cusip: string | null;
  lendability: string | null;
  active: boolean | null;
  isEtf: boolean | null;
  isIndex: boolean | null;
  isClosingOnly: boolean | null;
  isOptionsClosingOnly: boolean | null;
  isIlliquid: boolean | null;
  isFraudRisk: boolean | null;
  marketTimeInstrumentCollection: string | null;
  tickSizes: TickSize[];
  optionTickSizes: TickSize[];
}

export function decodeEquity(e: JsonObject, where = "equities"): Equity {
  return {
    id: int(e, "id", where),
    symbol: reqStr(e, "symbol", where),
    streamerSymbol: str(e, "streamer-symbol", where),
    instrumentType: str(e, "instrument-type", where),
    description: str(e, "description", where),
    shortDescription: str(e, "short-description", where),
    listedMarket: str(e, "listed-market", where),
    cusip: str(e, "cusip", where),
    lendability: str(e, "lendability", where),
    active: bool(e, "active", where),
    isEtf: bool(e, "is-etf", where),
    isIndex: bool(e, "is-index", where),
    isClosingOnly: bool(e, "is-closing-only", where),
    isOptionsClosingOnly: bool(e, "is-options-closing-only", where),
    isIlliquid: bool(e, "is-illiquid", where),
    isFraudRisk: bool(e, "is-fraud-risk", where),
    marketTimeInstrumentCollection: str(e, "market-time-instrument-collection", where),
    tickSizes: decodeTickSizes(e, "tick-sizes", where),
    optionTickSizes: decodeTickSizes(e, "option-tick-sizes", where),
  };
}

export interface Cryptocurrency {
  id: number | null;
  symbol: string;
  streamerSymbol: string | null;
  instrumentType: string | null;
  description: string | null;
  shortDescription: string | null;
  active: boolean | null;
  isClosingOnly: boolean | null;
  tickSize: number | null;
}

export function decodeCryptocurrency(c: JsonObject, where = "cryptocurrencies"): Cryptocurrency {
  return {
    id: int(c, "id", where),
    symbol: reqStr(c, "symbol", where),
    streamerSymbol: str(c, "streamer-symbol", where),
    instrumentType: str(c, "instrument-type", where),
    description: str(c, "description", where),
    shortDescription: str(c, "short-description", where),
    active: bool(c, "active", where),
    isClosingOnly: bool(c, "is-closing-only", where),
    tickSize: num(c, "tick-size", where),
  };
}

export interface Future {
  symbol: string;
  streamerSymbol: string | null;
  streamerExchangeCode: string | null;
  productCode: string | null;
  exchange: string | null;
  exchangeSymbol: string | null;
  contractSize: number | null;
  notionalMultiplier: number | null;
  tickSize: number | null;
  displayFactor: number | null;
  expirationDate: string | null;
  lastTradeDate: string | null;
  closingOnlyDate: string | null;
  firstNoticeDate: string | null;
  expiresAt: number | null;
  stopsTradingAt: number | null;
  active: boolean | null;
  activeMonth: boolean | null;
  isTradeable: boolean | null;
  rollTargetSymbol: string | null;
}

export function decodeFuture(f: JsonObject, where = "futures"): Future {
  return {
    symbol: reqStr(f, "symbol", where),
    streamerSymbol: str(f, "streamer-symbol", where),
    streamerExchangeCode: str(f, "streamer-exchange-code", where),
    productCode: str(f, "product-code", where),
    exchange: str(f, "exchange", where),
    exchangeSymbol: str(f, "exchange-symbol", where),
    contractSize: num(f, "contract-size", where),
    notionalMultiplier: num(f, "notional-multiplier", where),
    tickSize: num(f, "tick-size", where),
    displayFactor: num(f, "display-factor", where),
    expirationDate: date(f, "expiration-date", where),
    lastTradeDate: date(f, "last-trade-date", where),
    closingOnlyDate: date(f, "closing-only-date", where),
    firstNoticeDate: date(f, "first-notice-date", where),
    expiresAt: time(f, "expires-at", where),
    stopsTradingAt: time(f, "stops-trading-at", where),
    active: bool(f, "active", where),
    activeMonth: bool(f, "active-month", where),
    isTradeable: bool(f, "is-tradeable", where),
    rollTargetSymbol: str(f, "roll-target-symbol", where),
  };
}

export interface FutureProduct {
  code: string;
  rootSymbol: string | null;
  description: string | null;
  exchange: string | null;
  productType: string | null;
  marketSector: string | null;
  streamerExchangeCode: string | null;
  tickSize: number | null;
  notionalMultiplier: number | null;
  displayFactor: number | null;
  cashSettled: boolean | null;
  activeMonths: string[];
  listedMonths: string[];
}

export function decodeFutureProduct(p: JsonObject, where = "future-products"): FutureProduct {
  return {
    code: reqStr(p, "code", where),
    rootSymbol: str(p, "root-symbol", where),
    description: str(p, "description", where),
    exchange: str(p, "exchange", where),
    productType: str(p, "product-type", where),
    marketSector: str(p, "market-sector", where),
    streamerExchangeCode: str(p, "streamer-exchange-code", where),
    tickSize: num(p, "tick-size", where),
    notionalMultiplier: num(p, "notional-multiplier", where),
    displayFactor: num(p, "display-factor", where),
    cashSettled: bool(p, "cash-settled", where),
    activeMonths: strings(p, "active-months", where),
    listedMonths: strings(p, "listed-months", where),
  };
}

export interface InstrumentSearchResult {
  symbol: string;
  description: string | null;
  instrumentType: string | null;
  exchange: string | null;
  stopsTradingAt: number | null;
}

export function decodeSearchResult(s: JsonObject, where = "symbols/search"): InstrumentSearchResult {
  return {
    symbol: reqStr(s, "symbol", where),
    description: str(s, "description", where),
    instrumentType: str(s, "instrument-type", where),
    exchange: str(s, "exchange", where),
    stopsTradingAt: time(s, "stops-trading-at", where),
  };
}

export interface QuantityDecimalPrecision {
  symbol: string | null;
  instrumentType: string | null;
  value: number | null;
  minimumIncrementPrecision: number | null;
}

export function decodeQuantityPrecision(
  q: JsonObject,
  where = "quantity-decimal-precisions",
): QuantityDecimalPrecision {
  return {
    symbol: str(q, "symbol", where),
    instrumentType: str(q, "instrument-type", where),
    value: int(q, "value", where),
    minimumIncrementPrecision: int(q, "minimum-increment-precision", where),
  };
}

/** Only the non-personal fields of `/customers/me`: ttapi never needs (or stores) the rest. */
export interface Customer {
  hasDelayedQuotes: boolean | null;
  isProfessional: boolean | null;
  isForeign: boolean | null;
}

export function decodeCustomer(c: JsonObject, where = "customers/me"): Customer {
  return {
    hasDelayedQuotes: bool(c, "has-delayed-quotes", where),
    isProfessional: bool(c, "is-professional", where),
    isForeign: bool(c, "is-foreign", where),
  };
}

export interface MarketSession {
  instrumentCollection: string | null;
  state: string | null;
  sessionDate: string | null;
  startAt: number | null;
  openAt: number | null;
  closeAt: number | null;
  closeAtExt: number | null;
  nextSession: MarketSession | null;
  previousSession: MarketSession | null;
}

export function decodeMarketSession(s: JsonObject, where = "market-time/sessions"): MarketSession {
  const next = obj(s, "next-session", where);
  const prev = obj(s, "previous-session", where);
  return {
    instrumentCollection: str(s, "instrument-collection", where),
    state: str(s, "state", where),
    sessionDate: date(s, "session-date", where),
    startAt: time(s, "start-at", where),
    openAt: time(s, "open-at", where),
    closeAt: time(s, "close-at", where),
    closeAtExt: time(s, "close-at-ext", where),
    nextSession: next ? decodeMarketSession(next, where) : null,
    previousSession: prev ? decodeMarketSession(prev, where) : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Option chains

export interface ChainStrike {
  strikePrice: number | null;
  call: string | null;
  callStreamerSymbol: string | null;
  put: string | null;
  putStreamerSymbol: string | null;
}

export interface ChainExpiration {
  expirationDate: string | null;
  daysToExpiration: number | null;
  expirationType: string | null;
  settlementType: string | null;
  strikes: ChainStrike[];
}

/** One nested-chain item (one per option root: SPX and SPXW come as two). */
export interface NestedChain {
  underlyingSymbol: string;
  rootSymbol: string | null;
  optionChainType: string | null;
  sharesPerContract: number | null;
  expirations: ChainExpiration[];
}

export function decodeNestedChain(c: JsonObject, where = "option-chains/nested"): NestedChain {
  return {
    underlyingSymbol: reqStr(c, "underlying-symbol", where),
    rootSymbol: str(c, "root-symbol", where),
    optionChainType: str(c, "option-chain-type", where),
    sharesPerContract: int(c, "shares-per-contract", where),
    expirations: objects(c, "expirations", where).map((e) => ({
      expirationDate: date(e, "expiration-date", where),
      daysToExpiration: int(e, "days-to-expiration", where),
      expirationType: str(e, "expiration-type", where),
      settlementType: str(e, "settlement-type", where),
      strikes: decodeStrikes(arr(e, "strikes", where), where),
    })),
  };
}

/**
 * Strikes are most of a chain's bytes (SPY: ~1 650 per chain), so this loop reads the known keys
 * directly (monomorphic property access) and takes the generic, validating decoders only when a
 * value is not the expected plain string.
 */
function decodeStrikes(list: Json[], where: string): ChainStrike[] {
  const out: ChainStrike[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const s = asObject(list[i], `${where}: strikes[${i}]`);
    const sp = s["strike-price"];
    const call = s.call;
    const callStreamer = s["call-streamer-symbol"];
    const put = s.put;
    const putStreamer = s["put-streamer-symbol"];
    const fast = typeof sp === "string" && sp !== "" ? +sp : Number.NaN;
    out[i] = {
      strikePrice: Number.isFinite(fast) ? fast : num(s, "strike-price", where),
      call: typeof call === "string" ? call : str(s, "call", where),
      callStreamerSymbol:
        typeof callStreamer === "string" ? callStreamer : str(s, "call-streamer-symbol", where),
      put: typeof put === "string" ? put : str(s, "put", where),
      putStreamerSymbol: typeof putStreamer === "string" ? putStreamer : str(s, "put-streamer-symbol", where),
    };
  }
  return out;
}

/** One compact-chain item: parallel arrays of OCC and streamer symbols for one root. */
export interface CompactChain {
  underlyingSymbol: string;
  rootSymbol: string | null;
  optionChainType: string | null;
  settlementType: string | null;
  sharesPerContract: number | null;
  expirationType: string | null;
  symbols: string[];
  streamerSymbols: string[];
}

export function decodeCompactChain(c: JsonObject, where = "option-chains/compact"): CompactChain {
  return {
    underlyingSymbol: reqStr(c, "underlying-symbol", where),
    rootSymbol: str(c, "root-symbol", where),
    optionChainType: str(c, "option-chain-type", where),
    settlementType: str(c, "settlement-type", where),
    sharesPerContract: int(c, "shares-per-contract", where),
    expirationType: str(c, "expiration-type", where),
    symbols: strings(c, "symbols", where),
    streamerSymbols: strings(c, "streamer-symbols", where),
  };
}

// ---------------------------------------------------------------------------------------------
// Market metrics

export interface ExpirationImpliedVolatility {
  expirationDate: string | null;
  settlementType: string | null;
  optionChainType: string | null;
  impliedVolatility: number | null;
}

export interface MarketMetric {
  symbol: string;
  impliedVolatilityIndex: number | null;
  impliedVolatilityIndex5DayChange: number | null;
  impliedVolatilityIndexRank: number | null;
  impliedVolatilityPercentile: number | null;
  impliedVolatility30Day: number | null;
  historicalVolatility30Day: number | null;
  historicalVolatility60Day: number | null;
  historicalVolatility90Day: number | null;
  ivHv30DayDifference: number | null;
  liquidityValue: number | null;
  liquidityRank: number | null;
  liquidityRating: number | null;
  beta: number | null;
  corrSpy3Month: number | null;
  marketCap: number | null;
  dividendYield: number | null;
  earningsExpectedReportDate: string | null;
  updatedAt: number | null;
  expirationImpliedVolatilities: ExpirationImpliedVolatility[];
}

export function decodeMarketMetric(m: JsonObject, where = "market-metrics"): MarketMetric {
  const earnings = obj(m, "earnings", where);
  return {
    symbol: reqStr(m, "symbol", where),
    impliedVolatilityIndex: num(m, "implied-volatility-index", where),
    impliedVolatilityIndex5DayChange: num(m, "implied-volatility-index-5-day-change", where),
    impliedVolatilityIndexRank: num(m, "implied-volatility-index-rank", where),
    impliedVolatilityPercentile: num(m, "implied-volatility-percentile", where),
    impliedVolatility30Day: num(m, "implied-volatility-30-day", where),
    historicalVolatility30Day: num(m, "historical-volatility-30-day", where),
    historicalVolatility60Day: num(m, "historical-volatility-60-day", where),
    historicalVolatility90Day: num(m, "historical-volatility-90-day", where),
    ivHv30DayDifference: num(m, "iv-hv-30-day-difference", where),
    liquidityValue: num(m, "liquidity-value", where),
    liquidityRank: num(m, "liquidity-rank", where),
    liquidityRating: num(m, "liquidity-rating", where),
    beta: num(m, "beta", where),
    corrSpy3Month: num(m, "corr-spy-3month", where),
    marketCap: num(m, "market-cap", where),
    dividendYield: num(m, "dividend-yield", where),
    earningsExpectedReportDate: earnings ? date(earnings, "expected-report-date", where) : null,
    updatedAt: time(m, "updated-at", where),
    expirationImpliedVolatilities: objects(m, "option-expiration-implied-volatilities", where).map((e) => ({
      expirationDate: date(e, "expiration-date", where),
      settlementType: str(e, "settlement-type", where),
      optionChainType: str(e, "option-chain-type", where),
      impliedVolatility: num(e, "implied-volatility", where),
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Market data snapshot (`/market-data/by-type`)

export interface QuoteSnapshot {
  symbol: string;
  instrumentType: string | null;
  updatedAt: number | null;
  bid: number | null;
  bidSize: number | null;
  ask: number | null;
  askSize: number | null;
  mid: number | null;
  mark: number | null;
  last: number | null;
  open: number | null;
  dayHighPrice: number | null;
  dayLowPrice: number | null;
  close: number | null;
  prevClose: number | null;
  summaryDate: string | null;
  prevCloseDate: string | null;
  volume: number | null;
  yearLowPrice: number | null;
  yearHighPrice: number | null;
  beta: number | null;
  dividendAmount: number | null;
  isTradingHalted: boolean | null;
  /** `-1` on the wire when not halted → null. */
  haltStartTime: number | null;
  haltEndTime: number | null;
}

export function decodeQuote(q: JsonObject, where = "market-data/by-type"): QuoteSnapshot {
  return {
    symbol: reqStr(q, "symbol", where),
    instrumentType: str(q, "instrument-type", where),
    updatedAt: time(q, "updated-at", where),
    bid: num(q, "bid", where),
    bidSize: num(q, "bid-size", where),
    ask: num(q, "ask", where),
    askSize: num(q, "ask-size", where),
    mid: num(q, "mid", where),
    mark: num(q, "mark", where),
    last: num(q, "last", where),
    open: num(q, "open", where),
    dayHighPrice: num(q, "day-high-price", where),
    dayLowPrice: num(q, "day-low-price", where),
    close: num(q, "close", where),
    prevClose: num(q, "prev-close", where),
    summaryDate: date(q, "summary-date", where),
    prevCloseDate: date(q, "prev-close-date", where),
    volume: num(q, "volume", where),
    yearLowPrice: num(q, "year-low-price", where),
    yearHighPrice: num(q, "year-high-price", where),
    beta: num(q, "beta", where),
    dividendAmount: num(q, "dividend-amount", where),
    isTradingHalted: bool(q, "is-trading-halted", where),
    haltStartTime: numOrUnset(q, "halt-start-time", where),
    haltEndTime: numOrUnset(q, "halt-end-time", where),
  };
}

// ---------------------------------------------------------------------------------------------
// Quote token (for DXLink)

export interface QuoteToken {
  token: string;
  dxlinkUrl: string;
  level: string | null;
  /** Local clock time the token was received. */
  receivedAt: number;
  /** `expires-at` when the response carries it (epoch ms); else null and the token is valid ~24 h. */
  expiresAt: number | null;
}

/** When a quote token stops being valid: its `expires-at`, else `fallbackMs` after it was received. */
export function quoteTokenExpiry(t: QuoteToken, fallbackMs = 20 * 3600_000): number {
  return t.expiresAt ?? t.receivedAt + fallbackMs;
}

/**
 * How long a stored token must still be valid to be used (the DXLink client's own refresh margin):
 * one that expires sooner is replaced before use, because DXLink recovers from a dead token only
 * after the server says UNAUTHORIZED — a failed connection and a reconnect per use.
 */
export const QUOTE_TOKEN_MIN_LIFE_MS = 10 * 60_000;

/** Whether a stored quote token can still be used, or must be replaced by a fresh one first. */
export function quoteTokenUsable(t: QuoteToken, now = Date.now()): boolean {
  return quoteTokenExpiry(t) - now > QUOTE_TOKEN_MIN_LIFE_MS;
}

export function decodeQuoteToken(d: JsonObject, where = "api-quote-tokens", now = Date.now()): QuoteToken {
  const token = reqStr(d, "token", where);
  registerSecret(token);
  return {
    token,
    dxlinkUrl: reqStr(d, "dxlink-url", where),
    level: str(d, "level", where),
    receivedAt: now,
    expiresAt: time(d, "expires-at", where),
  };
}

/** Helper for list payloads whose decoder needs the item only. */
export function decodeItems<T>(
  list: Json[] | JsonObject[],
  decode: (o: JsonObject, where: string) => T,
  where: string,
): T[] {
  const out: T[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) out[i] = decode(asObject(list[i], `${where}: items[${i}]`), where);
  return out;
}
