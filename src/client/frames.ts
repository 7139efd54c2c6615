/**
 * Typed records → polars DataFrames with explicit schemas. Each table is declared once as a list
 * of columns (name, dtype, accessor); the builder fills one typed array per column (Float64Array
 * with NaN for null, then NaN → null in polars) instead of handing polars an array of row objects.
 * The column names are the wire's kebab-case keys in snake_case, so Parquet files read naturally.
 */
import pl, { type DataType } from "nodejs-polars";
import { strikeColumnsOf } from "./chain-records.ts";
import { SYMBOL_FIELDS as F, symbolAt } from "./chain-scan.ts";
import type {
  Account,
  Balance,
  CompactChain,
  Equity,
  MarketMetric,
  NestedChain,
  Position,
  QuoteSnapshot,
} from "./models.ts";

type Kind = "f64" | "i64" | "str" | "bool" | "date" | "datetime";

export interface ColumnSpec<R> {
  name: string;
  kind: Kind;
  get: (row: R) => number | string | boolean | null;
}

const DTYPE = {
  f64: pl.Float64,
  i64: pl.Int64,
  str: pl.String,
  bool: pl.Bool,
  date: pl.Date,
  datetime: pl.Datetime("ms", "UTC"),
} as const;

/** The explicit polars schema of a table spec (what `frame` returns, also for empty inputs). */
export function schemaOf<R>(spec: readonly ColumnSpec<R>[]): Record<string, DataType> {
  const out: Record<string, DataType> = {};
  for (const c of spec) out[c.name] = DTYPE[c.kind];
  return out;
}

const MS_PER_DAY = 86_400_000;

/** Build a DataFrame column by column from typed arrays. */
export function frame<R>(rows: readonly R[], spec: readonly ColumnSpec<R>[]): pl.DataFrame {
  const n = rows.length;
  const series: pl.Series[] = [];
  const nanToNull: string[] = [];
  for (const c of spec) {
    if (c.kind === "f64" || c.kind === "i64" || c.kind === "datetime" || c.kind === "date") {
      const values = new Float64Array(n);
      let hasNull = false;
      // Dates repeat down a column (one expiration per many strikes): parse each run once.
      let lastDate: unknown = null;
      let lastDays = 0;
      for (let i = 0; i < n; i++) {
        const v = c.get(rows[i] as R);
        if (v === null || v === undefined) {
          values[i] = Number.NaN;
          hasNull = true;
        } else if (c.kind === "date") {
          // "YYYY-MM-DD" → days since epoch (UTC).
          if (v !== lastDate) {
            lastDate = v;
            lastDays = Math.round(Date.parse(`${v as string}T00:00:00Z`) / MS_PER_DAY);
          }
          values[i] = lastDays;
        } else values[i] = v as number;
      }
      let s: pl.Series = pl.Series(c.name, values, pl.Float64);
      if (hasNull) nanToNull.push(c.name);
      if (c.kind !== "f64") {
        // NaN → null first so the integer cast never sees a NaN.
        if (hasNull) s = pl.DataFrame([s]).select(pl.col(c.name).fillNan(null)).getColumn(c.name);
        s =
          c.kind === "i64"
            ? s.cast(pl.Int64)
            : c.kind === "date"
              ? s.cast(pl.Int32).cast(pl.Date)
              : s.cast(pl.Int64).cast(DTYPE.datetime);
      }
      series.push(s);
    } else if (c.kind === "str") {
      const values: (string | null)[] = new Array(n);
      for (let i = 0; i < n; i++) values[i] = (c.get(rows[i] as R) as string | null) ?? null;
      series.push(pl.Series(c.name, values, pl.String));
    } else {
      const values: (boolean | null)[] = new Array(n);
      for (let i = 0; i < n; i++) values[i] = (c.get(rows[i] as R) as boolean | null) ?? null;
      series.push(pl.Series(c.name, values, pl.Bool));
    }
  }
  let df = pl.DataFrame(series);
  const floatNulls = nanToNull.filter((name) => spec.find((c) => c.name === name)?.kind === "f64");
  if (floatNulls.length > 0) df = df.withColumns(...floatNulls.map((name) => pl.col(name).fillNan(null)));
  return df;
}

// ---------------------------------------------------------------------------------------------
// Table specs

export const ACCOUNT_COLUMNS: ColumnSpec<Account>[] = [
  { name: "account_number", kind: "str", get: (r) => r.accountNumber },
  { name: "nickname", kind: "str", get: (r) => r.nickname },
  { name: "account_type_name", kind: "str", get: (r) => r.accountTypeName },
  { name: "margin_or_cash", kind: "str", get: (r) => r.marginOrCash },
  { name: "is_closed", kind: "bool", get: (r) => r.isClosed },
  { name: "is_futures_approved", kind: "bool", get: (r) => r.isFuturesApproved },
  { name: "day_trader_status", kind: "str", get: (r) => r.dayTraderStatus },
  { name: "suitable_options_level", kind: "str", get: (r) => r.suitableOptionsLevel },
  { name: "authority_level", kind: "str", get: (r) => r.authorityLevel },
  { name: "created_at", kind: "datetime", get: (r) => r.createdAt },
  { name: "opened_at", kind: "datetime", get: (r) => r.openedAt },
];

export const BALANCE_COLUMNS: ColumnSpec<Balance>[] = [
  { name: "account_number", kind: "str", get: (r) => r.accountNumber },
  { name: "currency", kind: "str", get: (r) => r.currency },
  { name: "cash_balance", kind: "f64", get: (r) => r.cashBalance },
  { name: "net_liquidating_value", kind: "f64", get: (r) => r.netLiquidatingValue },
  { name: "equity_buying_power", kind: "f64", get: (r) => r.equityBuyingPower },
  { name: "derivative_buying_power", kind: "f64", get: (r) => r.derivativeBuyingPower },
  { name: "day_trading_buying_power", kind: "f64", get: (r) => r.dayTradingBuyingPower },
  { name: "maintenance_requirement", kind: "f64", get: (r) => r.maintenanceRequirement },
  { name: "long_equity_value", kind: "f64", get: (r) => r.longEquityValue },
  { name: "short_equity_value", kind: "f64", get: (r) => r.shortEquityValue },
  { name: "long_derivative_value", kind: "f64", get: (r) => r.longDerivativeValue },
  { name: "short_derivative_value", kind: "f64", get: (r) => r.shortDerivativeValue },
  { name: "pending_cash", kind: "f64", get: (r) => r.pendingCash },
  { name: "snapshot_date", kind: "date", get: (r) => r.snapshotDate },
  { name: "updated_at", kind: "datetime", get: (r) => r.updatedAt },
];

export const POSITION_COLUMNS: ColumnSpec<Position>[] = [
  { name: "account_number", kind: "str", get: (r) => r.accountNumber },
  { name: "symbol", kind: "str", get: (r) => r.symbol },
  { name: "instrument_type", kind: "str", get: (r) => r.instrumentType },
  { name: "underlying_symbol", kind: "str", get: (r) => r.underlyingSymbol },
  { name: "streamer_symbol", kind: "str", get: (r) => r.streamerSymbol },
  { name: "quantity", kind: "f64", get: (r) => r.quantity },
  { name: "quantity_direction", kind: "str", get: (r) => r.quantityDirection },
  { name: "signed_quantity", kind: "f64", get: (r) => r.signedQuantity },
  { name: "average_open_price", kind: "f64", get: (r) => r.averageOpenPrice },
  { name: "close_price", kind: "f64", get: (r) => r.closePrice },
  { name: "mark", kind: "f64", get: (r) => r.mark },
  { name: "mark_price", kind: "f64", get: (r) => r.markPrice },
  { name: "multiplier", kind: "f64", get: (r) => r.multiplier },
  { name: "cost_effect", kind: "str", get: (r) => r.costEffect },
  { name: "expires_at", kind: "datetime", get: (r) => r.expiresAt },
  { name: "created_at", kind: "datetime", get: (r) => r.createdAt },
  { name: "updated_at", kind: "datetime", get: (r) => r.updatedAt },
];

export const EQUITY_COLUMNS: ColumnSpec<Equity>[] = [
  { name: "id", kind: "i64", get: (r) => r.id },
  { name: "symbol", kind: "str", get: (r) => r.symbol },
  { name: "streamer_symbol", kind: "str", get: (r) => r.streamerSymbol },
  { name: "instrument_type", kind: "str", get: (r) => r.instrumentType },
  { name: "description", kind: "str", get: (r) => r.description },
  { name: "listed_market", kind: "str", get: (r) => r.listedMarket },
  { name: "cusip", kind: "str", get: (r) => r.cusip },
  { name: "lendability", kind: "str", get: (r) => r.lendability },
  { name: "active", kind: "bool", get: (r) => r.active },
  { name: "is_etf", kind: "bool", get: (r) => r.isEtf },
  { name: "is_index", kind: "bool", get: (r) => r.isIndex },
  { name: "is_closing_only", kind: "bool", get: (r) => r.isClosingOnly },
  { name: "is_options_closing_only", kind: "bool", get: (r) => r.isOptionsClosingOnly },
  { name: "is_illiquid", kind: "bool", get: (r) => r.isIlliquid },
  // The tick size that applies above the last threshold (the usual penny increment).
  { name: "tick_size", kind: "f64", get: (r) => r.tickSizes.at(-1)?.value ?? null },
];

/** One row per strike of a nested chain (calls and puts side by side, as on the wire). */
export interface ChainStrikeRow {
  underlyingSymbol: string;
  rootSymbol: string | null;
  optionChainType: string | null;
  sharesPerContract: number | null;
  expirationDate: string | null;
  daysToExpiration: number | null;
  expirationType: string | null;
  settlementType: string | null;
  strikePrice: number | null;
  call: string | null;
  callStreamerSymbol: string | null;
  put: string | null;
  putStreamerSymbol: string | null;
}

export function flattenNestedChains(chains: readonly NestedChain[]): ChainStrikeRow[] {
  const rows: ChainStrikeRow[] = [];
  for (const c of chains) {
    for (const e of c.expirations) {
      for (const s of e.strikes) {
        rows.push({
          underlyingSymbol: c.underlyingSymbol,
          rootSymbol: c.rootSymbol,
          optionChainType: c.optionChainType,
          sharesPerContract: c.sharesPerContract,
          expirationDate: e.expirationDate,
          daysToExpiration: e.daysToExpiration,
          expirationType: e.expirationType,
          settlementType: e.settlementType,
          ...s,
        });
      }
    }
  }
  return rows;
}

export const CHAIN_STRIKE_COLUMNS: ColumnSpec<ChainStrikeRow>[] = [
  { name: "underlying_symbol", kind: "str", get: (r) => r.underlyingSymbol },
  { name: "root_symbol", kind: "str", get: (r) => r.rootSymbol },
  { name: "option_chain_type", kind: "str", get: (r) => r.optionChainType },
  { name: "shares_per_contract", kind: "i64", get: (r) => r.sharesPerContract },
  { name: "expiration_date", kind: "date", get: (r) => r.expirationDate },
  { name: "days_to_expiration", kind: "i64", get: (r) => r.daysToExpiration },
  { name: "expiration_type", kind: "str", get: (r) => r.expirationType },
  { name: "settlement_type", kind: "str", get: (r) => r.settlementType },
  { name: "strike_price", kind: "f64", get: (r) => r.strikePrice },
  { name: "call", kind: "str", get: (r) => r.call },
  { name: "call_streamer_symbol", kind: "str", get: (r) => r.callStreamerSymbol },
  { name: "put", kind: "str", get: (r) => r.put },
  { name: "put_streamer_symbol", kind: "str", get: (r) => r.putStreamerSymbol },
];

/** One row per option symbol of a compact chain. */
export interface CompactChainRow {
  underlyingSymbol: string;
  rootSymbol: string | null;
  optionChainType: string | null;
  settlementType: string | null;
  sharesPerContract: number | null;
  symbol: string;
  streamerSymbol: string | null;
}

export function flattenCompactChains(chains: readonly CompactChain[]): CompactChainRow[] {
  const rows: CompactChainRow[] = [];
  for (const c of chains) {
    for (let i = 0; i < c.symbols.length; i++) {
      rows.push({
        underlyingSymbol: c.underlyingSymbol,
        rootSymbol: c.rootSymbol,
        optionChainType: c.optionChainType,
        settlementType: c.settlementType,
        sharesPerContract: c.sharesPerContract,
        symbol: c.symbols[i] as string,
        streamerSymbol: c.streamerSymbols[i] ?? null,
      });
    }
  }
  return rows;
}

export const COMPACT_CHAIN_COLUMNS: ColumnSpec<CompactChainRow>[] = [
  { name: "underlying_symbol", kind: "str", get: (r) => r.underlyingSymbol },
  { name: "root_symbol", kind: "str", get: (r) => r.rootSymbol },
  { name: "option_chain_type", kind: "str", get: (r) => r.optionChainType },
  { name: "settlement_type", kind: "str", get: (r) => r.settlementType },
  { name: "shares_per_contract", kind: "i64", get: (r) => r.sharesPerContract },
  { name: "symbol", kind: "str", get: (r) => r.symbol },
  { name: "streamer_symbol", kind: "str", get: (r) => r.streamerSymbol },
];

export const MARKET_METRIC_COLUMNS: ColumnSpec<MarketMetric>[] = [
  { name: "symbol", kind: "str", get: (r) => r.symbol },
  { name: "implied_volatility_index", kind: "f64", get: (r) => r.impliedVolatilityIndex },
  {
    name: "implied_volatility_index_5_day_change",
    kind: "f64",
    get: (r) => r.impliedVolatilityIndex5DayChange,
  },
  { name: "implied_volatility_index_rank", kind: "f64", get: (r) => r.impliedVolatilityIndexRank },
  { name: "implied_volatility_percentile", kind: "f64", get: (r) => r.impliedVolatilityPercentile },
  { name: "implied_volatility_30_day", kind: "f64", get: (r) => r.impliedVolatility30Day },
  { name: "historical_volatility_30_day", kind: "f64", get: (r) => r.historicalVolatility30Day },
  { name: "historical_volatility_60_day", kind: "f64", get: (r) => r.historicalVolatility60Day },
  { name: "historical_volatility_90_day", kind: "f64", get: (r) => r.historicalVolatility90Day },
  { name: "iv_hv_30_day_difference", kind: "f64", get: (r) => r.ivHv30DayDifference },
  { name: "liquidity_value", kind: "f64", get: (r) => r.liquidityValue },
  { name: "liquidity_rank", kind: "f64", get: (r) => r.liquidityRank },
  { name: "liquidity_rating", kind: "f64", get: (r) => r.liquidityRating },
  { name: "beta", kind: "f64", get: (r) => r.beta },
  { name: "corr_spy_3month", kind: "f64", get: (r) => r.corrSpy3Month },
  { name: "market_cap", kind: "f64", get: (r) => r.marketCap },
  { name: "dividend_yield", kind: "f64", get: (r) => r.dividendYield },
  { name: "earnings_expected_report_date", kind: "date", get: (r) => r.earningsExpectedReportDate },
  { name: "updated_at", kind: "datetime", get: (r) => r.updatedAt },
];

export const QUOTE_COLUMNS: ColumnSpec<QuoteSnapshot>[] = [
  { name: "symbol", kind: "str", get: (r) => r.symbol },
  { name: "instrument_type", kind: "str", get: (r) => r.instrumentType },
  { name: "updated_at", kind: "datetime", get: (r) => r.updatedAt },
  { name: "bid", kind: "f64", get: (r) => r.bid },
  { name: "bid_size", kind: "f64", get: (r) => r.bidSize },
  { name: "ask", kind: "f64", get: (r) => r.ask },
  { name: "ask_size", kind: "f64", get: (r) => r.askSize },
  { name: "mid", kind: "f64", get: (r) => r.mid },
  { name: "mark", kind: "f64", get: (r) => r.mark },
  { name: "last", kind: "f64", get: (r) => r.last },
  { name: "open", kind: "f64", get: (r) => r.open },
  { name: "day_high_price", kind: "f64", get: (r) => r.dayHighPrice },
  { name: "day_low_price", kind: "f64", get: (r) => r.dayLowPrice },
  { name: "close", kind: "f64", get: (r) => r.close },
  { name: "prev_close", kind: "f64", get: (r) => r.prevClose },
  { name: "summary_date", kind: "date", get: (r) => r.summaryDate },
  { name: "volume", kind: "f64", get: (r) => r.volume },
  { name: "year_low_price", kind: "f64", get: (r) => r.yearLowPrice },
  { name: "year_high_price", kind: "f64", get: (r) => r.yearHighPrice },
  { name: "beta", kind: "f64", get: (r) => r.beta },
  { name: "dividend_amount", kind: "f64", get: (r) => r.dividendAmount },
  { name: "is_trading_halted", kind: "bool", get: (r) => r.isTradingHalted },
  { name: "halt_start_time", kind: "datetime", get: (r) => r.haltStartTime },
];

export const accountsFrame = (rows: readonly Account[]) => frame(rows, ACCOUNT_COLUMNS);
export const balancesFrame = (rows: readonly Balance[]) => frame(rows, BALANCE_COLUMNS);
export const positionsFrame = (rows: readonly Position[]) => frame(rows, POSITION_COLUMNS);
export const equitiesFrame = (rows: readonly Equity[]) => frame(rows, EQUITY_COLUMNS);
/**
 * One row per strike, built column by column: strikes still held by the scanner's columns
 * (chain-records.ts) are read from there (no record per strike), materialised ones from records.
 */
export function nestedChainsFrame(chains: readonly NestedChain[]): pl.DataFrame {
  let n = 0;
  for (const c of chains)
    for (const e of c.expirations) {
      const r = strikeColumnsOf(e);
      n += r ? r.to - r.from : e.strikes.length;
    }
  const cols = {
    underlying: new Array<string>(n),
    root: new Array<string | null>(n),
    chainType: new Array<string | null>(n),
    shares: new Array<number | null>(n),
    date: new Array<string | null>(n),
    dte: new Array<number | null>(n),
    expType: new Array<string | null>(n),
    settlement: new Array<string | null>(n),
    strike: new Array<number | null>(n),
    call: new Array<string | null>(n),
    callS: new Array<string | null>(n),
    put: new Array<string | null>(n),
    putS: new Array<string | null>(n),
  };
  let k = 0;
  for (const c of chains)
    for (const e of c.expirations) {
      const r = strikeColumnsOf(e);
      const from = k;
      if (r) {
        const cs = r.columns;
        const { strikePrice } = cs;
        for (let i = r.from; i < r.to; i++, k++) {
          const p = strikePrice[i] as number;
          cols.strike[k] = Number.isNaN(p) ? null : p;
          cols.call[k] = symbolAt(cs, i, F.call);
          cols.callS[k] = symbolAt(cs, i, F.callStreamer);
          cols.put[k] = symbolAt(cs, i, F.put);
          cols.putS[k] = symbolAt(cs, i, F.putStreamer);
        }
      } else {
        for (const s of e.strikes) {
          cols.strike[k] = s.strikePrice;
          cols.call[k] = s.call;
          cols.callS[k] = s.callStreamerSymbol;
          cols.put[k] = s.put;
          cols.putS[k] = s.putStreamerSymbol;
          k++;
        }
      }
      cols.underlying.fill(c.underlyingSymbol, from, k);
      cols.root.fill(c.rootSymbol, from, k);
      cols.chainType.fill(c.optionChainType, from, k);
      cols.shares.fill(c.sharesPerContract, from, k);
      cols.date.fill(e.expirationDate, from, k);
      cols.dte.fill(e.daysToExpiration, from, k);
      cols.expType.fill(e.expirationType, from, k);
      cols.settlement.fill(e.settlementType, from, k);
    }
  const index = Array.from({ length: n }, (_, i) => i);
  const byIndex: Record<string, (i: number) => number | string | null> = {
    underlying_symbol: (i) => cols.underlying[i] as string,
    root_symbol: (i) => cols.root[i] ?? null,
    option_chain_type: (i) => cols.chainType[i] ?? null,
    shares_per_contract: (i) => cols.shares[i] ?? null,
    expiration_date: (i) => cols.date[i] ?? null,
    days_to_expiration: (i) => cols.dte[i] ?? null,
    expiration_type: (i) => cols.expType[i] ?? null,
    settlement_type: (i) => cols.settlement[i] ?? null,
    strike_price: (i) => cols.strike[i] ?? null,
    call: (i) => cols.call[i] ?? null,
    call_streamer_symbol: (i) => cols.callS[i] ?? null,
    put: (i) => cols.put[i] ?? null,
    put_streamer_symbol: (i) => cols.putS[i] ?? null,
  };
  return frame(
    index,
    CHAIN_STRIKE_COLUMNS.map((c) => ({
      name: c.name,
      kind: c.kind,
      get: byIndex[c.name] as (i: number) => number | string | null,
    })),
  );
}
export const compactChainsFrame = (chains: readonly CompactChain[]) =>
  frame(flattenCompactChains(chains), COMPACT_CHAIN_COLUMNS);
export const marketMetricsFrame = (rows: readonly MarketMetric[]) => frame(rows, MARKET_METRIC_COLUMNS);
export const quotesFrame = (rows: readonly QuoteSnapshot[]) => frame(rows, QUOTE_COLUMNS);
